/* Unit tests for probe_line_apply: what a protocol line does to the model.
 * Good lines must land exactly (values, rings, spaces, handles, GC log and
 * the GC-share arithmetic); bad lines must be refused with a one-line reason
 * and leave the model exactly as it was (checked through a fingerprint of
 * everything a line could touch, including m->dirty). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "collectors/probe_client.h"
#include "base/linebuf.h"
#include "base/model.h"

#define HELLO "{\"t\":\"hello\",\"v\":1,\"pid\":4242,\"ppid\":1,\"node\":\"v20.20.2\",\"v8\":\"11.3.244.8-node.19\"," \
	      "\"platform\":\"linux\",\"argv\":[\"/usr/bin/node\",\"app.js\"],\"esm\":false,\"hz\":1," \
	      "\"started_ms\":1764450000000,\"heap_limit\":4345298944,\"cmds\":[\"hz\",\"gc\"]}"

#define SAMPLE1 "{\"t\":\"sample\",\"ts\":1764450001000,\"seq\":1,\"interval_ms\":1000," \
	"\"mem\":{\"rss\":52000000,\"heapTotal\":8000000,\"heapUsed\":6000000,\"external\":1200000,\"arrayBuffers\":10000}," \
	"\"heap\":{\"limit\":4345298944,\"total\":8000000,\"used\":6000000,\"physical\":7900000,\"malloced\":300000}," \
	"\"spaces\":[{\"name\":\"new_space\",\"size\":1048576,\"used\":500000,\"avail\":500000,\"physical\":1048576}," \
	"{\"name\":\"old_space\",\"size\":4000000,\"used\":3500000,\"avail\":100000,\"physical\":4000000}]," \
	"\"lag\":{\"min\":0.1,\"p50\":0.3,\"p99\":2.0,\"max\":4.2,\"mean\":0.4,\"n\":98},\"elu\":0.031," \
	"\"handles\":{\"Timeout\":3,\"TCPServerWrap\":1}," \
	"\"gc\":[{\"ts\":1764450000500.25,\"kind\":1,\"dur\":1.25,\"flags\":0}," \
	"{\"ts\":1764450000700,\"kind\":4,\"dur\":3.75,\"flags\":4}],\"gc_dropped\":0," \
	"\"cpu\":{\"user\":123456,\"system\":23456}}"

typedef struct fx {
	model m;
	vproc *p;
	char err[256];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	model_init(&f->m, NULL);
	f->p = model_add(&f->m, 4242, 77);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	model_free(&f->m);
	free(f);
	return 0;
}

static int apply(fx *f, const char *line)
{
	f->err[0] = 0;
	return probe_line_apply(&f->m, f->p, line, strlen(line), f->err, sizeof f->err);
}

static void must_apply(fx *f, const char *line)
{
	int rc = apply(f, line);
	if (rc != 0)
		fail_msg("line refused: %s\n%.200s", f->err, line);
}

static double ring_last(const ring *r)
{
	size_t n = ring_len(r, 0);
	assert_true(n > 0);
	return ring_get(r, 0, n - 1).mean;
}

static void test_hello_then_sample(void **state)
{
	fx *f = *state;
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1}"), -1);
	assert_string_equal(f->err, "sample before hello");
	assert_null(f->p->node);

	must_apply(f, HELLO);
	vnode *n = f->p->node;
	assert_non_null(n);
	assert_int_equal(f->p->pstate, PROBE_ATTACHED);
	assert_int_equal(n->proto_version, 1);
	assert_string_equal(n->node_version, "v20.20.2");
	assert_string_equal(n->v8_version, "11.3.244.8-node.19");
	assert_int_equal(n->hz, 1);
	assert_true(n->heap_limit == 4345298944.0);

	uint64_t dirty = f->m.dirty;
	must_apply(f, SAMPLE1);
	assert_true(f->m.dirty > dirty);
	assert_true(n->heap_used == 6000000);
	assert_true(n->heap_total == 8000000);
	assert_true(n->external == 1200000);
	assert_true(n->array_buffers == 10000);
	assert_true(n->probe_rss == 52000000);
	assert_true(n->lag_p99 == 2.0 && n->lag_max == 4.2 && n->lag_min == 0.1);
	assert_true(n->elu == 0.031);
	assert_int_equal(n->samples, 1);
	assert_int_equal(n->last_sample_ms, 1764450001000LL);
	assert_int_equal(n->next_sample_ms, 0);	/* not said: a period after it */
	assert_false(vnode_stale(n, 1764450001000LL + 2250));
	assert_true(vnode_stale(n, 1764450001000LL + 2251));
	assert_true(ring_last(&n->heap_used_r) == 6000000.0f);
	assert_int_equal(ring_get(&n->heap_used_r, 0, 0).t_ms, 1764450001000LL);
	assert_true(ring_last(&n->lag_p99_r) == 2.0f);
	assert_true(ring_last(&n->elu_r) == 0.031f);
	assert_true(n->external == 1200000.0);

	/* spaces */
	assert_int_equal(n->nspaces, 2);
	assert_string_equal(n->spaces[1].name, "old_space");
	assert_true(n->spaces[1].used == 3500000 && n->spaces[1].size == 4000000);
	assert_true(n->spaces[0].used == 500000.0);

	/* handles */
	assert_int_equal(n->nhandles, 2);
	assert_string_equal(n->handles[0].type, "Timeout");
	assert_int_equal(n->handles[0].count, 3);
	assert_int_equal(n->handles_total, 4);

	/* GC: two events, 5 ms of pause over a 1000 ms interval = 0.5 % */
	assert_int_equal(n->gc_len, 2);
	assert_int_equal(n->gc_total, 2);
	gc_event ev = model_gc_get(n, 0);
	const gc_event *e = &ev;
	assert_int_equal(e->t_ms, 1764450000500LL);
	assert_int_equal(e->kind, GC_MINOR);
	assert_true(e->dur_ms == 1.25f);
	assert_int_equal(model_gc_get(n, 1).flags, GC_FLAG_FORCED);
	assert_int_equal(n->gc_count_interval[gc_kind_index(GC_MINOR)], 1);
	assert_int_equal(n->gc_count_interval[gc_kind_index(GC_MAJOR)], 1);
	assert_true(fabs(n->gc_ms_interval - 5.0) < 1e-9);
	assert_true(fabs(n->gc_pct - 0.5) < 1e-9);
	assert_true(fabs(ring_last(&n->gc_pct_r) - 0.5) < 1e-6);

	/* Second sample: the TCPServerWrap went away (count 0), a new type
	 * appears, no interval_ms: the GC share is over the 2000 ms gap. */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450003000,\"mem\":{\"heapUsed\":7000000,\"heapTotal\":9000000},"
		      "\"handles\":{\"Timeout\":5,\"FSReqCallback\":2},"
		      "\"gc\":[{\"ts\":1764450002000,\"kind\":8,\"dur\":10,\"flags\":0},"
		      "{\"ts\":1764450002100,\"kind\":16,\"dur\":10}],\"gc_dropped\":3}");
	assert_true(n->heap_used == 7000000);
	assert_true(n->external == 1200000);	/* absent: latest kept ... */
	assert_true(fabs(n->elu - 0.031) < 1e-9);
	assert_true(isnan(ring_last(&n->elu_r)));	/* ... a ring series shows the gap */
	assert_int_equal(n->nhandles, 3);
	assert_int_equal(n->handles[0].count, 5);
	assert_int_equal(n->handles[1].count, 0);
	assert_true(ring_last(&n->handles[1].r) == 0.0f);
	assert_int_equal(n->handles[2].count, 2);
	assert_int_equal(n->handles_total, 7);
	assert_int_equal(n->gc_count_interval[gc_kind_index(GC_MINOR)], 0);
	assert_int_equal(n->gc_count_interval[gc_kind_index(GC_INCREMENTAL)], 1);
	assert_int_equal(n->gc_count_interval[gc_kind_index(GC_WEAKCB)], 1);
	assert_true(fabs(n->gc_pct - 1.0) < 1e-9);	/* 20 ms / 2000 ms */
	assert_int_equal(n->gc_total, 2 + 2 + 3);	/* dropped ones count too */
	assert_int_equal(n->samples, 2);
	assert_int_equal(ring_len(&n->heap_used_r, 0), 2);

	/* heap.* fills in when mem is absent; elu 1.0000001 is clamped */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450004000,\"interval_ms\":1000,\"heap\":{\"used\":123,\"total\":456},"
		      "\"elu\":1.0000001,\"gc\":[{\"ts\":1764450003500,\"kind\":4,\"dur\":2500}]}");
	assert_true(n->heap_used == 123 && n->heap_total == 456);
	assert_true(n->elu == 1.0);
	assert_true(n->gc_pct == 100.0);	/* more pause than interval: capped */

	/* An idle app's coalesced sample: the next is due 5 s on, so its
	 * numbers are not stale until a period past that. */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450009000,\"interval_ms\":5000,\"next_ms\":5000,"
		      "\"heap\":{\"used\":124,\"total\":456}}");
	assert_int_equal(n->next_sample_ms, 1764450014000LL);
	assert_false(vnode_stale(n, 1764450014000LL + 1250));
	assert_true(vnode_stale(n, 1764450014000LL + 1251));
	/* a next_ms out of range is refused, the model untouched */
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1764450010000,\"next_ms\":-1}"), -1);
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1764450010000,\"next_ms\":\"soon\"}"), -1);
	assert_int_equal(n->next_sample_ms, 1764450014000LL);
	/* a probe that does not say (older): a period after its sample */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450010000,\"heap\":{\"used\":125,\"total\":456}}");
	assert_int_equal(n->next_sample_ms, 0);
	assert_true(vnode_stale(n, 1764450012251LL));
}

static void test_warning(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	must_apply(f, "{\"t\":\"warning\",\"ts\":1764450002000,\"name\":\"MaxListenersExceededWarning\","
		      "\"message\":\"Possible EventEmitter memory leak\\u001b[2J detected\",\"code\":null}");
	assert_int_equal(f->m.alerts_len, 1);
	const model_alert *a = model_alert_get(&f->m, 0);
	assert_string_equal(a->rule, "warning");
	assert_int_equal(a->severity, SEV_WARN);
	assert_int_equal(a->pid, 4242);
	assert_int_equal(a->t_ms, 1764450002000LL);
	/* the escape character never reaches the screen */
	assert_string_equal(a->msg, "MaxListenersExceededWarning: Possible EventEmitter memory leak?[2J detected");
}

static void test_version(void **state)
{
	fx *f = *state;
	assert_int_equal(apply(f, "{\"t\":\"hello\",\"v\":2,\"pid\":4242}"), -1);
	assert_string_equal(f->err, "probe protocol v2 not supported");
	assert_int_equal(f->p->pstate, PROBE_FAILED);
	assert_string_equal(f->p->probe_err, "probe protocol v2 not supported");
	assert_null(f->p->node);
	uint64_t dirty = f->m.dirty;	/* the same refusal again changes nothing */
	assert_int_equal(apply(f, "{\"t\":\"hello\",\"v\":2,\"pid\":4242}"), -1);
	assert_int_equal(f->m.dirty, dirty);
	assert_int_equal(apply(f, SAMPLE1), -1);
	assert_string_equal(f->err, "sample before hello");
	assert_int_equal(apply(f, "{\"t\":\"hello\",\"v\":\"1\"}"), -1);
	assert_string_equal(f->err, "hello: \"v\" is a string, expected an integer");
	assert_int_equal(apply(f, "{\"t\":\"hello\",\"v\":1,\"pid\":99}"), -1);
	assert_string_equal(f->err, "hello from pid 99 on the socket of pid 4242");
	must_apply(f, HELLO);
	assert_int_equal(f->p->pstate, PROBE_ATTACHED);
	assert_string_equal(f->p->probe_err, "");
}

/* Everything a line may change, to compare before and after a refusal. */
typedef struct fingerprint {
	uint64_t dirty, samples, gc_total;
	uint32_t gc_len, alerts_len;
	int nspaces, nhandles, handles_total, pstate, hz;
	double heap_used, heap_total, external, elu, gc_pct, lag_p99, space0_used;
	size_t ring_n;
} fingerprint;

static fingerprint fp_of(const fx *f)
{
	const vnode *n = f->p->node;
	fingerprint fp;
	memset(&fp, 0, sizeof fp);	/* padding too: compared with memcmp */
	fp.dirty = f->m.dirty;
	fp.samples = n->samples;
	fp.gc_total = n->gc_total;
	fp.gc_len = n->gc_len;
	fp.alerts_len = f->m.alerts_len;
	fp.nspaces = n->nspaces;
	fp.nhandles = n->nhandles;
	fp.handles_total = n->handles_total;
	fp.pstate = f->p->pstate;
	fp.hz = n->hz;
	fp.heap_used = n->heap_used;
	fp.heap_total = n->heap_total;
	fp.external = n->external;
	fp.elu = n->elu;
	fp.gc_pct = n->gc_pct;
	fp.lag_p99 = n->lag_p99;
	fp.space0_used = n->spaces[0].used;
	fp.ring_n = ring_len(&n->heap_used_r, 0);
	return fp;
}

static void check_refused(fx *f, const char *line, size_t len, const char *want)
{
	fingerprint a = fp_of(f);
	f->err[0] = 0;
	int rc = probe_line_apply(&f->m, f->p, line, len, f->err, sizeof f->err);
	if (rc != -1)
		fail_msg("accepted: %.120s", line);
	if (!f->err[0] || strchr(f->err, '\n'))
		fail_msg("bad reason '%s' for %.120s", f->err, line);
	if (want && !strstr(f->err, want))
		fail_msg("reason '%s' lacks '%s' for %.120s", f->err, want, line);
	fingerprint b = fp_of(f);
	if (memcmp(&a, &b, sizeof a) != 0)
		fail_msg("model changed by refused line: %.120s (%s)", line, f->err);
}

/* A stall culprit lands in the vnode (the last of a sample's), cleaned, and
 * becomes the " in fn (file:line)" of the stall alert while it is recent. */
static void test_stall_culprit(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	char buf[256];
	assert_string_equal(model_culprit_text(f->p->node, 1764450001000LL, 60000, buf, sizeof buf), "");
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450001000,\"mem\":{\"heapUsed\":1}," \
		      "\"stalls\":[{\"fn\":\"old\",\"url\":\"x.js\",\"line\":1,\"col\":1,\"ms\":60,\"ts\":1764450000100}," \
		      "{\"fn\":\"parse\\u001bLedger\",\"url\":\"file:///srv/app/billing.js\",\"line\":42,\"col\":21," \
		      "\"ms\":310.4,\"ts\":1764450000990,\"share\":0.87,\"samples\":39}]}");
	const stall_culprit *c = &f->p->node->culprit;
	assert_string_equal(c->fn, "parse?Ledger");
	assert_string_equal(c->file, "file:///srv/app/billing.js");
	assert_int_equal(c->line, 42);
	assert_int_equal(c->col, 21);
	assert_int_equal(c->t_ms, 1764450000990LL);
	assert_true(fabs(c->ms - 310.4) < 1e-9);
	assert_string_equal(model_culprit_text(f->p->node, 1764450001000LL, 60000, buf, sizeof buf),
			    " in parse?Ledger (billing.js:42)");
	/* too old for an alert of now */
	assert_string_equal(model_culprit_text(f->p->node, 1764450000990LL + 60001, 60000, buf, sizeof buf), "");
	/* a later sample without stalls keeps it */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450002000,\"mem\":{\"heapUsed\":1}}");
	assert_int_equal(f->p->node->culprit.line, 42);
	/* no file: the function alone */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450003000,\"stalls\":[{\"fn\":\"(garbage collector)\",\"url\":\"\"," \
		      "\"line\":0,\"col\":0,\"ms\":80,\"ts\":1764450002900}]}");
	assert_string_equal(model_culprit_text(f->p->node, 1764450003000LL, 60000, buf, sizeof buf),
			    " in (garbage collector)");
}

/* http / http_client: the table's numbers, status classes as sent, the
 * error share derived (5xx, and failures of outgoing requests); workers
 * replace the list each time they are sent. */
static void test_http_workers(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450001000,"
		      "\"http\":{\"rps\":40,\"count\":40,\"p50_ms\":1.5,\"p99_ms\":52,\"max_ms\":60,\"in_flight\":2,"
		      "\"status\":{\"2xx\":30,\"5xx\":10}},"
		      "\"http_client\":{\"rps\":4,\"count\":3,\"p50_ms\":9,\"p99_ms\":20,\"max_ms\":20,\"in_flight\":0,"
		      "\"errors\":1,\"status\":{\"2xx\":3}},"
		      "\"workers\":[{\"thread_id\":1,\"name\":\"pool\",\"ts\":1764450000900,\"heap_used\":6000000,"
		      "\"heap_total\":9000000,\"heap_limit\":4000000000,\"elu\":0.5,\"cpu\":0.25,\"lag_max\":null,\"gc_count\":2,\"gc_ms\":1.5},"
		      "{\"thread_id\":2,\"name\":\"le\\u0007aky\",\"ts\":1764450000950,\"heap_used\":7000000}]}");
	vnode *n = f->p->node;
	assert_true(n->http_rps == 40 && n->http_p99 == 52 && n->http_in_flight == 2 && n->http_count == 40);
	assert_true(fabs(n->http_err_pct - 25) < 1e-9);
	assert_true(n->http_status[0][1] == 30 && n->http_status[0][4] == 10 && n->http_status[0][0] == 0);
	assert_true(fabs(n->httpc_err_pct - 25) < 1e-9);	/* 1 failure of 4 */
	assert_true(fabs(ring_last(&n->http_p99_r) - 52) < 1e-6);
	assert_int_equal(n->nworkers, 2);
	assert_int_equal(n->workers[0].thread_id, 1);
	assert_string_equal(n->workers[0].name, "pool");
	assert_true(n->workers[0].heap_used == 6000000 && n->workers[0].elu == 0.5 && isnan(n->workers[0].lag_max));
	assert_string_equal(n->workers[1].name, "le?aky");
	assert_true(isnan(n->workers[1].heap_limit));
	/* the thread's CPU as the process's: % of one core; absent, unknown */
	assert_true(fabs(n->workers[0].cpu_pct - 25) < 1e-9 && isnan(n->workers[1].cpu_pct));
	/* no traffic: a gap in the error share, not 0 %; no workers key keeps the list */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450002000,\"http\":{\"rps\":0,\"count\":0,\"status\":{}}}");
	assert_true(isnan(ring_last(&n->http_err_pct_r)));
	assert_int_equal(n->nworkers, 2);
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450003000,\"workers\":[]}");
	assert_int_equal(n->nworkers, 0);
	/* bad shapes are refused */
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1,\"http\":{\"status\":[1]}}"), -1);
	assert_non_null(strstr(f->err, "http.status is an array"));
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1,\"http\":{\"status\":{\"5xx\":-1}}}"), -1);
	assert_int_equal(apply(f, "{\"t\":\"sample\",\"ts\":1,\"workers\":[{\"thread_id\":\"x\"}]}"), -1);
	assert_non_null(strstr(f->err, "workers[0].thread_id"));
}

static void test_refusals(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	must_apply(f, SAMPLE1);
	static const struct {
		const char *line, *want;
	} bad[] = {
		{ "", "invalid JSON" },
		{ "not json", "invalid JSON" },
		{ "{\"t\":\"sample\",\"ts\":17644", "invalid JSON" },	/* truncated */
		{ "{\"t\":\"sample\"} trailing", "invalid JSON" },
		{ "[1,2,3]", "line is an array, expected an object" },
		{ "42", "invalid JSON" },
		{ "{}", "message without \"t\"" },
		{ "{\"ts\":1}", "message without \"t\"" },
		{ "{\"t\":5}", "\"t\" is an integer, expected a string" },
		{ "{\"t\":null}", "\"t\" is null" },
		{ "{\"t\":\"bogus\"}", "unknown message kind 'bogus'" },
		{ "{\"t\":\"sample\"}", "sample: missing \"ts\"" },
		{ "{\"t\":\"sample\",\"ts\":\"now\"}", "sample: ts is a string, expected a number" },
		{ "{\"t\":\"sample\",\"ts\":-5}", "out of range" },
		{ "{\"t\":\"sample\",\"ts\":1e300}", "out of range" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":{\"heapUsed\":NaN}}", "invalid JSON" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":{\"heapUsed\":Infinity}}", "invalid JSON" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":{\"heapUsed\":1e999}}", "invalid JSON" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":{\"heapUsed\":\"6000000\"}}", "mem.heapUsed is a string" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":{\"heapUsed\":-1}}", "mem.heapUsed = -1 is out of range" },
		{ "{\"t\":\"sample\",\"ts\":1,\"mem\":[1]}", "sample: mem is an array, expected an object" },
		{ "{\"t\":\"sample\",\"ts\":1,\"lag\":{\"p99\":-0.5}}", "lag.p99" },
		{ "{\"t\":\"sample\",\"ts\":1,\"elu\":2}", "elu = 2 is out of range" },
		{ "{\"t\":\"sample\",\"ts\":1,\"stalls\":{}}", "sample: stalls is an object, expected an array" },
		{ "{\"t\":\"sample\",\"ts\":1,\"stalls\":[{\"fn\":\"f\",\"ts\":1}]}", "sample: stalls[0]. needs fn, ts and ms" },
		{ "{\"t\":\"sample\",\"ts\":1,\"stalls\":[{\"fn\":7,\"ts\":1,\"ms\":2}]}", "stalls[0].fn is an integer" },
		{ "{\"t\":\"sample\",\"ts\":1,\"stalls\":[{\"fn\":\"f\",\"ts\":1,\"ms\":2,\"line\":1.5}]}", "stalls[0].line" },
		{ "{\"t\":\"sample\",\"ts\":1,\"elu\":true}", "elu is true" },
		{ "{\"t\":\"sample\",\"ts\":1,\"spaces\":{}}", "spaces is an object, expected an array" },
		{ "{\"t\":\"sample\",\"ts\":1,\"spaces\":[7]}", "spaces[0] is an integer" },
		{ "{\"t\":\"sample\",\"ts\":1,\"spaces\":[{\"used\":5}]}", "spaces[0].name is missing" },
		{ "{\"t\":\"sample\",\"ts\":1,\"spaces\":[{\"name\":\"x\",\"used\":-5}]}", "spaces[0].used" },
		{ "{\"t\":\"sample\",\"ts\":1,\"handles\":[]}", "handles is an array" },
		{ "{\"t\":\"sample\",\"ts\":1,\"handles\":{\"Timeout\":-1}}", "handles.Timeout = -1" },
		{ "{\"t\":\"sample\",\"ts\":1,\"handles\":{\"Timeout\":1.5}}", "not a whole number" },
		{ "{\"t\":\"sample\",\"ts\":1,\"handles\":{\"\":1}}", "empty type name" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc\":{}}", "gc is an object, expected an array" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc\":[{\"ts\":1,\"kind\":1}]}", "needs ts, kind and dur" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc\":[{\"ts\":1,\"kind\":\"minor\",\"dur\":1}]}", "gc[0].kind is a string" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc\":[{\"ts\":1,\"kind\":1,\"dur\":-1}]}", "gc[0].dur" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc\":[{\"ts\":1,\"kind\":1000,\"dur\":1}]}", "gc[0].kind" },
		{ "{\"t\":\"sample\",\"ts\":1,\"gc_dropped\":-3}", "gc_dropped" },
		{ "{\"t\":\"sample\",\"ts\":1,\"interval_ms\":\"1000\"}", "interval_ms is a string" },
		{ "{\"t\":\"warning\",\"name\":5}", "warning: name is an integer" },
		{ "{\"t\":\"chunk\",\"id\":3}", "chunk: data is missing" },
		{ "{\"t\":\"chunk\",\"data\":\"x\"}", "chunk: missing \"id\"" },
		{ "{\"t\":\"chunk\",\"id\":0,\"data\":\"x\"}", "chunk: id = 0 is out of range" },
		{ "{\"t\":\"chunk\",\"id\":1.5,\"data\":\"x\"}", "not a whole number" },
		{ "{\"t\":\"reply\",\"id\":3,\"ok\":\"yes\"}", "reply: ok is a string" },
		{ "{\"t\":\"reply\",\"id\":3,\"ok\":true,\"bytes\":-1}", "reply: bytes" },
		{ "{\"t\":\"progress\",\"id\":\"3\",\"done\":1}", "progress: id is a string" },
		{ "{\"t\":\"error\",\"id\":3,\"code\":7}", "error: code is an integer" },
		/* a good start and a bad tail: nothing of it may land */
		{ "{\"t\":\"sample\",\"ts\":1764450009000,\"mem\":{\"heapUsed\":1},\"spaces\":[{\"name\":\"new_space\",\"used\":1}],"
		  "\"handles\":{\"Timeout\":9},\"gc\":[{\"ts\":1,\"kind\":1,\"dur\":1},{\"ts\":1,\"kind\":1,\"dur\":\"x\"}]}",
		  "gc[1].dur is a string" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_refused(f, bad[i].line, strlen(bad[i].line), bad[i].want);

	/* 2 MiB line (valid JSON otherwise) */
	size_t big = 2u << 20;
	char *s = malloc(big + 1);
	memset(s, ' ', big);
	memcpy(s, "{\"t\":\"warning\",\"message\":\"", 26);
	memset(s + 26, 'x', big - 40);
	memcpy(s + big - 14, "\"}", 2);
	s[big] = 0;
	check_refused(f, s, big, "over the 1 MiB limit");

	/* 1001 GC events: over the protocol's cap */
	size_t cap = 1001 * 48 + 64, n = 0;
	char *g = malloc(cap);
	n += (size_t)snprintf(g + n, cap - n, "{\"t\":\"sample\",\"ts\":1764450009000,\"gc\":[");
	for (int i = 0; i < 1001; i++)
		n += (size_t)snprintf(g + n, cap - n, "%s{\"ts\":1,\"kind\":1,\"dur\":1}", i ? "," : "");
	snprintf(g + n, cap - n, "]}");
	check_refused(f, g, strlen(g), "1001 GC events, limit 1000");

	/* a very long array of spaces, and deep nesting */
	n = 0;
	n += (size_t)snprintf(s + n, big - n, "{\"t\":\"sample\",\"ts\":1,\"spaces\":[");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(s + n, big - n, "%s{\"name\":\"s%d\",\"used\":1}", i ? "," : "", i);
	snprintf(s + n, big - n, "]}");
	check_refused(f, s, strlen(s), "heap spaces, limit");
	n = 0;
	for (int i = 0; i < 100000; i++)
		s[n++] = '[';
	s[n] = 0;
	check_refused(f, s, n, "invalid JSON");

	/* embedded NUL byte inside the line */
	check_refused(f, "{\"t\":\"sam\0ple\"}", 15, "invalid JSON");
	free(g);
	free(s);
}

/* Valid but odd input is accepted and bounded by the model's caps. */
static void test_limits(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	char line[8192];
	size_t n = (size_t)snprintf(line, sizeof line, "{\"t\":\"sample\",\"ts\":1764450001000,\"spaces\":[");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s{\"name\":\"space_%d\",\"used\":%d}", i ? "," : "", i, i);
	n += (size_t)snprintf(line + n, sizeof line - n, "],\"handles\":{");
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s\"Type%d\":1", i ? "," : "", i);
	snprintf(line + n, sizeof line - n, "},\"unknown_field\":{\"x\":[1,2]}}");
	must_apply(f, line);
	vnode *nd = f->p->node;
	assert_int_equal(nd->nspaces, MAX_SPACES);
	assert_int_equal(nd->nhandles, MAX_HANDLE_TYPES);
	assert_int_equal(nd->handles_total, 30);	/* the total counts every type */

	/* a name longer than the model keeps is cut, not overflowed */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450002000,\"handles\":{\"AVeryLongHandleTypeNameThatKeepsGoingOnAndOn\":1}}");
	/* a series never reported has no ring (no HTTP rings for a process
	 * that serves none) */
	assert_int_equal(ring_len(&nd->heap_used_r, 0), 0);
	assert_int_equal(ring_len(&nd->http_rps_r, 0), 0);
	/* null is "missing" (JSON.stringify turns NaN into null): a gap once
	 * the series exists */
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450002500,\"mem\":{\"heapUsed\":5}}");
	must_apply(f, "{\"t\":\"sample\",\"ts\":1764450003000,\"mem\":{\"heapUsed\":null},\"elu\":null}");
	assert_true(isnan(ring_last(&nd->heap_used_r)));
	/* command messages without a manager are checked and ignored */
	must_apply(f, "{\"t\":\"chunk\",\"id\":3,\"data\":\"{\\\"snapshot\\\":1}\"}");
	must_apply(f, "{\"t\":\"reply\",\"id\":3,\"ok\":true,\"cmd\":\"heap_snapshot\",\"bytes\":14}");
	must_apply(f, "{\"t\":\"progress\",\"id\":3,\"phase\":\"snapshot\",\"done\":1048576}");
	must_apply(f, "{\"t\":\"error\",\"id\":null,\"code\":\"EPARSE\",\"message\":\"bad line\"}");
	must_apply(f, "{\"t\":\"reply\",\"id\":1,\"ok\":true,\"cmd\":\"hz\",\"hz\":10}");
}

/* Commands refused before anything is sent: bad arguments, no probe. */
static void test_mgr_refusals(void **state)
{
	fx *f = *state;
	uv_loop_t loop;
	char err[256];
	assert_int_equal(uv_loop_init(&loop), 0);
	probe_mgr_opts o = { .hz = 1, .out_dir = "/nonexistent" };
	probe_mgr *pm = probe_mgr_new(&loop, &f->m, &o);
	assert_non_null(pm);
	assert_int_equal(probe_mgr_capture(pm, f->p, "eval", 0, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "unknown capture 'eval' (heap_snapshot, cpu_profile or report)");
	assert_int_equal(probe_mgr_capture(pm, f->p, "cpu_profile", 301, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "CPU profile length must be 1..300 seconds, not 301");
	assert_int_equal(probe_mgr_capture(pm, f->p, "heap_snapshot", 0, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "process 4242 has no probe attached");
	assert_int_equal(probe_mgr_gc(pm, f->p, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "process 4242 has no probe attached");
	assert_int_equal(probe_mgr_progress(pm, f->p), -1);
	assert_int_equal(probe_mgr_set_hz(pm, 0), -1);
	assert_int_equal(probe_mgr_set_hz(pm, 21), -1);
	assert_int_equal(probe_mgr_set_hz(pm, 20), 0);
	/* a process with no socket: FAILED with a reason, so scans retry it */
	char dir[] = "/tmp/vitals-test-pl.XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("VITALS_SOCK_DIR", dir, 1);
	f->p->pstate = PROBE_CONNECTING;	/* as the app sets it after an attach */
	assert_int_equal(probe_mgr_connect(pm, f->p), -1);
	assert_int_equal(f->p->pstate, PROBE_FAILED);
	assert_string_equal(f->p->probe_err, "no probe socket for pid 4242");
	probe_mgr_scan(pm);	/* nothing to connect to, nothing breaks */
	probe_mgr_forget(pm, f->p);
	probe_mgr_close(pm);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	rmdir(dir);
	unsetenv("VITALS_SOCK_DIR");
}

/* Every row of base/probe_series.h with a source is read from where the
 * table says, lands in its vnode field (and ring), and is refused out of
 * range with the row's path in the reason. */
static void test_series_table(void **state)
{
	fx *f = *state;
	must_apply(f, HELLO);
	json_t *smp = json_pack("{s:s, s:I}", "t", "sample", "ts", (json_int_t)1764450001000LL);
	for (int i = 0; i < PS_COUNT; i++) {
		const probe_series *ps = &probe_series_table[i];
		if (!ps->src)
			continue;
		char obj[32];
		const char *dot = strchr(ps->src, '.');
		json_t *at = smp;
		if (dot) {
			snprintf(obj, sizeof obj, "%.*s", (int)(dot - ps->src), ps->src);
			if (!(at = json_object_get(smp, obj)))
				json_object_set_new(smp, obj, at = json_object());
		}
		double v = ps->unit == PU_RATIO ? (i + 1) / 100.0 : i + 1;
		json_object_set_new(at, dot ? dot + 1 : ps->src, json_real(v));
	}
	char *line = json_dumps(smp, JSON_COMPACT);
	must_apply(f, line);
	free(line);
	vnode *n = f->p->node;
	for (int i = 0; i < PS_COUNT; i++) {
		const probe_series *ps = &probe_series_table[i];
		if (!ps->src)
			continue;
		double v = ps->unit == PU_RATIO ? (i + 1) / 100.0 : i + 1;
		if (vnode_value(n, i) != v)
			fail_msg("%s: %g, want %g", ps->id, vnode_value(n, i), v);
		if (vnode_ring(n, i))
			assert_true(fabs(ring_last(vnode_ring(n, i)) - v) < 1e-6);
		/* out of range: refused, naming where */
		json_t *bad = json_deep_copy(smp);
		const char *dot = strchr(ps->src, '.');
		char obj[32];
		json_t *at = bad;
		if (dot) {
			snprintf(obj, sizeof obj, "%.*s", (int)(dot - ps->src), ps->src);
			at = json_object_get(bad, obj);
		}
		json_object_set_new(at, dot ? dot + 1 : ps->src, json_real(probe_unit_max(ps->unit) * 2));
		char *bl = json_dumps(bad, JSON_COMPACT);
		assert_int_equal(apply(f, bl), -1);
		if (!strstr(f->err, ps->src))
			fail_msg("%s: reason '%s' does not name %s", ps->id, f->err, ps->src);
		free(bl);
		json_decref(bad);
	}
	json_decref(smp);
	/* every table row has a Prometheus name or deliberately none, and
	 * names are unique */
	for (int i = 0; i < PS_COUNT; i++)
		for (int k = i + 1; k < PS_COUNT; k++)
			if (probe_series_table[i].prom && probe_series_table[k].prom)
				assert_string_not_equal(probe_series_table[i].prom, probe_series_table[k].prom);
}

/* A probe connection's line buffer: a long line split across reads (a
 * capture's chunk) comes out whole, and the buffer it grew is not kept; a
 * short split line keeps its 4 KiB. */
struct lb_seen {
	size_t n, len;
	bool ok;
};

static bool lb_cb(void *ud, const char *line, size_t len)
{
	struct lb_seen *s = ud;
	s->n++;
	s->len = len;
	s->ok = true;
	for (size_t i = 0; i < len; i++)
		s->ok &= line[i] == (char)('a' + i % 26);
	return true;
}

static void test_linebuf_sheds(void **state)
{
	(void)state;
	linebuf lb;
	linebuf_init(&lb, 1u << 20, LINEBUF_DROP);
	size_t big = 200000;
	char *d = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		d[i] = (char)('a' + i % 26);
	d[big] = '\n';
	struct lb_seen s = { 0 };
	for (size_t off = 0; off <= big; off += 65536) {
		size_t n = big + 1 - off < 65536 ? big + 1 - off : 65536;
		linebuf_feed(&lb, d + off, n, lb_cb, &s);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.len, big);
	assert_true(s.ok);
	assert_null(lb.buf);
	assert_int_equal(lb.cap, 0);
	/* a short line split in two: handed on, its small buffer kept */
	memset(&s, 0, sizeof s);
	linebuf_feed(&lb, d, 100, lb_cb, &s);
	assert_int_equal(s.n, 0);
	d[200] = '\n';
	linebuf_feed(&lb, d + 100, 101, lb_cb, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.len, 200);
	assert_true(s.ok);
	assert_int_equal(lb.cap, 4096);
	linebuf_free(&lb);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_then_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_culprit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mgr_refusals, setup, teardown),
		cmocka_unit_test(test_linebuf_sheds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
