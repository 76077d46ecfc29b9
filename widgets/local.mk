# widgets: pure drawing (const data + rect + theme -> curses cells), and the
# one line editor (curses keys -> a UTF-8 buffer and cursor)
libvitals_a_SOURCES += widgets/canvas.c widgets/canvas.h \
	widgets/sparkline.c widgets/sparkline.h widgets/gc_timeline.c widgets/gc_timeline.h \
	widgets/heap_spaces.c widgets/heap_spaces.h widgets/alert_pane.c widgets/alert_pane.h \
	widgets/proc_table.c widgets/proc_table.h widgets/log_pane.c widgets/log_pane.h \
	widgets/lineedit.c widgets/lineedit.h
