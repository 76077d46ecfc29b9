/* launch — `vitals -- node app.js`: spawn the program with the probe added to
 * NODE_OPTIONS (--require <probe>), capture stdout/stderr line by line into the
 * model's log and a log file, forward SIGINT/SIGTERM, record the exit status.
 * Contract used by tui/app.c; the owner may extend it. */
#ifndef VITALS_LAUNCH_H
#define VITALS_LAUNCH_H

#include <stdbool.h>
#include <uv.h>

#include "base/model.h"

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
/* Close: a running child is signalled SIGTERM and, if it is still there
 * LAUNCH_GRACE_MS later, SIGKILL (its process group).  Frees once the child
 * is gone and libuv has closed the handles (keep running the loop: at most
 * LAUNCH_GRACE_MS + 1 s).  Its probe socket is removed. */
#define LAUNCH_GRACE_MS 3000
void launch_close(launch *l);

/* True once the child's stdout and stderr both reached end of file (all its
 * output is in the log).  A grandchild holding them open delays this. */
bool launch_drained(const launch *l);
/* The child's wait status (as from waitpid: WIFEXITED…) once it ended, else -1. */
int launch_wait_status(const launch *l);

/* The log pane's form of one line of output (without its newline): "! "
 * for stderr, "tag: " in demo mode, a trailing CR dropped, colour sequences
 * dropped and other control characters shown as '?'.  Written to out (n
 * bytes, NUL-terminated); returns its length.  Pure: for the fuzz harness. */
size_t launch_log_line(char *out, size_t n, const char *tag, bool is_err, const char *line, size_t len);

/* `vitals --demo`: launch demo/healthy.js, demo/leaky.js and demo/stall.js
 * from demo_dir (paths_data("demo")) with `node`, each tagged in the log
 * ("leaky: …").  Stores up to max handles in out; returns how many started,
 * or -1 with err when none could start. */
int launch_demo(uv_loop_t *loop, model *m, const char *probe_path, const char *demo_dir,
		const char *log_path, launch **out, int max, char *err, size_t errlen);

#endif
