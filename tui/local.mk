libvitals_a_SOURCES += tui/app.c tui/app.h
libvitals_a_SOURCES += tui/cli.c tui/cli.h tui/diag.c tui/diag.h tui/headless.c tui/headless.h \
	tui/app_priv.h tui/ui.h tui/keys.h
