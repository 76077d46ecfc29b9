/* test_rec_lines — a recording's sample line round trip: what the live
 * model held (a pm2 app name, a group, the server's HTTP figures and top
 * routes, worker threads) written by the recorder (tui/headless) and
 * applied by replay (record/rec_lines) comes back as it was, so a replay
 * shows what the live view showed. */
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
#include "record/rec_lines.h"
#include "tui/headless.h"

#define T0 1796106079000LL

/* p's sample line, as the recorder writes it, applied to m2. */
static void round_trip(const vproc *p, model *m2)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(headless_sample(f, p, T0), 0);
	fclose(f);
	char err[128] = "";
	rec_line *l = rec_line_parse(buf, strlen(buf), err, sizeof err);
	assert_non_null(l);
	assert_int_equal(rec_line_apply(l, m2, NULL, err, sizeof err), 0);
	rec_line_free(l);
	free(buf);
}

static void test_whole_app(void **state)
{
	(void)state;
	model m, m2;
	model_init(&m, NULL);
	model_init(&m2, NULL);
	m.now_ms = m2.now_ms = T0;
	vproc *web = model_add(&m, 100, 1), *api = model_add(&m, 101, 2);
	snprintf(web->app, sizeof web->app, "web#0");
	snprintf(api->app, sizeof api->app, "api#1");
	api->ppid = 100;
	web->pstate = api->pstate = PROBE_ATTACHED;
	vnode *n = model_node(&m, api);
	n->samples = 1;
	n->last_sample_ms = T0;
	n->hz = 1;
	n->http_rps = 322;
	n->http_count = 322;
	n->http_p99 = 3.3;
	n->http_status[0][1] = 300;
	n->http_status[0][4] = 22;
	n->routes = calloc(MAX_ROUTES, sizeof *n->routes);
	n->nroutes = 2;
	n->routes[0] = (http_route){ .method = "GET", .route = "/users/:id", .count = 215, .rps = 215, .p50 = 0.2,
				     .p99 = 3.3, .max = 9, .e5xx = 0 };
	n->routes[1] = (http_route){ .method = "", .route = "other", .count = 7, .rps = 7, .p50 = 1, .p99 = 2,
				     .max = 3, .e5xx = 1 };
	n->workers = calloc(MAX_WORKERS, sizeof *n->workers);
	n->nworkers = 2;
	n->workers[0] = (worker_info){ .thread_id = 3, .name = "leaky", .t_ms = T0 - 100, .heap_used = 6e6,
				       .heap_total = 8e6, .heap_limit = 4e9, .elu = 0.25, .cpu_pct = 12.5,
				       .lag_max = 18, .gc_count = 2, .gc_ms = 1.5, .gc_major = NAN };
	n->workers[1] = (worker_info){ .thread_id = 1, .heap_used = 5e6, .heap_total = 6e6, .heap_limit = 4e9,
				       .elu = 0, .cpu_pct = NAN, .lag_max = NAN, .gc_count = 0, .gc_ms = 0,
				       .gc_major = NAN };
	model_groups(&m);
	round_trip(web, &m2);
	round_trip(api, &m2);
	model_groups(&m2);

	assert_int_equal((int)m2.nprocs, 2);
	const vproc *w2 = m2.procs[0], *a2 = m2.procs[1];
	assert_string_equal(w2->app, "web#0");
	assert_string_equal(a2->app, "api#1");
	assert_int_equal(a2->group, 100);	/* the tree: api under web */
	const vnode *n2 = a2->node;
	assert_non_null(n2);
	assert_true(n2->http_rps == 322 && n2->http_p99 == 3.3);
	assert_true(ring_len(&n2->http_rps_r, 0) == 1);	/* the REQ/S column and graph */
	assert_true(n2->http_status[0][1] == 300 && n2->http_status[0][4] == 22);
	assert_true(fabs(n2->http_err_pct - 100.0 * 22 / 322) < 1e-9);
	assert_int_equal(n2->nroutes, 2);
	assert_string_equal(n2->routes[0].route, "/users/:id");
	assert_string_equal(n2->routes[0].method, "GET");
	assert_true(n2->routes[0].rps == 215 && n2->routes[0].p99 == 3.3);
	assert_string_equal(n2->routes[1].route, "other");
	assert_true(n2->routes[1].e5xx == 1);
	assert_int_equal(n2->nworkers, 2);
	assert_int_equal(n2->workers[0].thread_id, 3);
	assert_string_equal(n2->workers[0].name, "leaky");
	assert_true(n2->workers[0].heap_used == 6e6 && n2->workers[0].heap_limit == 4e9);
	assert_true(n2->workers[0].elu == 0.25 && n2->workers[0].cpu_pct == 12.5 && n2->workers[0].lag_max == 18);
	assert_true(isnan(n2->workers[1].cpu_pct) && isnan(n2->workers[1].lag_max));
	/* a process without HTTP traffic has no REQ/S ring, as live */
	assert_true(!w2->node || ring_len(&w2->node->http_rps_r, 0) == 0);

	/* the next line without workers or routes: none, as the live view had */
	n->nworkers = 0;
	n->nroutes = 0;
	round_trip(api, &m2);
	assert_int_equal(a2->node->nworkers, 0);
	assert_int_equal(a2->node->nroutes, 0);
	model_free(&m);
	model_free(&m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_app),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
