/* proc_probe — test driver for tests/proc_node.sh: prints, as JSON lines,
 * what collectors/proc sees of the given PIDs (and of discovered Node
 * processes), so that a shell test can compare it with what the processes
 * themselves and /proc report.  Not installed.
 *
 *   proc_probe [-n SAMPLES] [-i INTERVAL_MS] [-x] [-d all|UID] [PID...]
 *     -n  number of sample ticks (default 1; 0 = none)
 *     -i  interval between ticks in ms (default 1000)
 *     -x  stop early once every watched process has exited
 *     -d  run discovery (all users, or one uid) before every tick, as the app
 *         does, and print what it added (always on the first tick)
 *
 * Output: {"t":"error","pid":N,"error":"..."} for a PID that cannot be
 * identified, {"t":"discover","tick":K,"added":N,"procs":[{"pid":..,"cmdline":..}]},
 * then one {"t":"sample","tick":K,...} line per process per tick.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/proc.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
	json_decref(o);
}

/* A number, or null for NaN (JSON has no NaN). */
static json_t *num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static const char *state_name(proc_state s)
{
	switch (s) {
	case PROC_LIVE: return "live";
	case PROC_EXITED: return "exited";
	case PROC_DENIED: return "denied";
	}
	return "?";
}

static void emit_sample(const vproc *p, int tick, int64_t t)
{
	json_t *o = json_object();
	json_object_set_new(o, "t", json_string("sample"));
	json_object_set_new(o, "tick", json_integer(tick));
	json_object_set_new(o, "ms", json_integer(t));
	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "start", json_integer((json_int_t)p->start_time));
	json_object_set_new(o, "state", json_string(state_name(p->state)));
	json_object_set_new(o, "state_char", json_sprintf("%c", p->state_char ? p->state_char : '?'));
	json_object_set_new(o, "ppid", json_integer(p->ppid));
	json_object_set_new(o, "uid", json_integer(p->uid));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "cmdline", p->cmdline ? json_string(p->cmdline) : json_null());
	json_object_set_new(o, "rss", json_real(p->rss_bytes));
	json_object_set_new(o, "vsz", json_real(p->vsz_bytes));
	json_object_set_new(o, "cpu", num(p->cpu_r.count ? p->cpu_r.last : NAN));
	json_object_set_new(o, "cpu_user", json_real(p->cpu_user_pct));
	json_object_set_new(o, "cpu_sys", json_real(p->cpu_sys_pct));
	json_object_set_new(o, "threads", json_integer(p->threads));
	json_object_set_new(o, "fds", json_integer(p->fds));
	json_object_set_new(o, "mem_limit", json_real(p->mem_limit));
	json_object_set_new(o, "exited_ms", json_integer(p->exited_ms));
	json_object_set_new(o, "hist", json_integer((json_int_t)p->rss_r.count));
	json_object_set_new(o, "err", json_string(p->err));
	emit(o);
}

static void emit_discover(const model *m, size_t from, int added, int tick)
{
	json_t *o = json_object(), *a = json_array();
	json_object_set_new(o, "t", json_string("discover"));
	json_object_set_new(o, "tick", json_integer(tick));
	json_object_set_new(o, "added", json_integer(added));
	for (size_t i = from; i < m->nprocs; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "pid", json_integer(m->procs[i]->pid));
		json_object_set_new(e, "cmdline", m->procs[i]->cmdline
				    ? json_string(m->procs[i]->cmdline) : json_null());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "procs", a);
	emit(o);
}

int main(int argc, char **argv)
{
	int samples = 1, interval = 1000, opt;
	bool until_exit = false, discover = false, all_users = false;
	uid_t uid = geteuid();
	while ((opt = getopt(argc, argv, "n:i:xd:")) != -1) {
		switch (opt) {
		case 'n': samples = atoi(optarg); break;
		case 'i': interval = atoi(optarg); break;
		case 'x': until_exit = true; break;
		case 'd':
			discover = true;
			all_users = strcmp(optarg, "all") == 0;
			if (!all_users)
				uid = (uid_t)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n SAMPLES] [-i MS] [-x] [-d all|UID] [PID...]\n",
				argv[0]);
			return 2;
		}
	}
	char err[160];
	proc_collector *pc = proc_collector_new(err, sizeof err);
	if (!pc) {
		fprintf(stderr, "proc_probe: %s\n", err);
		return 1;
	}
	model m;
	model_init(&m, NULL);
	for (int i = optind; i < argc; i++) {
		int pid = atoi(argv[i]);
		proc_info pi;
		int rc = proc_identify(pc, pid, &pi);
		if (rc < 0) {
			json_t *o = json_object();
			json_object_set_new(o, "t", json_string("error"));
			json_object_set_new(o, "pid", json_integer(pid));
			json_object_set_new(o, "error", json_string(strerror(-rc)));
			emit(o);
			continue;
		}
		model_add(&m, pid, pi.start_time);
	}
	/* Like the app: discovery (if asked) before every sample tick. */
	int rounds = samples > 0 ? samples : 1;
	for (int k = 0; k < rounds; k++) {
		if (k > 0)
			usleep((useconds_t)interval * 1000);
		if (discover) {
			size_t before = m.nprocs;
			int n = proc_discover(pc, &m, uid, all_users);
			if (k == 0 || n != 0)
				emit_discover(&m, before, n, k);
		}
		if (samples == 0)
			break;
		int64_t t = wall_ms();
		m.now_ms = t;
		int rc = proc_collector_sample(pc, &m, t);
		if (rc < 0)
			fprintf(stderr, "proc_probe: sample: %s\n", strerror(-rc));
		bool live = false;
		for (size_t i = 0; i < m.nprocs; i++) {
			emit_sample(m.procs[i], k, t);
			live |= m.procs[i]->state != PROC_EXITED;
		}
		if (until_exit && !live)
			break;
	}
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
	return 0;
}
