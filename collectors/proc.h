/* proc — the process collector: RSS, VSZ, CPU, threads, fds, state of any
 * process, through libproc2 (the only file that includes <libproc2/...>), and
 * discovery of this user's Node processes.
 *
 * Contract used by tui/app.c (the owner of this module may extend it):
 *  - proc_collector_sample() updates every non-exited vproc in the model at
 *    now_ms: latest values + one push per series; marks a vanished PID, or a
 *    PID whose start time changed (reuse), PROC_EXITED (history kept); a
 *    process it may not read becomes PROC_DENIED with p->err saying why.
 *  - proc_identify() is the check for a PID given on the command line.
 *
 * Per-process state (previous CPU ticks, when the cgroup limit was last read)
 * lives in vproc->collector_data, owned by this module: it is freed when the
 * collector marks a process exited, by proc_collector_forget() (call it before
 * model_remove()) and by proc_collector_release() (call it before
 * model_free()).  A series value that cannot be had this tick (CPU on first
 * sight, fds when unreadable) is pushed as NaN, the ring's "missing".
 *
 * Error convention: negative errno.
 */
#ifndef VITALS_PROC_H
#define VITALS_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/model.h"

typedef struct proc_collector proc_collector;

typedef struct proc_info {
	int pid, ppid;
	uint64_t start_time;	/* boot-relative clock ticks */
	uid_t uid;
	char name[NAME_LEN];	/* comm (what ps shows; Node's process.title sets it) */
	char state;		/* R, S, D, Z ... */
	bool is_node;		/* executable is node or nodejs */
} proc_info;

/* Returns NULL with a one-line reason in err (e.g. /proc not mounted). */
proc_collector *proc_collector_new(char *err, size_t errlen);
void proc_collector_free(proc_collector *pc);

/* 0, -ENOENT (no such process), -EACCES, or another negative errno. */
int proc_identify(proc_collector *pc, int pid, proc_info *out);

/* Sample every live process of the model. Returns 0 or a negative errno. */
int proc_collector_sample(proc_collector *pc, model *m, int64_t now_ms);

/* Add Node processes (of uid, or of everyone when all_users) not yet in the
 * model; wrappers (npm, yarn, pnpm, npx, pm2 client) are replaced by the real
 * node child. Returns the number added, or a negative errno. */
int proc_discover(proc_collector *pc, model *m, uid_t uid, bool all_users);
/* The same for the Node processes whose parent is a live watched process
 * (cluster workers forked after their primary was given by PID). */
int proc_discover_children(proc_collector *pc, model *m);

/* How many times discovery scanned every process of /proc (children
 * discovery skips the scan while nothing it looks at changed). */
unsigned long proc_collector_scans(const proc_collector *pc);

/* Wall-clock start of a process (ms since the epoch) from its start_time. */
int64_t proc_start_ms(const proc_collector *pc, uint64_t start_time);

/* Free this module's per-process state of p (before model_remove(m, p)). */
void proc_collector_forget(vproc *p);
/* Free it for every process of m (before model_free(m)). */
void proc_collector_release(model *m);

/* --- pure helpers, exposed for the unit tests and the fuzz harness --- */

/* CPU % of one core from a tick delta over dt_ms (pure; unit-tested).
 * 0 when dt_ms <= 0, ticks_per_sec <= 0, or dticks is a "negative" delta
 * (>= 2^63, what an unsigned subtraction of a counter that went back gives). */
double proc_cpu_pct(uint64_t dticks, int64_t dt_ms, long ticks_per_sec);
/* cur - prev, or 0 if the counter went backwards. */
uint64_t proc_tick_delta(uint64_t prev, uint64_t cur);

/* What happened to a watched process between two samples. */
typedef enum proc_fate {
	PROC_FATE_SAME = 0,	/* still the same process */
	PROC_FATE_GONE,		/* vanished or became a zombie */
	PROC_FATE_REUSED,	/* the PID now names another process */
} proc_fate;
/* known_start: the start time we know (0 = not yet known, adopt any);
 * present/seen_start/seen_state: what /proc shows now for the PID. */
proc_fate proc_fate_of(uint64_t known_start, bool present, uint64_t seen_start, char seen_state);

/* True if argv (argc entries, as in /proc/PID/cmdline, possibly rewritten by
 * process.title into one string) is a package-manager / process-manager CLI
 * that merely wraps another program: npm, npx, yarn, pnpm, corepack, pm2.
 * The pm2 God daemon is not a wrapper. */
bool proc_argv_is_wrapper(const char *const *argv, int argc);

/* The name a process manager gives a process, into out (n bytes): for one of
 * pm2's apps "NAME#ID" — in cluster mode its environment holds the JSON
 * `pm2_env` (pm2_env; its "name" and "pm_id"), in fork mode the variables
 * `name` and `pm_id` (env_name, env_pm_id) — and for pm2's daemon (title
 * "PM2 vX: God Daemon (HOME)") "pm2"; else "".  Any argument may be NULL.
 * Pure: the caller reads cmdline and environ; the name is cleaned. */
void proc_manager_name(const char *cmdline, const char *pm2_env, const char *env_name,
		       const char *env_pm_id, char *out, size_t n);

/* Parse /proc/PID/cgroup text: the cgroup v2 path ("0::/a/b") into v2 and
 * the v1 memory controller's path into v1mem; each "" when absent.  Returns
 * 0, or -EINVAL when no line could be parsed. */
int proc_cgroup_parse(const char *text, size_t len, char *v2, size_t v2len, char *v1mem,
		      size_t v1len);
/* Parse a memory.max / memory.limit_in_bytes value: bytes, 0 for "max" or an
 * unlimited v1 value, -1 when malformed. */
double proc_limit_parse(const char *text, size_t len);

#endif
