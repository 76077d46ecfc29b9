/* Unit tests for base/model: identity, bounded logs, ownership. */
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

static void test_add_find_remove(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *a = model_add(&m, 100, 5);
	vproc *b = model_add(&m, 100, 9);	/* PID reused: a new process */
	assert_non_null(a);
	assert_ptr_equal(model_find(&m, 100), b);	/* newest wins */
	assert_null(model_find(&m, 7));
	model_remove(&m, b);
	assert_ptr_equal(model_find(&m, 100), a);
	for (int i = 0; i < 40; i++)	/* forces the array to grow */
		assert_non_null(model_add(&m, 1000 + i, 1));
	assert_int_equal(m.nprocs, 41);
	model_free(&m);
}

static void test_alert_log_bounded(void **state)
{
	model m;
	model_init(&m, NULL);
	for (int i = 0; i < ALERT_LOG_CAP + 10; i++) {
		model_alert a = { .t_ms = i, .pid = i };
		model_alert_push(&m, &a);
	}
	assert_int_equal(m.alerts_len, ALERT_LOG_CAP);
	assert_int_equal(model_alert_get(&m, 0)->pid, ALERT_LOG_CAP + 9);	/* newest first */
	assert_int_equal(model_alert_get(&m, ALERT_LOG_CAP - 1)->pid, 10);
	assert_null(model_alert_get(&m, ALERT_LOG_CAP));
	model_free(&m);
}

static void test_gc_log(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, 1, 1);
	vnode *n = model_node(&m, p);
	assert_non_null(n);
	assert_ptr_equal(model_node(&m, p), n);
	for (int i = 0; i < GC_LOG_CAP + 5; i++) {
		gc_event e = { .t_ms = i, .dur_ms = 1, .kind = GC_MINOR };
		model_gc_push(n, &e);
	}
	assert_int_equal(n->gc_len, GC_LOG_CAP);
	assert_int_equal(model_gc_get(n, 0).t_ms, 5);
	assert_int_equal(n->gc_total, GC_LOG_CAP + 5);
	/* the log grows from GC_LOG_MIN as events come, keeping their order */
	vnode *g = model_node(&m, model_add(&m, 2, 2));
	assert_null(g->gc);
	for (int i = 0; i < GC_LOG_MIN * 2 + 3; i++) {
		gc_event e = { .t_ms = 100 + i, .dur_ms = 1, .kind = GC_MAJOR };
		model_gc_push(g, &e);
	}
	assert_int_equal(g->gc_len, GC_LOG_MIN * 2 + 3);
	assert_int_equal(g->gc_cap, GC_LOG_MIN * 4);
	for (uint32_t i = 0; i < g->gc_len; i++)
		assert_int_equal(model_gc_get(g, i).t_ms, 100 + i);
	assert_int_equal(model_gc_get(g, g->gc_len).t_ms, 0);
	assert_int_equal(gc_kind_index(GC_MAJOR), 1);
	assert_int_equal(gc_kind_index(3), 4);
	model_free(&m);
}

/* The log stores 8 bytes an event: pauses as half floats (within 0.05 %,
 * exact for the probe's microseconds below 2 ms, 65504 ms at most), times as
 * 32-bit ms offsets that move up past 49 days, kind and flags as sent. */
static void test_gc_log_compact(void **state)
{
	(void)state;
	model m;
	model_init(&m, NULL);
	vnode *n = model_node(&m, model_add(&m, 1, 1));
	static const float durs[] = { 0, 0.001f, 0.0007f, 0.942f, 1.25f, 3.5f, 17.003f, 199.9f, 200.1f,
				      1234.5f, 9999.9f, 65000, 65504, 1e6f, -3, NAN };
	const int nd = (int)(sizeof durs / sizeof durs[0]);
	const int64_t t0 = 1764450000000LL, day = 86400000LL;
	for (int i = 0; i < nd; i++) {
		gc_event e = { .t_ms = t0 + i, .dur_ms = durs[i], .kind = (uint8_t)(i % 5 == 0 ? GC_MAJOR : 200),
			       .flags = (uint8_t)(i * 17) };
		model_gc_push(n, &e);
	}
	assert_true(sizeof *n->gc == 8);
	for (int i = 0; i < nd; i++) {
		gc_event g = model_gc_get(n, (uint32_t)i);
		assert_int_equal(g.t_ms, t0 + i);
		assert_int_equal(g.kind, i % 5 == 0 ? GC_MAJOR : 200);
		assert_int_equal(g.flags, (uint8_t)(i * 17));
		float d = durs[i];
		if (!(d > 0))
			assert_true(g.dur_ms == 0);
		else if (d >= 65504)
			assert_true(g.dur_ms == 65504);
		else
			assert_true(fabsf(g.dur_ms - d) <= d * 0.0005f + 3e-8f);
		if (d > 0 && d < 2)	/* the probe sends microseconds */
			assert_true(fabs(round(g.dur_ms * 1000) / 1000 - round(d * 1000) / 1000) < 1e-9);
	}
	assert_true(model_gc_get(n, 3).dur_ms < model_gc_get(n, 4).dur_ms);
	/* 40 days later: fits the 32-bit offsets; 80 days later: the log would
	 * span more than 49 days, so the events older than that leave and the
	 * base moves up to the oldest kept; times survive exactly */
	gc_event d40 = { .t_ms = t0 + 40 * day, .dur_ms = 2, .kind = GC_MINOR };
	model_gc_push(n, &d40);
	assert_int_equal(n->gc_len, nd + 1);
	assert_int_equal(model_gc_get(n, 0).t_ms, t0);
	assert_int_equal(model_gc_get(n, (uint32_t)nd).t_ms, t0 + 40 * day);
	gc_event d80 = { .t_ms = t0 + 80 * day, .dur_ms = 3, .kind = GC_MINOR };
	model_gc_push(n, &d80);
	assert_int_equal(n->gc_len, 2);
	assert_int_equal(model_gc_get(n, 0).t_ms, t0 + 40 * day);
	assert_int_equal(model_gc_get(n, 1).t_ms, t0 + 80 * day);
	assert_true(model_gc_get(n, 1).dur_ms == 3);
	/* an event older than the oldest kept is pinned to it */
	gc_event back = { .t_ms = t0, .dur_ms = 1, .kind = GC_MINOR };
	model_gc_push(n, &back);
	assert_int_equal(model_gc_get(n, 2).t_ms, t0 + 40 * day);
	model_free(&m);
}

static void test_spaces_handles_full(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, 1, 1);
	vnode *n = model_node(&m, p);
	char name[32];
	for (int i = 0; i < MAX_SPACES; i++) {
		snprintf(name, sizeof name, "s%d", i);
		assert_non_null(model_space(&m, n, name));
	}
	assert_null(model_space(&m, n, "one_too_many"));
	assert_ptr_equal(model_space(&m, n, "s3"), &n->spaces[3]);
	assert_non_null(model_handle(&m, n, "Timeout"));
	assert_ptr_equal(model_handle(&m, n, "Timeout"), &n->handles[0]);
	model_free(&m);
}

/* What a series keeps: graphed rows the configured tiers, RECENT rows and
 * handle counts the raw tier alone (what alerts read); handle types grow
 * on demand up to MAX_HANDLE_TYPES, their history surviving the growth. */
static void test_ring_kinds(void **state)
{
	model m;
	model_init(&m, NULL);
	vnode *n = model_node(&m, model_add(&m, 1, 1));
	assert_int_equal(n->heap_used_r.ntiers, ring_config_default.ntiers);
	assert_int_equal(n->lag_p99_r.ntiers, ring_config_default.ntiers);
	assert_int_equal(n->lag_max_r.ntiers, 1);
	assert_int_equal(n->gc_pct_r.ntiers, 1);
	assert_int_equal(ring_tier_cap(&n->lag_max_r, 0), ring_config_default.tier[0].cap);
	for (int i = 0; i < PS_COUNT; i++)
		if (vnode_ring(n, i))
			assert_int_equal(vnode_ring(n, i)->ntiers,
					 probe_series_table[i].recent ? 1 : ring_config_default.ntiers);
	handle_count *h = model_handle(&m, n, "Timeout");
	assert_int_equal(h->r.ntiers, 1);
	for (int t = 0; t < 400; t++)
		ring_push(&h->r, 1000LL * t, t);
	assert_int_equal(ring_len(&h->r, 0), ring_config_default.tier[0].cap);
	char name[32];
	for (int i = 1; i < MAX_HANDLE_TYPES; i++) {
		snprintf(name, sizeof name, "T%d", i);
		assert_non_null(model_handle(&m, n, name));
	}
	assert_null(model_handle(&m, n, "one_too_many"));
	h = model_handle(&m, n, "Timeout");
	assert_ptr_equal(h, &n->handles[0]);
	assert_true(ring_get(&h->r, 0, ring_len(&h->r, 0) - 1).mean == 399);
	/* the run-queue share: the last SCHED_SHARE_CAP ticks, no coarse tier */
	ring *sr = &model_find(&m, 1)->sched_share_r;
	for (int t = 0; t < 400; t++)
		ring_push(sr, 1000LL * t, t / 400.0);
	assert_int_equal(sr->ntiers, 1);
	assert_int_equal(ring_len(sr, 0), SCHED_SHARE_CAP);
	assert_true(ring_get(sr, 0, 0).t_ms == 1000LL * (400 - SCHED_SHARE_CAP));
	assert_true(ring_bytes(sr) <= SCHED_SHARE_CAP * 8);
	model_free(&m);
}

static void test_log_and_captures(void **state)
{
	model m;
	model_init(&m, NULL);
	assert_null(model_log_get(&m, 0));
	char line[600];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = 0;
	model_log_push(&m, line);	/* over-long lines are cut, not overflowed */
	assert_int_equal(strlen(model_log_get(&m, 0)), LOG_LINE_LEN - 1);
	vproc *p = model_add(&m, 1, 1);
	for (int i = 0; i < MAX_CAPTURES + 3; i++) {
		capture c = { .t_ms = i };
		model_capture_add(p, &c);
	}
	assert_int_equal(p->ncaptures, MAX_CAPTURES);
	assert_int_equal(p->captures[0].t_ms, 3);
	uint64_t d = m.dirty;
	model_status(&m, "hello %d", 42);
	assert_string_equal(m.status, "hello 42");
	assert_true(m.dirty > d);
	model_free(&m);
}

static void test_label(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, 1, 1);
	char b[64];
	snprintf(p->name, sizeof p->name, "node");
	assert_string_equal(model_proc_label(p, b, sizeof b), "node");	/* no cmdline yet */
	p->cmdline = strdup("/usr/bin/node --require /x/vitals-probe.js --max-old-space-size=512 /srv/app/server.js --port 80");
	assert_string_equal(model_proc_label(p, b, sizeof b), "server.js");
	free(p->cmdline);
	p->cmdline = strdup("node -e setInterval(()=>{},1000)");
	assert_string_equal(model_proc_label(p, b, sizeof b), "node -e");
	free(p->cmdline);
	p->cmdline = strdup("node --inspect");
	assert_string_equal(model_proc_label(p, b, sizeof b), "node");
	snprintf(p->name, sizeof p->name, "python3");
	assert_string_equal(model_proc_label(p, b, sizeof b), "python3");	/* not node: its name */
	model_free(&m);
}

/* Which exited processes leave: older than keep, or beyond the newest
 * keep_max; live and launched ones never; oldest first. */
static void test_exited_expired(void **state)
{
	model m;
	model_init(&m, NULL);
	vproc *out[16];
	for (int i = 0; i < 6; i++) {
		vproc *p = model_add(&m, 100 + i, 1);
		p->state = i == 5 ? PROC_LIVE : PROC_EXITED;
		p->exited_ms = i == 5 ? 0 : 1000 * (10 - i);	/* 100 exited last: 10 s */
	}
	m.procs[4]->launched = true;	/* launch mode keeps its program */
	/* nothing old enough, room for all */
	assert_int_equal(model_exited_expired(&m, 10000, 60000, 10, out, 16), 0);
	/* at most 2 exited kept: the 2 oldest non-launched go, oldest first */
	assert_int_equal(model_exited_expired(&m, 10000, 60000, 2, out, 16), 2);
	assert_int_equal(out[0]->pid, 103);
	assert_int_equal(out[1]->pid, 102);
	/* by age: exited 3 s or more before 10 s (pids 103, 102 at 7 s, 8 s) */
	assert_int_equal(model_exited_expired(&m, 11000, 3000, 10, out, 16), 2);
	assert_int_equal(out[0]->pid, 103);
	/* keep 0: every exited one goes; the cap of out holds */
	assert_int_equal(model_exited_expired(&m, 10000, 0, 100, out, 3), 3);
	assert_int_equal(model_exited_expired(&m, 10000, 0, 0, out, 16), 4);
	model_free(&m);
}

/* Groups follow the parent links among watched processes: a cluster
 * primary leads its workers and theirs; an unwatched parent starts none; a
 * parent loop (reused PIDs) ends. */
static void test_groups(void **state)
{
	model m;
	model_init(&m, &ring_config_default);
	int tree[][2] = { { 100, 1 }, { 101, 100 }, { 102, 100 }, { 103, 101 }, { 200, 50 }, { 300, 301 }, { 301, 300 } };
	for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++)
		model_add(&m, tree[i][0], 1)->ppid = tree[i][1];
	model_groups(&m);
	assert_int_equal(model_find(&m, 100)->group, 100);
	assert_int_equal(model_find(&m, 101)->group, 100);
	assert_int_equal(model_find(&m, 102)->group, 100);
	assert_int_equal(model_find(&m, 103)->group, 100);
	assert_int_equal(model_find(&m, 200)->group, 200);
	int g = model_find(&m, 300)->group;
	assert_true(g == 300 || g == 301);	/* a loop ends somewhere on it */
	/* the primary goes: its workers lead themselves */
	model_remove(&m, model_find(&m, 100));
	model_groups(&m);
	assert_int_equal(model_find(&m, 101)->group, 101);
	assert_int_equal(model_find(&m, 103)->group, 101);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_alert_log_bounded),
		cmocka_unit_test(test_gc_log),
		cmocka_unit_test(test_spaces_handles_full),
		cmocka_unit_test(test_ring_kinds),
		cmocka_unit_test(test_gc_log_compact),
		cmocka_unit_test(test_log_and_captures),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_exited_expired),
		cmocka_unit_test(test_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
