/* frame_main — cost of drawing the overview, for bench/frame.sh.
 *
 * Builds a model of 50 attached processes with an hour of synthetic 1 Hz
 * series (RSS, CPU, heap, lag, ELU, heap spaces), GC events and alerts, then
 * draws the overview through ncurses.  While timing, the terminal output
 * goes to /dev/null (dup2 over the screen's descriptor: ncurses writes to
 * the fd); while counting bytes it goes to an unlinked temporary file whose
 * size is the count.  Frame times include curses' own work of turning cells
 * into escape sequences.
 *
 * Figures printed:
 *   - median / p99 time of a frame (draw + doupdate, one new sample per
 *     process between frames, like the live dashboard) over N frames, at
 *     80x24 and 200x50;
 *   - the same for the detail view of one process (heap spaces, GC lanes);
 *   - the same for a baseline frame in the same run: erase and fill the
 *     screen with plain text of the same size (what any full-screen curses
 *     program pays), and the ratio;
 *   - bytes written to the terminal: the first full paint, then per tick at
 *     1 Hz over 60 simulated ticks with realistic changes, i.e. bytes/s.
 * Usage: frame_bench [frames] (default 1000).
 */
#include <curses.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/model.h"
#include "themes/theme.h"
#include "tui/rows.h"
#include "tui/ui.h"
#include "tui/view_detail.h"
#include "tui/view_overview.h"

#define NPROCS 50


/* What the app's paint does for the overview: filter and sort the rows once,
 * then draw. */
static row_list frame_rows;
static void overview_frame(const model *m, const ui_state *ui)
{
	rows_build(&frame_rows, m, ui);
	view_overview_draw(stdscr, m, ui, &frame_rows);
}

static uint64_t out_size(FILE *f)
{
	struct stat st;
	fflush(f);
	return fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* CPU time of this thread: the machine running the benchmark may be busy
 * with other work, and a frame's cost is the CPU it takes, not how long the
 * scheduler kept us waiting.  (Wall-clock medians are printed too.) */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned rnd_state = 12345;
static double rnd(void)	/* 0..1, deterministic */
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (double)(rnd_state >> 8 & 0xffff) / 65536.0;
}

/* One sample for every series of p at time t. */
static void tick_proc(model *m, vproc *p, int64_t t, int i)
{
	double phase = (double)(p->pid % 17);
	p->rss_bytes = 80e6 + 20e6 * sin((double)i / 300 + phase) + 1e6 * rnd();
	/* a steady load per process with small noise and a rare burst: the
	 * table order (sorted by CPU) changes now and then, not every tick */
	p->cpu_pct = (double)(p->pid % 50) + 3 * sin((double)i / 40 + phase) + 0.5 * rnd() +
		     (i % 97 == 0 ? 30 : 0);
	p->cpu_user_pct = p->cpu_pct * 0.8;
	p->cpu_sys_pct = p->cpu_pct * 0.2;
	p->threads = 11;
	p->fds = 23;
	ring_push(&p->rss_r, t, p->rss_bytes);
	ring_push(&p->cpu_r, t, p->cpu_pct);
	vnode *n = model_node(m, p);
	n->heap_used = 30e6 + 10e6 * sin((double)i / 120 + phase) + 2e6 * rnd();
	n->heap_total = n->heap_used * 1.3;
	n->heap_limit = 4345298944.0;
	n->lag_p50 = 1 + rnd();
	n->lag_p99 = 3 + 5 * rnd() + (i % 211 == 0 ? 400 : 0);
	n->lag_max = n->lag_p99 * 1.5;
	n->elu = 0.1 + 0.3 * rnd();
	n->gc_pct = 2 * rnd();
	n->last_sample_ms = t;
	n->samples++;
	ring_push(&n->heap_used_r, t, n->heap_used);
	n->external = 1e6;
	ring_push(&n->lag_p99_r, t, n->lag_p99);
	ring_push(&n->lag_max_r, t, n->lag_max);
	ring_push(&n->elu_r, t, n->elu);
	ring_push(&n->gc_pct_r, t, n->gc_pct);
	n->handles_total = 12;
	static const char *const spaces[] = { "read_only_space", "new_space", "old_space", "code_space",
					      "shared_space", "trusted_space", "new_large_object_space",
					      "large_object_space" };
	for (int k = 0; k < 8; k++) {
		heap_space *s = model_space(m, n, spaces[k]);
		if (!s)
			continue;
		s->size = 16e6;
		s->used = 8e6 * (1 + sin((double)i / 60 + k));
	}
	gc_event ev = { t - 300, (float)(0.5 + rnd()), GC_MINOR, 0 };
	if (i % 2 == 0)
		model_gc_push(n, &ev);
	if (i % 30 == 0) {
		ev.kind = GC_MAJOR;
		ev.dur_ms = (float)(5 + 60 * rnd());
		model_gc_push(n, &ev);
	}
}

static void build_model(model *m, int64_t t0, int seconds)
{
	model_init(m, NULL);
	for (int k = 0; k < NPROCS; k++) {
		vproc *p = model_add(m, 10000 + k * 7, (uint64_t)k);
		snprintf(p->name, sizeof p->name, k % 5 ? "node" : "node-worker-%d", k);
		char cmd[64];
		snprintf(cmd, sizeof cmd, "node /srv/app%d/server.js", k);
		p->cmdline = strdup(cmd);
		p->state_char = 'S';
		p->pstate = PROBE_ATTACHED;
		p->first_seen_ms = t0;
	}
	for (int i = 0; i < seconds; i++)
		for (size_t k = 0; k < m->nprocs; k++)
			tick_proc(m, m->procs[k], t0 + (int64_t)i * 1000, i);
	for (int a = 0; a < 20; a++) {
		model_alert al;
		memset(&al, 0, sizeof al);
		al.t_ms = t0 + (int64_t)a * 60000;
		al.pid = 10000 + a * 7;
		al.severity = (uint8_t)(a % 3);
		al.state = a % 4 == 0 ? ALERT_RESOLVED : ALERT_FIRING;
		snprintf(al.rule, sizeof al.rule, a % 2 ? "stall" : "heap_leak");
		snprintf(al.msg, sizeof al.msg, "synthetic alert %d: heap grows 2.1 MB/min, limit in 40 min", a);
		model_alert_push(m, &al);
	}
	m->now_ms = t0 + (int64_t)(seconds - 1) * 1000;
	model_status(m, "attached to 50 processes");
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct fig {
	double median_us, p99_us;
} fig;

static fig stats(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	fig f = { t[n / 2] * 1e6, t[(int)(n * 0.99)] * 1e6 };
	return f;
}

/* A plain full-screen frame: erase and write text in every row. */
static void baseline_draw(int i)
{
	werase(stdscr);
	char line[512];
	for (int y = 0; y < LINES; y++) {
		int n = snprintf(line, sizeof line, "%6d %-20s %5.1f%% %8d ", 10000 + y, "node", (double)(i % 100), i * y);
		for (; n < COLS && n < (int)sizeof line - 1; n++)
			line[n] = (char)('a' + (y + n + i) % 26);
		line[n < COLS ? n : COLS] = 0;
		mvaddnstr(y, 0, line, COLS);
	}
}

static void run_size(int cols, int rows, int frames, model *m, ui_state *ui, theme *th, int64_t *t,
		     int *tick)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%d", cols);
	setenv("COLUMNS", buf, 1);
	snprintf(buf, sizeof buf, "%d", rows);
	setenv("LINES", buf, 1);
	FILE *out = tmpfile();
	FILE *in = fopen("/dev/null", "r");
	SCREEN *s = newterm("xterm-256color", out, in);
	if (!s) {
		fprintf(stderr, "frame_bench: newterm failed\n");
		exit(1);
	}
	set_term(s);
	start_color();
	theme_default(th);
	theme_apply(th, 256);
	ui->th = th;

	/* time with the output on /dev/null, count bytes into the file */
	int tmp_fd = dup(fileno(out)), null_fd = open("/dev/null", O_WRONLY);
	/* first full paint */
	uint64_t before = out_size(out);
	ui->end_ms = m->now_ms;
	overview_frame(m, ui);
	wnoutrefresh(stdscr);
	doupdate();
	uint64_t first = out_size(out) - before;

	/* frames: one new sample per process between frames */
	dup2(null_fd, fileno(out));
	double *dt = malloc(sizeof(double) * (size_t)frames), *dd = malloc(sizeof(double) * (size_t)frames);
	double *db = malloc(sizeof(double) * (size_t)frames), *dw = malloc(sizeof(double) * (size_t)frames);
	for (int f = 0; f < frames; f++) {
		*t += 1000;
		(*tick)++;
		for (size_t k = 0; k < m->nprocs; k++)
			tick_proc(m, m->procs[k], *t, *tick);
		m->now_ms = *t;
		ui->end_ms = *t;
		double w0 = wall_s(), a = now_s();
		overview_frame(m, ui);
		double b = now_s();
		wnoutrefresh(stdscr);
		doupdate();
		double c = now_s();
		dd[f] = b - a;
		dt[f] = c - a;
		dw[f] = wall_s() - w0;
	}
	for (int f = 0; f < frames; f++) {
		double a = now_s();
		baseline_draw(f);
		wnoutrefresh(stdscr);
		doupdate();
		db[f] = now_s() - a;
	}
	/* the detail view of the selected process, same frames */
	double *dv = malloc(sizeof(double) * (size_t)frames);
	for (int f = 0; f < frames; f++) {
		*t += 1000;
		(*tick)++;
		for (size_t k = 0; k < m->nprocs; k++)
			tick_proc(m, m->procs[k], *t, *tick);
		m->now_ms = *t;
		ui->end_ms = *t;
		double a = now_s();
		view_detail_draw(stdscr, m, ui);
		wnoutrefresh(stdscr);
		doupdate();
		dv[f] = now_s() - a;
	}
	fig detail = stats(dv, frames);
	free(dv);
	fig total = stats(dt, frames), draw = stats(dd, frames), base = stats(db, frames);
	fig wall = stats(dw, frames);

	/* bytes per second at 1 Hz: 60 ticks of realistic change */
	dup2(tmp_fd, fileno(out));
	overview_frame(m, ui);
	wnoutrefresh(stdscr);
	doupdate();
	before = out_size(out);
	for (int k = 0; k < 60; k++) {
		*t += 1000;
		(*tick)++;
		for (size_t j = 0; j < m->nprocs; j++)
			tick_proc(m, m->procs[j], *t, *tick);
		m->now_ms = *t;
		ui->end_ms = *t;
		if (k == 30) {
			model_alert al;
			memset(&al, 0, sizeof al);
			al.t_ms = *t;
			al.pid = 10007;
			al.severity = SEV_CRIT;
			al.state = ALERT_FIRING;
			snprintf(al.rule, sizeof al.rule, "stall");
			snprintf(al.msg, sizeof al.msg, "event loop lag p99 812 ms for 3 samples");
			model_alert_push(m, &al);
		}
		overview_frame(m, ui);
		wnoutrefresh(stdscr);
		doupdate();
	}
	double per_s = (double)(out_size(out) - before) / 60.0;

	printf("overview %dx%d, %d processes, %d frames:\n", cols, rows, NPROCS, frames);
	printf("  frame (draw + doupdate), CPU time: median %.0f us, p99 %.0f us   (target < 1000 us)\n",
	       total.median_us, total.p99_us);
	printf("  frame wall clock (machine load shows here): median %.0f us\n", wall.median_us);
	printf("  draw only (widgets -> cells): median %.0f us, p99 %.0f us\n", draw.median_us, draw.p99_us);
	printf("  baseline frame (plain text fill + doupdate): median %.0f us -> ratio %.2fx\n",
	       base.median_us, total.median_us / base.median_us);
	printf("  detail view frame (draw + doupdate), CPU time: median %.0f us, p99 %.0f us\n",
	       detail.median_us, detail.p99_us);
	printf("  terminal output: first paint %llu bytes; at 1 Hz %.0f bytes/s (%.0f%% of a full repaint per tick)\n",
	       (unsigned long long)first, per_s, per_s / (double)first * 100);
	free(dt);
	free(dd);
	free(db);
	free(dw);
	close(tmp_fd);
	close(null_fd);
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 1000;
	if (frames < 10)
		frames = 10;
	setlocale(LC_ALL, "C.UTF-8");
	int64_t t0 = 1764450000000LL;
	model m;
	double a = now_s();
	build_model(&m, t0, 3600);
	printf("model: %d processes, 1 h of 1 Hz series each, built in %.2f s\n", NPROCS, now_s() - a);
	ui_state ui;
	memset(&ui, 0, sizeof ui);
	ui.sort = SORT_CPU;
	ui.selected_pid = 10014;
	ui.window = 0;
	theme th;
	int64_t t = m.now_ms;
	int tick = 3600;
	run_size(80, 24, frames, &m, &ui, &th, &t, &tick);
	ui.window = 3;	/* 1 h window: the coarse tiers */
	run_size(200, 50, frames, &m, &ui, &th, &t, &tick);
	model_free(&m);
	return 0;
}
