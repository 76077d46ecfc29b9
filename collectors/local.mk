# collectors: sources and tests of this area (see Makefile.am)
libvitals_a_SOURCES += collectors/proc.c collectors/proc.h collectors/app_id.c collectors/app_id.h
# inspector + launch (engineer: attach)
libvitals_a_SOURCES += collectors/inspector.c collectors/inspector.h \
	collectors/cdp.c collectors/cdp.h collectors/node_flags.c collectors/node_flags.h \
	collectors/netns.c collectors/netns.h collectors/container.c collectors/container.h collectors/procfs.c collectors/procfs.h \
	collectors/launch.c collectors/launch.h collectors/watchdog.c collectors/watchdog.h \
	collectors/fdpass.c collectors/fdpass.h
demodir = $(pkgdatadir)/demo
dist_demo_DATA = demo/healthy.js demo/leaky.js demo/stall.js
libvitals_a_SOURCES += collectors/probe_client.c collectors/probe_client.h \
	collectors/probe_line.c collectors/probe_line.h \
	collectors/probe_capture.c collectors/probe_capture.h
