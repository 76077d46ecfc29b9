# core: model, ring buffers, alerts — no curses, no I/O
libvitals_a_SOURCES += core/ring.c core/ring.h core/model.c core/model.h \
	core/paths.c core/paths.h core/fmt.c core/fmt.h core/xalloc.c core/xalloc.h \
	core/clock.c core/clock.h core/text.c core/text.h \
	core/probe_series.c core/probe_series.h core/filewrite.c core/filewrite.h
# alerts (engineer: alerts)
libvitals_a_SOURCES += core/alerts.c core/alerts.h
# config file (engineer: screen)
libvitals_a_SOURCES += core/config.c core/config.h core/config_write.c
# line framing of the probe connection and of launched programs' output (engineer: robust)
libvitals_a_SOURCES += core/linebuf.c core/linebuf.h
