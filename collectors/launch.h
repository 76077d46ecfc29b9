/* launch — `vitals -- node app.js`: spawn the program with the probe added to
 * NODE_OPTIONS (--require <probe>), capture stdout/stderr line by line into the
 * model's log and a log file, forward SIGINT/SIGTERM, record the exit status.
 * Contract used by tui/app.c; the owner may extend it. */
#ifndef VITALS_LAUNCH_H
#define VITALS_LAUNCH_H

#include <stdbool.h>
#include <uv.h>

#include "core/model.h"

typedef struct launch launch;

/* argv is NULL-terminated. log_path may be NULL (no file). Returns NULL with a
 * one-line reason in err (e.g. "node-app: command not found"). The child is
 * added to the model (launched = true). */
launch *launch_start(uv_loop_t *loop, model *m, char *const argv[], const char *probe_path,
		     const char *log_path, char *err, size_t errlen);
bool launch_running(const launch *l);
int launch_pid(const launch *l);
/* Forward a signal to the child (its process group). */
void launch_signal(launch *l, int sig);
/* Close handles; the child is signalled SIGTERM if still running. */
void launch_close(launch *l);

#endif
