/* mem_bench — what N attached processes cost vitals' model and alert state
 * once every ring tier is full (issue 12: RSS at N=200 attached <= 16 MB).
 *
 * Builds the state of a vitals that has watched N idle probed Node apps for
 * a day, through the same code the dashboard runs: each process is added as
 * collectors/proc adds it (model_add, a command line), says hello, and then
 * gets one probe sample line per tick through probe_line_apply (the real
 * parser: heap sawtooth with a scavenge every GC_EVERY s, lag, ELU, one
 * Timeout handle, heap spaces every 5th sample when the heap changed, as
 * probe/vitals-probe.js sends them for bench/fixtures/idle_app.js) plus its
 * /proc series (rss, cpu, run-queue share) as collectors/proc pushes them.
 * Simulated time runs HOURS (24 h: the 5-minute tier's 288 buckets full),
 * one tick per 10 s until the last 70 minutes (same storage: a bucket is
 * stored whether one sample or ten fell in it), then one per second, with
 * alerts_eval every tick of the last 15 minutes.  Nothing is freed between
 * phases, as in the running dashboard.
 *
 * Prints, per attached process: ring bytes by owner and tier, the GC log,
 * the structs, handle entries, alert rule state (alerts_bytes), the
 * allocator's own overhead (mallinfo2 in-use minus the bytes asked for),
 * and the process's RSS before and after.  Not included (private to their
 * collectors, a few hundred bytes each): collectors/proc's proc_track and
 * collectors/probe_client's client and connection.
 *
 *   mem_bench [N] [HOURS]      (defaults: 200, 24.2; 0.011: the first 40 s)
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/probe_line.h"
#include "base/alerts.h"
#include "base/model.h"
#include "base/xalloc.h"

/* Also builds against main before issue 12's memory work (for the same
 * run's baseline): the model of that work has SCHED_SHARE_CAP and axes. */
#ifdef SCHED_SHARE_CAP
#define HAVE_RING_AXIS 1
#endif
/* ... and since the compact ring header, ring_state_bytes. */
#ifdef RING_STATE_BYTES
#define HAVE_RING_STATE 1
#endif

#define GC_EVERY 100	/* s between scavenges of an idle app with the probe */
#define T0 1796105000000LL

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static size_t in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* One sample line of an idle app at tick k (ts in ms). */
static int sample_line(char *buf, size_t len, int pid, long k, int64_t ts, int step_s)
{
	/* heap grows ~8 KB/s and a scavenge takes it back every GC_EVERY s */
	long since_gc = (k * step_s) % GC_EVERY;
	double heap = 4.6e6 + 8e3 * (double)since_gc + (pid % 7) * 1e3;
	char gc[128] = "";
	if (since_gc < step_s && k > 0)
		snprintf(gc, sizeof gc, "{\"ts\":%lld.25,\"kind\":1,\"dur\":0.9,\"flags\":0}", (long long)ts - 300);
	double lag = 1.1 + (double)((k * 7 + pid) % 13) / 10.0;
	int n = snprintf(buf, len,
			 "{\"t\":\"sample\",\"ts\":%lld,\"seq\":%ld,\"interval_ms\":%d,"
			 "\"mem\":{\"heapTotal\":5103616,\"heapUsed\":%.0f,\"external\":1635915%s},"
			 "\"heap\":{\"limit\":4345298944,\"total\":5103616,\"used\":%.0f,\"physical\":4866048,"
			 "\"malloced\":262312,\"native_contexts\":1,\"detached_contexts\":0},"
			 "\"lag\":{\"min\":%.3f,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"n\":1,\"res_ms\":1000},"
			 "\"handles\":{\"Timeout\":1},\"gc\":[%s],\"gc_dropped\":0,\"elu\":0.001,\"workers\":[]",
			 (long long)ts, k + 1, step_s * 1000, heap, k % 5 == 0 ? ",\"rss\":45559808,\"arrayBuffers\":14803" : "",
			 heap, lag, lag, lag, lag, gc);
	if (k % 5 == 0 && (gc[0] || k % 30 == 0))
		n += snprintf(buf + n, len - (size_t)n,
			      ",\"cpu\":{\"user\":%ld,\"system\":2538},\"spaces\":["
			      "{\"name\":\"read_only_space\",\"size\":0,\"used\":0,\"avail\":0,\"physical\":0},"
			      "{\"name\":\"new_space\",\"size\":1048576,\"used\":668816,\"avail\":362064,\"physical\":790528},"
			      "{\"name\":\"old_space\",\"size\":3375104,\"used\":3315936,\"avail\":24,\"physical\":3407872},"
			      "{\"name\":\"code_space\",\"size\":262144,\"used\":245712,\"avail\":0,\"physical\":249856},"
			      "{\"name\":\"shared_space\",\"size\":0,\"used\":0,\"avail\":0,\"physical\":0},"
			      "{\"name\":\"new_large_object_space\",\"size\":147456,\"used\":139056,\"avail\":891824,\"physical\":147456},"
			      "{\"name\":\"large_object_space\",\"size\":270336,\"used\":262160,\"avail\":0,\"physical\":270336},"
			      "{\"name\":\"code_large_object_space\",\"size\":0,\"used\":0,\"avail\":0,\"physical\":0},"
			      "{\"name\":\"shared_large_object_space\",\"size\":0,\"used\":0,\"avail\":0,\"physical\":0}]",
			      88856 + k * 40);
	n += snprintf(buf + n, len - (size_t)n, "}");
	return n;
}

typedef struct tally {
	size_t ring_proc[RING_MAX_TIERS], ring_node[RING_MAX_TIERS], ring_recent, ring_handles;
	size_t nring_proc, nring_node, nring_recent, nring_handles;
	size_t gc_log, structs, handles, extra, nalloc, axes, rstate;
} tally;

/* Bytes of one ring's storage per tier, as ring_bytes counts them. */
static void ring_tiers(const ring *r, size_t *per_tier)
{
	if (!ring_bytes(r))
		return;
	size_t coarse = 0;
	for (int i = 1; i < r->ntiers; i++) {
#ifdef HAVE_RING_STATE
		size_t b = r->coarse[i - 1].b ? ring_tier_cap(r, i) * sizeof(ring_bucket) : 0;
#else
		size_t b = r->tier[i].b ? r->tier[i].cap * sizeof(ring_bucket) : 0;
#endif
		per_tier[i] += b;
		coarse += b;
	}
	per_tier[0] += ring_bytes(r) - coarse;	/* raw values, and times when not on an axis */
}

/* The coarse tiers' state a ring allocates apart from the struct holding it
 * (trees before it had the tiers inline: counted in the structs). */
static size_t ring_state(const ring *r)
{
#ifdef HAVE_RING_STATE
	return ring_state_bytes(r);
#else
	(void)r;
	return 0;
#endif
}

static void count(const model *m, tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		const ring *pr[] = { &p->rss_r, &p->cpu_r, &p->sched_share_r };
		for (int k = 0; k < 3; k++) {
			ring_tiers(pr[k], t->ring_proc);
			t->rstate += ring_state(pr[k]);
			t->nring_proc += ring_bytes(pr[k]) > 0;
			t->nalloc += (size_t)(pr[k]->ntiers);
		}
		t->structs += sizeof *p;
		t->nalloc++;
#ifdef HAVE_RING_AXIS
		t->axes += ring_axis_bytes(&p->axis);
		t->nalloc += ring_axis_bytes(&p->axis) > 0;
#endif
		if (p->cmdline) {
			t->extra += strlen(p->cmdline) + 1;
			t->nalloc++;
		}
		const vnode *n = p->node;
		if (!n)
			continue;
		t->structs += sizeof *n;
		t->nalloc++;
#ifdef HAVE_RING_AXIS
		t->axes += ring_axis_bytes(&n->axis);
		t->nalloc += ring_axis_bytes(&n->axis) > 0;
#endif
		for (int s = 0; s < PS_COUNT; s++) {
			ring *r = vnode_ring((vnode *)n, (probe_series_id)s);
			if (!r || !ring_bytes(r))
				continue;
			t->rstate += ring_state(r);
			if (probe_series_table[s].recent) {
				t->ring_recent += ring_bytes(r);
				t->nring_recent++;
			} else {
				ring_tiers(r, t->ring_node);
				t->nring_node++;
			}
			t->nalloc += (size_t)r->ntiers;
		}
		for (int h = 0; h < n->nhandles; h++) {
			t->ring_handles += ring_bytes(&n->handles[h].r);
			t->rstate += ring_state(&n->handles[h].r);
			t->nring_handles += ring_bytes(&n->handles[h].r) > 0;
			t->nalloc++;
		}
		t->handles += (size_t)n->handles_cap * sizeof *n->handles;
		t->gc_log += n->gc_cap * sizeof *n->gc;
		t->extra += (n->workers ? MAX_WORKERS * sizeof *n->workers : 0) +
			    (n->routes ? MAX_ROUTES * sizeof *n->routes : 0);
		t->nalloc += 2;
	}
}

static void noop(void *ud, const model_alert *a)
{
	(void)ud;
	(void)a;
}

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 200;
	double hours = argc > 2 ? atof(argv[2]) : 24.2;
	if (nproc < 1 || !(hours > 0)) {
		fprintf(stderr, "usage: mem_bench [processes >= 1] [hours > 0]\n");
		return 2;
	}
	long rss0 = rss_kb();
	size_t use0 = in_use();
	model m;
	model_init(&m, NULL);
	alerts *a = alerts_new(NULL, noop, NULL);
	char line[4096], err[256];
	for (int i = 0; i < nproc; i++) {
		vproc *p = model_add(&m, 10000 + i, 1000 + (uint64_t)i);
		if (!p)
			return 1;
		snprintf(p->name, sizeof p->name, "node");
		p->cmdline = xstrdup("/usr/bin/node /srv/bench/fixtures/idle_app.js");
		int n = snprintf(line, sizeof line,
				 "{\"t\":\"hello\",\"v\":1,\"pid\":%d,\"ppid\":1,\"node\":\"v20.20.2\","
				 "\"v8\":\"11.3.244.8-node.38\",\"platform\":\"linux\",\"argv\":[\"/usr/bin/node\","
				 "\"idle_app.js\"],\"esm\":false,\"hz\":1,\"started_ms\":%lld,"
				 "\"heap_limit\":4345298944,\"cmds\":[\"hz\",\"gc\"]}",
				 p->pid, T0 - 1000);
		if (probe_line_apply(&m, p, line, (size_t)n, err, sizeof err) != 0) {
			fprintf(stderr, "mem_bench: hello: %s\n", err);
			return 1;
		}
	}
	const int64_t dense_ms = 70 * 60 * 1000LL, alerts_ms = 15 * 60 * 1000LL;
	const int64_t end = T0 + (int64_t)(hours * 3600e3);
	long k = 0;
	for (int64_t t = T0; t < end; k++) {
		int step = end - t > dense_ms ? 10 : 1;
		m.now_ms = t;
		for (size_t i = 0; i < m.nprocs; i++) {
			vproc *p = m.procs[i];
			ring_push(&p->rss_r, t, 45e6 + (double)(k % 5) * 4096);
			ring_push(&p->cpu_r, t, 0.1 + (double)(k % 3) / 10);
			ring_push(&p->sched_share_r, t, 0.02);
			int n = sample_line(line, sizeof line, p->pid, k, t + (int64_t)i % 900, step);
			if (probe_line_apply(&m, p, line, (size_t)n, err, sizeof err) != 0) {
				fprintf(stderr, "mem_bench: sample: %s\n", err);
				return 1;
			}
		}
		if (end - t <= alerts_ms)
			alerts_eval(a, &m, t);
		t += step * 1000LL;
	}
	size_t use1 = in_use();
	long rss1 = rss_kb();
	tally c;
	count(&m, &c);
	size_t alert_b = alerts_bytes(a);
	double N = nproc;
	size_t rings = 0;
	for (int i = 0; i < RING_MAX_TIERS; i++)
		rings += c.ring_proc[i] + c.ring_node[i];
	rings += c.ring_recent + c.ring_handles + c.axes + c.rstate;
	size_t asked = rings + c.gc_log + c.structs + c.handles + c.extra + alert_b;
	size_t used = use1 - use0;
	printf("mem_bench: %d attached idle apps, %.3f h simulated (%ld ticks)%s\n", nproc, hours, k,
	       hours >= 24 ? ", every tier full" : "");
	printf("  bytes per attached process:\n");
	printf("    /proc rings (rss, cpu, run-queue share): %zu rings, raw %.0f  10s %.0f  5min %.0f\n",
	       c.nring_proc / (size_t)nproc, c.ring_proc[0] / N, c.ring_proc[1] / N, c.ring_proc[2] / N);
	printf("    probe rings drawn (%zu): raw %.0f  10s %.0f  5min %.0f\n", c.nring_node / (size_t)nproc,
	       c.ring_node[0] / N, c.ring_node[1] / N, c.ring_node[2] / N);
	printf("    probe rings raw only (%zu): %.0f   handle rings (%zu): %.0f\n", c.nring_recent / (size_t)nproc,
	       c.ring_recent / N, c.nring_handles / (size_t)nproc, c.ring_handles / N);
	printf("    shared time axes %.0f  coarse tier state (apart from the structs) %.0f\n", c.axes / N,
	       c.rstate / N);
	printf("    rings total %.0f\n", rings / N);
	printf("    GC log %.0f  structs (vproc %zu + vnode %zu) %.0f  handle entries %.0f  cmdline/workers/routes %.0f\n",
	       c.gc_log / N, sizeof(vproc), sizeof(vnode), c.structs / N, c.handles / N, c.extra / N);
	printf("    alert rule state %.0f\n", alert_b / N);
	printf("    asked for %.0f  malloc in use %.0f  overhead %.0f (%zu blocks per process)\n", asked / N, used / N,
	       (double)(used - asked) / N, c.nalloc / (size_t)nproc);
	printf("  RSS %ld kB -> %ld kB (+%.0f bytes per process)\n", rss0, rss1, (double)(rss1 - rss0) * 1024 / N);
	struct mallinfo2 mi = mallinfo2();
	printf("  mallinfo2: arena %zu  in use %zu  free %zu  mmap %zu\n", mi.arena, mi.uordblks, mi.fordblks, mi.hblkhd);
	printf("RESULT per_process_bytes=%.0f rss_kb=%ld\n", used / N, rss1);
	alerts_free(a);
	model_free(&m);
	return 0;
}
