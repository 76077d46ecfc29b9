# record: the recording format (gzip blocks of JSON lines) written by
# `vitals record` and read by `vitals replay`
libvitals_a_SOURCES += record/recfile.c record/recfile.h record/rec_lines.c record/rec_lines.h \
	record/rec_time.c record/rec_time.h
# the recorder as a systemd service (doc: README, vitals(1)); @bindir@ filled
# in at build time, installed to systemd's unit directory (configure)
systemdsystemunit_DATA = record/vitals-record.service
EXTRA_DIST += record/vitals-record.service.in
CLEANFILES += record/vitals-record.service
record/vitals-record.service: $(srcdir)/record/vitals-record.service.in Makefile
	$(MKDIR_P) record
	sed 's|@bindir[@]|$(bindir)|g' $(srcdir)/record/vitals-record.service.in >$@
