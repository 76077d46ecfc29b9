libvitals_a_SOURCES += tui/app.c tui/app.h
