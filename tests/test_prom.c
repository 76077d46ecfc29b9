/* Unit tests for export/prom_exposition and prom_server's address parser:
 * what a scrape says about a model.  Label values with quotes, backslashes,
 * newlines and bytes that are not UTF-8 must come out escaped and valid;
 * app/worker labels must be stable across a restart; the probe's numbers
 * must be scaled to seconds and ratios; exited processes are not exported;
 * OpenMetrics must end in # EOF and name counter families without _total. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/model.h"
#include "export/prom_exposition.h"
#include "export/prom_server.h"

static vproc *add(model *m, int pid, const char *name, const char *cmdline)
{
	vproc *p = model_add(m, pid, (uint64_t)pid * 10);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->cmdline = cmdline ? strdup(cmdline) : NULL;
	p->rss_bytes = 1000.0 * pid;
	return p;
}

static char *render(prom_exposition *e, const model *m, bool om)
{
	size_t len = 0;
	char *s = prom_exposition_render(e, m, NULL, om, &len);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

/* The line of name with the given label text in it, or NULL. */
static const char *line_with(const char *text, const char *name, const char *labels)
{
	size_t n = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, name, n) == 0 && l[n] == '{') {
			const char *end = strchr(l, '\n');
			const char *hit = strstr(l, labels);
			if (hit && (!end || hit < end))
				return l;
		}
	}
	return NULL;
}

static double value_of(const char *line)
{
	const char *sp = strchr(line, '}');
	assert_non_null(sp);
	return strtod(sp + 2, NULL);
}

static void test_labels_escaped(void **state)
{
	model m;
	model_init(&m, NULL);
	add(&m, 10, "node", "node /srv/we\"ird\\app.js");
	add(&m, 11, "ba\xff\xfe" "d\nname", NULL);
	prom_exposition *e = prom_exposition_new();
	char *s = render(e, &m, false);
	assert_non_null(line_with(s, "process_resident_memory_bytes", "app=\"we\\\"ird\\\\app.js\",worker=\"0\""));
	/* not UTF-8 and a newline: '?', the line stays one line */
	const char *l = line_with(s, "vitals_process_info", "pid=\"11\"");
	assert_non_null(l);
	assert_non_null(strstr(l, "app=\"ba??d?name\""));
	assert_non_null(strstr(l, "name=\"ba??d?name\""));
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		assert_true(*c < 0x80);	/* nothing else here is non-ASCII */
	free(s);
	prom_exposition_free(e);
	model_free(&m);
}

/* An app name from outside (package.json, pm2: collectors/app_id) is
 * escaped the same way in both formats; valid UTF-8 stays as it is. */
static void test_app_name_escaped(void **state)
{
	(void)state;
	model m;
	model_init(&m, NULL);
	vproc *p = add(&m, 12, "node", "node /srv/x.js");
	snprintf(p->app_name, sizeof p->app_name, "b\"il\\l\xc3\xa9\xff\n");
	for (int om = 0; om < 2; om++) {
		prom_exposition *e = prom_exposition_new();
		char *s = render(e, &m, om);
		const char *l = line_with(s, "vitals_process_info", "pid=\"12\"");
		assert_non_null(l);
		assert_non_null(strstr(l, "{app=\"b\\\"il\\\\l\xc3\xa9??\",worker=\"0\""));
		free(s);
		prom_exposition_free(e);
	}
	model_free(&m);
}

static void test_workers_stable(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *a = add(&m, 20, "node", "node server.js");
	add(&m, 21, "node", "node server.js");
	add(&m, 22, "node", "node other.js");
	prom_exposition *e = prom_exposition_new();
	char *s = render(e, &m, false);
	assert_non_null(line_with(s, "vitals_process_info", "app=\"server.js\",worker=\"0\",pid=\"20\""));
	assert_non_null(line_with(s, "vitals_process_info", "app=\"server.js\",worker=\"1\",pid=\"21\""));
	assert_non_null(line_with(s, "vitals_process_info", "app=\"other.js\",worker=\"0\",pid=\"22\""));
	free(s);
	/* worker 0 exits and is replaced: the new process takes worker 0, and
	 * the exited one is no longer exported */
	a->state = PROC_EXITED;
	add(&m, 30, "node", "node server.js");
	s = render(e, &m, false);
	assert_null(line_with(s, "vitals_process_info", "pid=\"20\""));
	assert_non_null(line_with(s, "vitals_process_info", "app=\"server.js\",worker=\"0\",pid=\"30\""));
	assert_non_null(line_with(s, "vitals_process_info", "app=\"server.js\",worker=\"1\",pid=\"21\""));
	free(s);
	prom_exposition_free(e);
	model_free(&m);
}

static void test_probe_values(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *p = add(&m, 40, "node", "node api.js");
	vnode *n = model_node(&m, p);
	n->samples = 1;
	n->heap_used = 6e6;
	n->lag_p99 = 250;	/* ms */
	n->elu = 0.5;
	n->gc_pct = 12.5;	/* % */
	gc_event ev = { .t_ms = 1, .dur_ms = 4, .kind = GC_MAJOR };
	model_gc_push(n, &ev);
	ev.dur_ms = 3000;
	model_gc_push(n, &ev);
	prom_exposition *e = prom_exposition_new();
	char *s = render(e, &m, false);
	assert_true(value_of(line_with(s, "nodejs_heap_size_used_bytes", "worker")) == 6e6);
	assert_true(value_of(line_with(s, "nodejs_eventloop_lag_p99_seconds", "worker")) == 0.25);
	assert_true(value_of(line_with(s, "nodejs_eventloop_utilization", "worker")) == 0.5);
	assert_true(value_of(line_with(s, "vitals_gc_time_ratio", "worker")) == 0.125);
	/* never reported: no sample at all rather than a made-up 0 */
	assert_null(line_with(s, "nodejs_eventloop_lag_mean_seconds", "worker"));
	/* histogram: cumulative buckets, seconds */
	assert_true(value_of(line_with(s, "nodejs_gc_duration_seconds_bucket", "kind=\"major\",le=\"0.01\"")) == 1);
	assert_true(value_of(line_with(s, "nodejs_gc_duration_seconds_bucket", "kind=\"major\",le=\"2\"")) == 1);
	assert_true(value_of(line_with(s, "nodejs_gc_duration_seconds_bucket", "kind=\"major\",le=\"+Inf\"")) == 2);
	assert_true(fabs(value_of(line_with(s, "nodejs_gc_duration_seconds_sum", "kind=\"major\"")) - 3.004) < 1e-9);
	assert_true(value_of(line_with(s, "nodejs_gc_duration_seconds_count", "kind=\"major\"")) == 2);
	assert_non_null(strstr(s, "# TYPE process_cpu_seconds_total counter\n"));
	assert_null(strstr(s, "# EOF"));
	free(s);
	s = render(e, &m, true);
	assert_non_null(strstr(s, "# TYPE process_cpu_seconds counter\n"));
	assert_non_null(strstr(s, "# TYPE vitals_process info\n"));
	assert_non_null(line_with(s, "process_cpu_seconds_total", "worker"));
	size_t len = strlen(s);
	assert_true(len > 6 && strcmp(s + len - 6, "# EOF\n") == 0);
	free(s);
	prom_exposition_free(e);
	model_free(&m);
}

static void test_accept_and_bind(void **state)
{
	assert_true(prom_exposition_wants_openmetrics(
		"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"));
	assert_false(prom_exposition_wants_openmetrics("text/plain"));
	assert_false(prom_exposition_wants_openmetrics(NULL));
	char host[64], err[128];
	int port = -1;
	assert_int_equal(prom_server_parse_bind("9464", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "127.0.0.1");	/* never every interface unless asked */
	assert_int_equal(port, 9464);
	assert_int_equal(prom_server_parse_bind("0.0.0.0:80", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(prom_server_parse_bind("[::1]:0", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(prom_server_parse_bind(":9464", host, sizeof host, &port, err, sizeof err), -1);
	assert_string_equal(err, "':9464': give a host before ':' (0.0.0.0 for every interface)");
	assert_int_equal(prom_server_parse_bind("::1:80", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(prom_server_parse_bind("host:99999", host, sizeof host, &port, err, sizeof err), -1);
	assert_string_equal(err, "'host:99999': the port must be a number from 0 to 65535");
	assert_int_equal(prom_server_parse_bind("x", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(prom_server_parse_bind("[::1]80", host, sizeof host, &port, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_app_name_escaped),
		cmocka_unit_test(test_workers_stable),
		cmocka_unit_test(test_probe_values),
		cmocka_unit_test(test_accept_and_bind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
