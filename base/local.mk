# base: model, ring buffers, alerts — no curses, no I/O
libvitals_a_SOURCES += base/ring.c base/ring.h base/model.c base/model.h \
	base/paths.c base/paths.h base/fmt.c base/fmt.h base/xalloc.c base/xalloc.h \
	base/clock.c base/clock.h base/text.c base/text.h \
	base/probe_series.c base/probe_series.h base/filewrite.c base/filewrite.h
# alerts (engineer: alerts)
libvitals_a_SOURCES += base/alerts.c base/alerts.h
# config file (engineer: screen)
libvitals_a_SOURCES += base/config.c base/config.h base/config_write.c
# line framing of the probe connection and of launched programs' output (engineer: robust)
libvitals_a_SOURCES += base/linebuf.c base/linebuf.h
