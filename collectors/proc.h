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
 */
#ifndef VITALS_PROC_H
#define VITALS_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/model.h"

typedef struct proc_collector proc_collector;

typedef struct proc_info {
	int pid, ppid;
	uint64_t start_time;
	uid_t uid;
	char name[NAME_LEN];
	bool is_node;		/* executable is node or nodejs */
} proc_info;

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

/* CPU % of one core from a tick delta over dt_ms (pure; unit-tested). */
double proc_cpu_pct(uint64_t dticks, int64_t dt_ms, long ticks_per_sec);

#endif
