/* inspector — the attach state machine: inject the probe into a running Node
 * process without a restart.  SIGUSR1 → inspector on 127.0.0.1:9229 (in the
 * target's network namespace) → the CDP client (collectors/cdp) checks
 * process.pid and injects probe/vitals-probe.js → the probe closes the
 * inspector again if vitals opened it.  See ../shared/DESIGN.md "Attaching".
 * Attaches are serialised (9229 is one port): requests queue.  Node's own
 * flags are read by collectors/node_flags, /proc by collectors/procfs.
 */
#ifndef VITALS_INSPECTOR_H
#define VITALS_INSPECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct inspector inspector;

/* err == 0: the probe is running in pid and its socket exists.
 * Otherwise err is a negative errno-like code and msg one line for the user
 * ("process handles SIGUSR1 itself; restart it with vitals -- node … or node -r …").
 * Codes: -ESRCH no such process, -EPERM another user's, -ENOTSUP not Node /
 * Node too old, -EADDRINUSE the inspector port is held by another process,
 * -ETIMEDOUT no inspector after SIGUSR1 / overall timeout, -EPROTO the
 * inspector answered nonsense, -EIO the probe failed to start, -ENOENT the
 * probe file is missing. */
typedef void (*inspector_done_cb)(void *ud, int pid, int err, const char *msg);

/* probe_path is copied. The probe's socket directory is paths_sock_dir(). */
inspector *inspector_new(uv_loop_t *loop, const char *probe_path);
/* Queue an attach of pid. Returns 0 or -1 (msg in err). cb fires exactly once
 * per accepted attach — unless inspector_close() comes first.  When SIGUSR1
 * opens no inspector within 1.5 s, cb reports -ETIMEDOUT then, but the job
 * stays at the head of the queue up to 6 s more, to close an inspector that
 * a process busy in native code opens late (later attaches wait for it). */
int inspector_attach(inspector *in, int pid, inspector_done_cb cb, void *ud, char *err, size_t errlen);
/* Number of attaches queued or running. */
int inspector_pending(const inspector *in);
/* Cancel everything: queued attaches are dropped and NO callback runs any
 * more (the caller is tearing down).  A running attach that already sent
 * SIGUSR1 finishes silently first, so the inspector vitals opened is closed
 * again (typically 0.2 s, at most ~12 s for a wedged target); then the
 * inspector frees itself — keep running the loop (uv_run until it ends).
 * Safe to call from inside a done callback. */
void inspector_close(inspector *in);

#endif
