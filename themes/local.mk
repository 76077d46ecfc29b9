# themes: colour roles, theme loading, and the shipped theme files
libvitals_a_SOURCES += themes/theme.c themes/theme.h
themedir = $(pkgdatadir)/themes
dist_theme_DATA = themes/default.theme themes/light.theme themes/high-contrast.theme \
	themes/monochrome.theme themes/solarized.theme
