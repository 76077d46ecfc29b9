libvitals_a_SOURCES += tui/app.c tui/app.h
libvitals_a_SOURCES += tui/cli.c tui/cli.h tui/diag.c tui/diag.h tui/headless.c tui/headless.h \
	tui/app_priv.h tui/ui.h tui/keys.h tui/keys.c tui/help.c tui/help.h \
	tui/app_tick.c tui/app_actions.c tui/prompt.c tui/prompt.h tui/heapdiff.c tui/heapdiff.h tui/heapview.c tui/heapview.h tui/autohunt.c tui/autohunt.h tui/app_record.c \
	tui/profview.c tui/profview.h
# views and row order (engineer: screen)
libvitals_a_SOURCES += tui/rows.c tui/rows.h tui/view.c tui/view.h tui/view_overview.c \
	tui/view_overview.h tui/view_detail.c tui/view_detail.h
