/* model — what vitals knows about the processes it watches.
 *
 * The model is plain data: a list of processes, each with its latest values
 * and ring-buffer series, plus bounded logs (GC events per process, alerts,
 * captured files, launch-mode output).  Collectors write into it, base/alerts
 * evaluates it, widgets read it; it knows nothing of curses, sockets or /proc.
 *
 * Ownership: the model owns every vproc (model_free frees them); a vproc owns
 * its rings, its vnode (allocated when a probe first reports) and its strings.
 * A process is identified by (pid, start_time): a reused PID is a new vproc,
 * and an exited process keeps its history with state PROC_EXITED.
 *
 * `dirty` is bumped by any writer (for whoever wants to know that something
 * changed; the dashboard paints per tick and key, not per change).
 */
#ifndef VITALS_MODEL_H
#define VITALS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/probe_series.h"
#include "base/ring.h"

typedef enum proc_state {
	PROC_LIVE = 0,
	PROC_EXITED,	/* gone; history kept */
	PROC_DENIED,	/* exists but cannot be read (other user) */
} proc_state;

typedef enum probe_state {
	PROBE_NONE = 0,		/* "not attached" */
	PROBE_ATTACHING,	/* inspector route in progress */
	PROBE_CONNECTING,	/* socket known, connecting */
	PROBE_ATTACHED,		/* hello received, samples flowing */
	PROBE_LOST,		/* probe vanished (socket closed) */
	PROBE_FAILED,		/* attach failed; probe_err says why */
} probe_state;

/* GC kinds as Node reports them in PerformanceEntry.detail.kind */
enum { GC_MINOR = 1, GC_MAJOR = 4, GC_INCREMENTAL = 8, GC_WEAKCB = 16 };
#define GC_FLAG_FORCED 4

typedef struct gc_event {
	int64_t t_ms;		/* wall clock, ms since epoch, start of the pause */
	float dur_ms;
	uint8_t kind;		/* GC_* */
	uint8_t flags;		/* detail.flags; GC_FLAG_FORCED */
} gc_event;

/* An event as the GC log stores it: 8 bytes instead of gc_event's 16 (an
 * idle app's ~860 scavenges a day were 16 KB of its 80).  t is ms since the
 * log's gc_t0; dur is an IEEE half float of the pause in ms (11 significant
 * bits: within 0.05 %, below what any view prints; pauses of 65 s or more
 * are 65504 ms). */
typedef struct gc_slot {
	uint32_t t;
	uint16_t dur;
	uint8_t kind, flags;
} gc_slot;

/* The GC log grows by doubling from GC_LOG_MIN to GC_LOG_CAP events as events
 * come: an idle app has a handful, a busy server fills the cap in minutes. */
#define GC_LOG_CAP 4096
#define GC_LOG_MIN 32
#define GC_HIST_BUCKETS 6
/* Upper bounds of the GC pause histogram: prom-client's 1 ms .. 5 s. */
extern const double gc_hist_le_ms[GC_HIST_BUCKETS];
#define MAX_SPACES 12
#define MAX_HANDLE_TYPES 16
#define NAME_LEN 32

typedef struct heap_space {
	char name[NAME_LEN];	/* "new_space", "old_space", ... */
	double size, used, avail, physical;	/* bytes; latest only: no view draws a
						 * space's history (a ring each was 10 KB
						 * x 9 spaces per attached process) */
} heap_space;

typedef struct handle_count {
	char type[NAME_LEN];	/* "Timeout", "TCPWRAP", ... */
	int count;
	ring r;			/* raw tier only (model.rcfg_recent): the handle-leak
				 * rule reads it, no view draws it */
} handle_count;

/* Everything the in-process probe tells us. Allocated on the first hello. */
/* HTTP status classes, in the order of http_class_name. */
#define HTTP_CLASSES 6
extern const char *const http_class_name[HTTP_CLASSES];	/* "1xx" .. "5xx", "other" */
/* A window's error share, %: 5xx among `count` answers, plus (outgoing
 * requests) the `errors` that failed without one (NaN: none); NaN, a gap,
 * when there was no traffic. */
double model_http_err_pct(const double status[HTTP_CLASSES], double count, double errors);

/* The latest stall culprit the probe named (doc/PROTOCOL.md, sample
 * "stalls"): the function that held the event loop. */
typedef struct stall_culprit {
	int64_t t_ms;		/* when the stall ended; 0: none yet */
	double ms;		/* how long the loop was held */
	int line, col;		/* 1-based, of the function's definition; 0 unknown */
	char fn[64];		/* cleaned */
	char file[160];		/* the script's path or URL, cleaned */
} stall_culprit;

/* A worker thread of the process as the probe last saw it (its own isolate:
 * heap, loop, GC). */
#define MAX_WORKERS 16
typedef struct worker_info {
	int thread_id;
	char name[48];		/* cleaned; "" when unnamed */
	int64_t t_ms;		/* when the worker measured it */
	double heap_used, heap_total, heap_limit, lag_max;	/* NaN if not reported */
	double elu;		/* the loop's busy share while its thread was runnable:
				 * a worker parked in Atomics.wait is idle, not 100% */
	double cpu_pct;		/* its thread's CPU, % of one core; NaN if not reported */
	double gc_count, gc_ms;	/* in its last interval */
	double gc_major;	/* mark-compacts among them (NaN when the probe does not say) */
} worker_info;

/* One of a server's top routes in the probe's last sample ("GET" "/users/:id";
 * method "" and route "other" for the rest). */
#define MAX_ROUTES 21	/* the probe's 20 and "other" */
typedef struct http_route {
	char method[12];
	char route[96];		/* cleaned */
	double count, rps, p50, p99, max, e5xx;
} http_route;

typedef struct vnode {
	int proto_version;
	char node_version[24];
	char v8_version[32];
	int hz;				/* sampling rate the probe runs at */
	int64_t last_sample_ms;
	int64_t next_sample_ms;		/* the latest sample's ts + next_ms: the next is due by
					 * then (an idle app's come every 10 s); 0: not said */
	uint64_t samples;

	/* The table's numbers (base/probe_series.h): heap_used, lag_p99, elu,
	 * gc_pct, handles_total, ... latest values in bytes / ms / ratio / %,
	 * and heap_used_r, ... history rings of its RING rows. */
	PROBE_SERIES(PS_FIELD)
	ring_axis axis;		/* raw times of every ring here and in handles */
	PROBE_SERIES(PS_RING_FIELD)
	int gc_count_interval[5];	/* per kind index gc_kind_index(), last interval */
	double gc_ms_interval;
	uint64_t gc_total;		/* GC events ever seen */
	double gc_total_ms;
	/* GC pauses seen, per kind index: a histogram over gc_hist_le_ms
	 * (bucket b counts pauses <= le[b] and > le[b-1]; the last, longer) */
	uint64_t gc_hist[5][GC_HIST_BUCKETS + 1];
	double gc_hist_sum_ms[5];

	heap_space spaces[MAX_SPACES];
	int nspaces;
	handle_count *handles;	/* owned; nhandles of handles_cap, grown by doubling
				 * from 1 up to MAX_HANDLE_TYPES (an idle app has one or two
				 * types; 16 inline were 6 KB per attached process) */
	int nhandles, handles_cap;

	stall_culprit culprit;
	/* answers by status class in the last interval: [0] server, [1] outgoing */
	double http_status[2][HTTP_CLASSES];
	/* The next two are owned and allocated (MAX_WORKERS, MAX_ROUTES) by the
	 * first sample that has any: most apps have no workers and many no HTTP,
	 * and inline they were 5.3 KB of every attached process's 7.7. */
	worker_info *workers;	/* the process's worker threads, latest; NULL: none yet */
	int nworkers;
	http_route *routes;	/* the server's top routes of the latest window, busiest first */
	int nroutes;

	gc_slot *gc;		/* owned; ring of gc_cap GC events, gc_head = next slot;
				 * NULL until the first event (model_gc_push) */
	int64_t gc_t0;		/* time every gc[].t counts from, <= the oldest kept */
	uint32_t gc_cap, gc_head, gc_len;
} vnode;

#define MAX_CAPTURES 16
typedef struct capture {
	int64_t t_ms;
	char kind[16];		/* "heapsnapshot", "cpuprofile", "report" */
	char path[512];
	uint64_t bytes;
} capture;

typedef struct vproc {
	int pid;
	int ppid;
	int group;		/* pid of its group's leader: the topmost watched ancestor
				 * (a cluster primary, pm2's daemon), else its own (model_groups) */
	uint64_t start_time;	/* boot-relative ticks, identity with pid */
	char name[NAME_LEN];	/* comm / exe basename */
	char host[NAME_LEN];	/* --remote: the host it runs on; "" = this one */
	char app[NAME_LEN];	/* a process manager's name for it ("web#0" for pm2's
				 * app web, id 0; "pm2" for its daemon), "" if none
				 * (collectors/proc, at first sight) */
	char *cmdline;		/* owned; may be NULL */
	uid_t uid;
	char state_char;	/* R, S, D, Z ... from /proc */
	proc_state state;
	char err[128];		/* why a read failed (state PROC_DENIED) */
	int64_t first_seen_ms, last_seen_ms, exited_ms;
	bool launched;		/* child of vitals (launch mode) */
	int exit_status;	/* launch mode: wait status when it ended, else -1 */

	/* latest values */
	double rss_bytes, vsz_bytes;
	double cpu_pct, cpu_user_pct, cpu_sys_pct;	/* % of one core */
	double cpu_user_s, cpu_sys_s;	/* CPU time since the process started */
	int threads;
	int fds;		/* -1 if unreadable */
	double mem_limit;	/* cgroup memory.max in bytes, 0 if none */
	/* The main thread's (the event loop's) scheduling over the last /proc
	 * interval, from schedstat: ms per second of wall time it was runnable
	 * but waiting for a CPU (starved by other processes), and on a CPU;
	 * NaN when unknown.  sched_share_r holds wait / (wait + run) per tick:
	 * the part of a late stretch that is the machine's, not the app's
	 * (base/alerts, which reads the ticks of the latest probe interval
	 * only: SCHED_SHARE_CAP raw points, no coarse tiers). */
	double sched_wait, sched_run;
	/* where it lives (collectors/container, at first sight) */
	int nspid;		/* its PID inside its own PID namespace; 0 = not known yet */
	bool other_mnt;		/* another mount namespace: its files are under /proc/PID/root */
	char container[48];	/* "docker:0123456789ab", "k8s:pod/ctr", "ns:pid,net", "" on the host */
	/* what names its application across restarts, the Prometheus app
	 * label (collectors/app_id, at first sight): "web" for pm2's web#0,
	 * the package.json name...; "" = its label */
	char app_name[NAME_LEN];
	double started_s;	/* when it started, s since the epoch; 0 = not known */
	/* base/alerts, while a heap or RSS leak alert fires: projected seconds
	 * until the first limit is reached at the current trend (0 = no upward
	 * trend), and which limit ("heap": V8's, "cgroup": memory.max). */
	double oom_in_s;
	const char *oom_limit;	/* static string, NULL with oom_in_s 0 */

	ring_axis axis;		/* raw times of the three rings below (pushed together) */
	ring rss_r, cpu_r;	/* series the views draw and alerts read; others are latest values */
	ring sched_share_r;	/* run-queue wait share of runnable time, 0..1, NaN unknown */

	probe_state pstate;
	char probe_err[320];	/* why not attached: the detail view wraps it */
	int attach_tries;	/* failed attaches in a row (--attach retries a few) */
	bool attach_members;	/* a group leader whose members are attached as
				 * they come (`a` on its folded group) */
	int64_t attach_retry_ms;	/* wall ms of the next retry; 0 = none planned */
	vnode *node;		/* NULL until a probe says hello */

	capture *captures;	/* MAX_CAPTURES, allocated on the first capture */
	int ncaptures;

	void *collector_data;	/* opaque per-process state of collectors/proc */
	void *probe_data;	/* opaque per-process state of collectors/probe_client */
} vproc;

typedef enum alert_severity { SEV_INFO = 0, SEV_WARN, SEV_CRIT } alert_severity;
typedef enum alert_state { ALERT_PENDING = 0, ALERT_FIRING, ALERT_RESOLVED } alert_state;

typedef struct model_alert {
	int64_t t_ms;
	int pid;
	uint8_t severity;	/* alert_severity */
	uint8_t state;		/* alert_state */
	char rule[24];		/* "heap_leak", "stall", "warning", ... */
	char msg[200];
} model_alert;

/* Raw points sched_share_r keeps: the alerts look back one probe interval
 * (a few ticks); 64 covers 6 s at the fastest tick (0.1 s). */
#define SCHED_SHARE_CAP 64

#define ALERT_LOG_CAP 256
#define LOG_LINES_CAP 2000
#define LOG_LINE_LEN 256

typedef struct model {
	vproc **procs;		/* owned */
	size_t nprocs, cap;
	ring_config rcfg;	/* capacities for every graphed series */
	ring_config rcfg_recent;	/* the raw tier of rcfg alone: RECENT rows, handles */
	ring_config rcfg_sched;		/* the last SCHED_SHARE_CAP raw points: sched_share_r */
	uint64_t dirty;		/* bumped on any change */
	int64_t now_ms;		/* time of the latest sample tick */

	model_alert alerts[ALERT_LOG_CAP];	/* ring, alerts_head = next slot */
	uint32_t alerts_head, alerts_len;

	/* launch mode output (stdout/stderr of the launched program) */
	char (*log)[LOG_LINE_LEN];	/* LOG_LINES_CAP lines, allocated on first use */
	uint32_t log_head, log_len;

	char status[200];	/* one-line status message for the UI */
	int64_t status_ms;
	/* Called with every new status, for a reader that must not miss one that
	 * the next overwrites before it looks (headless drivers, tests). */
	void (*on_status)(void *ud, const char *msg);
	void *on_status_ud;
} model;

void model_init(model *m, const ring_config *rcfg);
void model_free(model *m);

/* Find a live-or-exited process by pid (the newest with that pid). */
vproc *model_find(const model *m, int pid);
/* Add a process; the model owns it. Returns NULL on allocation failure. */
vproc *model_add(model *m, int pid, uint64_t start_time);
/* Set every process's group from the parent links among the watched
 * processes: a process whose parent is watched belongs to the parent's
 * group, so a cluster primary and its workers (or pm2 and its apps) form
 * one group led by the topmost.  Call after the parents may have changed. */
void model_groups(model *m);
/* Remove and free one process (e.g. the user dismissed an exited row). */
void model_remove(model *m, vproc *p);
/* The exited processes to let go of so memory stays bounded: those that
 * exited keep_ms or more ago, and the oldest beyond the keep_max most
 * recent; launched programs (launch mode) are kept.  Fills out (up to cap),
 * oldest first, and returns how many; the caller lets the collectors forget
 * each and removes it. */
size_t model_exited_expired(const model *m, int64_t now_ms, int64_t keep_ms, size_t keep_max, vproc **out,
			    size_t cap);

/* Allocate p->node if needed (rings initialised from m->rcfg). */
vnode *model_node(model *m, vproc *p);
/* The latest value of series i, and its ring (NULL for a LATEST row). */
static inline double vnode_value(const vnode *n, probe_series_id i)
{
	return *(const double *)(const void *)((const char *)n + probe_series_table[i].off);
}
static inline ring *vnode_ring(vnode *n, probe_series_id i)
{
	long off = probe_series_table[i].ring_off;
	return off < 0 ? NULL : (ring *)(void *)((char *)n + off);
}
/* Record a GC event in p->node's log. */
void model_gc_push(vnode *n, const gc_event *ev);
/* " in parseLedger (billing.js:42)" for n's culprit of a stall that ended
 * within max_age_ms before now_ms; "" when there is none. Returns buf. */
const char *model_culprit_text(const vnode *n, int64_t now_ms, int64_t max_age_ms, char *buf, size_t len);
/* i-th GC event, 0 = oldest, for i < n->gc_len (else all zero). */
gc_event model_gc_get(const vnode *n, uint32_t i);
/* Find or add a heap space / handle type entry by name (NULL if full). */
heap_space *model_space(model *m, vnode *n, const char *name);
handle_count *model_handle(model *m, vnode *n, const char *type);
/* Index 0..4 for GC_MINOR, GC_MAJOR, GC_INCREMENTAL, GC_WEAKCB, other. */
int gc_kind_index(int kind);

/* Append to the alert log; returns the stored entry. */
model_alert *model_alert_push(model *m, const model_alert *a);
/* i-th alert, 0 = newest. */
const model_alert *model_alert_get(const model *m, uint32_t i);

/* Record a finished capture on p (oldest dropped when full). 0, or -1 when
 * memory could not be had. */
int model_capture_add(vproc *p, const capture *c);

/* Append one line of launch-mode output. */
void model_log_push(model *m, const char *line);
/* i-th log line, 0 = oldest. */
const char *model_log_get(const model *m, uint32_t i);

/* A short name for people: the process manager's name for it (p->app),
 * else the script of a node process ("server.js", or
 * "node -e" for an inline script), else the process name; "HOST:name" for
 * a process of another host (--remote).  Returns buf. */
const char *model_proc_label(const vproc *p, char *buf, size_t n);
/* The same without the host. */
const char *model_proc_name(const vproc *p, char *buf, size_t n);
/* Processes of more than one host are in the model (--remote). */
bool model_many_hosts(const model *m);
/* The probe's latest numbers are stale at now_ms: its next sample is a
 * period overdue (due when the last one said, an idle app's 5 s on, else a
 * period after it). */
bool vnode_stale(const vnode *n, int64_t now_ms);
/* True for a node option whose value may come as the next argument
 * ("-r x.js"): whoever looks for the script in a node command line skips
 * both.  The one list (labels, wrapper detection, inspector flags, launch). */
bool model_node_opt_takes_value(const char *opt);

/* Set the status line (printf-style). */
void model_status(model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void model_touch(model *m) { m->dirty++; }

#endif
