# export: vitals' data for other tools (Prometheus /metrics, --on-alert actions)
libvitals_a_SOURCES += export/prom_exposition.c export/prom_exposition.h \
	export/alert_action.c export/alert_action.h \
	export/prom_server.c export/prom_server.h \
	export/mhd_lib.c export/mhd_lib.h
# example scrape config and alerting rules, installed with the docs
examplesdir = $(docdir)/examples/prometheus
dist_examples_DATA = doc/prometheus/prometheus.yml doc/prometheus/vitals-alerts.yml
