/* bench_alerts — cost of alerts_eval per tick for 50 watched Node processes.
 *
 * Simulates one hour at 1 sample/s: every tick pushes a sample into each
 * series (rss, cpu, heap, lag p99/max, gc share, 6 handle types) of 50
 * probed processes, then runs alerts_eval.  Baselines measured in the same
 * run: the ring pushes themselves (what the collectors already pay per tick)
 * and a naive evaluator that rescans every rule's window from the rings each
 * tick (what the incremental state avoids).  Prints µs per tick and ratios.
 *
 * usage: bench/bench_alerts [processes] [seconds]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/alerts.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const htypes[] = { "Timeout", "TCPWRAP", "TCPSocketWrap", "FSReqCallback",
				      "Immediate", "PipeWrap" };
#define NH (int)(sizeof htypes / sizeof htypes[0])

/* What a non-incremental evaluator would do each tick: scan each rule's
 * window of raw samples (min and mean). */
static double naive_scan(const ring *r, size_t window)
{
	size_t n = ring_len(r, 0), from = n > window ? n - window : 0;
	double lo = INFINITY, sum = 0;
	for (size_t i = from; i < n; i++) {
		ring_point p = ring_get(r, 0, i);
		if (p.min < lo)
			lo = p.min;
		sum += p.mean;
	}
	return lo + sum;
}

static void noop(void *ud, const model_alert *a)
{
	(*(int *)ud)++;
	(void)a;
}

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 50;
	int secs = argc > 2 ? atoi(argv[2]) : 3600;
	if (nproc < 1 || secs < 1) {
		fprintf(stderr, "usage: bench_alerts [processes] [seconds]\n");
		return 2;
	}
	model m;
	model_init(&m, NULL);
	int fired = 0;
	alerts *a = alerts_new(NULL, noop, &fired);
	if (!a)
		return 1;
	for (int i = 0; i < nproc; i++) {
		vproc *p = model_add(&m, 1000 + i, 1);
		vnode *n = p ? model_node(&m, p) : NULL;
		if (!n)
			return 1;
		n->heap_limit = 4e9;
		for (int h = 0; h < NH; h++)
			model_handle(&m, n, htypes[h]);
	}
	const int64_t t0 = 1764450000000LL;
	double t_push = 0, t_eval = 0, t_naive = 0, sink = 0;
	unsigned rnd = 1;
	for (int s = 0; s < secs; s++) {
		int64_t t = t0 + s * 1000LL;
		double a0 = now_s();
		for (size_t i = 0; i < m.nprocs; i++) {
			vproc *p = m.procs[i];
			vnode *n = p->node;
			rnd = rnd * 1103515245u + 12345u;
			double r = (rnd >> 16) / 65536.0;
			/* every 5th process leaks; the rest are a sawtooth */
			double heap = 50e6 + (i % 5 == 0 ? 50e3 * s : 0) + 2e6 * (s % 17) + 1e5 * r;
			ring_push(&p->rss_r, t, heap + 40e6);
			ring_push(&p->cpu_r, t, 30 + 20 * r);
			ring_push(&n->heap_used_r, t, heap);
			ring_push(&n->lag_p99_r, t, 5 + 10 * r);
			ring_push(&n->lag_max_r, t, 8 + 20 * r);
			ring_push(&n->gc_pct_r, t, 2 * r);
			for (int h = 0; h < NH; h++)
				ring_push(&n->handles[h].r, t, 10 + (rnd >> (h + 3)) % 7);
		}
		double a1 = now_s();
		m.now_ms = t;
		alerts_eval(a, &m, t);
		double a2 = now_s();
		for (size_t i = 0; i < m.nprocs; i++) {
			vproc *p = m.procs[i];
			vnode *n = p->node;
			sink += naive_scan(&p->rss_r, 300) + naive_scan(&p->cpu_r, 60) +
				naive_scan(&n->heap_used_r, 300) + naive_scan(&n->lag_p99_r, 9) +
				naive_scan(&n->gc_pct_r, 30);
			for (int h = 0; h < NH; h++)
				sink += naive_scan(&n->handles[h].r, 300);
		}
		double a3 = now_s();
		t_push += a1 - a0;
		t_eval += a2 - a1;
		t_naive += a3 - a2;
	}
	printf("bench_alerts: %d processes, %d ticks (1 sample/s per series, %d handle types)\n",
	       nproc, secs, NH);
	printf("  alerts_eval      %8.1f us/tick  (%.2f us per process)\n", 1e6 * t_eval / secs,
	       1e6 * t_eval / secs / nproc);
	printf("  baseline push    %8.1f us/tick  (ring_push of the same samples)\n", 1e6 * t_push / secs);
	printf("  baseline naive   %8.1f us/tick  (rescan each window every tick)\n", 1e6 * t_naive / secs);
	printf("  ratio eval/push  %8.2f\n", t_eval / t_push);
	printf("  ratio eval/naive %8.3f\n", t_eval / t_naive);
	printf("  rule state       %8zu bytes (%.1f KB per process)\n", alerts_bytes(a),
	       alerts_bytes(a) / 1024.0 / nproc);
	printf("  alerts fired     %8d (expected %d: the leaking processes)  [%g]\n", fired,
	       (nproc + 4) / 5, sink > 0 ? 1.0 : 0.0);
	alerts_free(a);
	model_free(&m);
	return 0;
}
