# collectors: sources and tests of this area (see Makefile.am)
libvitals_a_SOURCES += collectors/proc.c collectors/proc.h
libvitals_a_SOURCES += collectors/probe_client.c collectors/probe_client.h
