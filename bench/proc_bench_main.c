/* proc_bench — the collector loop of vitals without the UI, for
 * bench/proc_50.sh: one libuv loop, one timer, proc_collector_sample() over
 * the given PIDs every interval, exactly as tui/app.c drives it.  Measures its
 * own time per tick (CLOCK_MONOTONIC around the sample call).
 *
 *   proc_bench [-i INTERVAL_MS] [-t SECONDS] [-n TICKS] [-s STATS_FILE] [-d] PID...
 *     runs until SECONDS or TICKS are done (0 = no limit) or SIGINT/SIGTERM;
 *     -i 0 samples every millisecond (for callgrind: instructions per tick);
 *     -d also discovers this user's Node processes before every tick, as the
 *     app does when started without PIDs (then PIDs are optional).
 * At exit prints "ticks N mean_us X max_us Y live L" to STATS_FILE or stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "collectors/proc.h"

typedef struct bench {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_signal_t sigint, sigterm;
	proc_collector *pc;
	model m;
	uint64_t ticks, max_ticks;
	bool discover;
	uint64_t deadline_ms;		/* uv_now() at which to stop, 0 = none */
	double sum_us, max_us;
} bench;

static double mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bench_stop(bench *b)
{
	uv_timer_stop(&b->timer);
	uv_close((uv_handle_t *)&b->timer, NULL);
	uv_close((uv_handle_t *)&b->sigint, NULL);
	uv_close((uv_handle_t *)&b->sigterm, NULL);
}

static void on_tick(uv_timer_t *t)
{
	bench *b = t->data;
	int64_t now = wall_ms();
	b->m.now_ms = now;
	double t0 = mono_us();
	if (b->discover) {
		int added = proc_discover(b->pc, &b->m, geteuid(), false);
		if (added < 0)
			fprintf(stderr, "proc_bench: discover: %s\n", strerror(-added));
	}
	int rc = proc_collector_sample(b->pc, &b->m, now);
	double us = mono_us() - t0;
	if (rc < 0)
		fprintf(stderr, "proc_bench: sample: %s\n", strerror(-rc));
	b->ticks++;
	b->sum_us += us;
	if (us > b->max_us)
		b->max_us = us;
	if ((b->max_ticks && b->ticks >= b->max_ticks) ||
	    (b->deadline_ms && uv_now(b->loop) >= b->deadline_ms))
		bench_stop(b);
}

static void on_signal(uv_signal_t *s, int signum)
{
	bench_stop(s->data);
}

int main(int argc, char **argv)
{
	bench b = { 0 };
	long interval = 1000, seconds = 0;
	const char *stats = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "i:t:n:s:d")) != -1) {
		switch (opt) {
		case 'i': interval = atol(optarg); break;
		case 't': seconds = atol(optarg); break;
		case 'n': b.max_ticks = strtoull(optarg, NULL, 10); break;
		case 's': stats = optarg; break;
		case 'd': b.discover = true; break;
		default:
			fprintf(stderr, "usage: %s [-i MS] [-t SECONDS] [-n TICKS] [-s FILE] [-d] PID...\n",
				argv[0]);
			return 2;
		}
	}
	if ((optind >= argc && !b.discover) || interval < 0) {
		fprintf(stderr, "proc_bench: give PIDs to watch\n");
		return 2;
	}
	char err[160];
	b.pc = proc_collector_new(err, sizeof err);
	if (!b.pc) {
		fprintf(stderr, "proc_bench: %s\n", err);
		return 1;
	}
	model_init(&b.m, NULL);
	for (int i = optind; i < argc; i++) {
		proc_info pi;
		int pid = atoi(argv[i]);
		int rc = proc_identify(b.pc, pid, &pi);
		if (rc < 0) {
			fprintf(stderr, "proc_bench: PID %s: %s\n", argv[i], strerror(-rc));
			continue;
		}
		if (!model_add(&b.m, pid, pi.start_time)) {
			fprintf(stderr, "proc_bench: out of memory\n");
			return 1;
		}
	}
	b.loop = uv_default_loop();
	uv_timer_init(b.loop, &b.timer);
	uv_signal_init(b.loop, &b.sigint);
	uv_signal_init(b.loop, &b.sigterm);
	b.timer.data = b.sigint.data = b.sigterm.data = &b;
	uv_signal_start(&b.sigint, on_signal, SIGINT);
	uv_signal_start(&b.sigterm, on_signal, SIGTERM);
	if (seconds > 0)
		b.deadline_ms = uv_now(b.loop) + (uint64_t)seconds * 1000;
	/* libuv repeats nothing at 0: back to back is every millisecond */
	uv_timer_start(&b.timer, on_tick, 0, interval > 0 ? (uint64_t)interval : 1);
	uv_run(b.loop, UV_RUN_DEFAULT);
	int live = 0;
	for (size_t i = 0; i < b.m.nprocs; i++)
		live += b.m.procs[i]->state == PROC_LIVE;
	FILE *out = stats ? fopen(stats, "w") : stderr;
	if (out) {
		fprintf(out, "ticks %llu mean_us %.1f max_us %.1f live %d\n",
			(unsigned long long)b.ticks, b.ticks ? b.sum_us / (double)b.ticks : 0.0,
			b.max_us, live);
		if (out != stderr)
			fclose(out);
	}
	int rc = uv_loop_close(b.loop);
	proc_collector_release(&b.m);
	model_free(&b.m);
	proc_collector_free(b.pc);
	return rc == 0 ? 0 : 1;
}
