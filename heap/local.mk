# heap: V8 heap snapshot analysis (vitals heap summary|diff, and the TUI's
# heap diff view).  See heap/snapshot.h for the data model.
libvitals_a_SOURCES += heap/snapshot.c heap/snapshot.h \
	heap/dominators.c heap/dominators.h \
	heap/devtools.c heap/devtools.h \
	heap/retainers.c heap/retainers.h \
	heap/summary.c heap/summary.h \
	heap/diff.c heap/diff.h \
	heap/leaks.c heap/leaks.h \
	heap/explore.c heap/explore.h \
	heap/explore_tui.c heap/explore_tui.h \
	heap/report.c heap/report.h \
	heap/heap_cli.c heap/heap_cli.h
