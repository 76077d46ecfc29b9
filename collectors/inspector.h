/* inspector — attach the probe to a running Node process without a restart:
 * SIGUSR1 → inspector on 127.0.0.1:9229 → GET /json/list → WebSocket (wslay,
 * verified Sec-WebSocket-Accept) → Runtime.evaluate: check process.pid, inject
 * probe/vitals-probe.js → the probe closes the inspector again if vitals opened
 * it.  See ../shared/DESIGN.md "Attaching".  Attaches are serialised (9229 is
 * one port): requests queue.  Contract used by tui/app.c; the owner may extend.
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

/* ---- pure helpers, exposed for tests and the fuzz harness (fuzz_inspector) ---- */

/* Inspector flags found in a command line or NODE_OPTIONS. */
typedef struct inspector_flags {
	bool inspect;		/* --inspect, --inspect-brk or --inspect-wait: open from the start */
	bool no_sigusr1;	/* --disable-sigusr1 */
	int port;		/* from --inspect[=..] / --inspect-port; -1 = default 9229, 0 = random */
	char host[64];		/* "" = default 127.0.0.1 */
} inspector_flags;

void inspector_flags_init(inspector_flags *f);
/* Scan a /proc/PID/cmdline (NUL-separated; options stop at the script name). */
void inspector_flags_cmdline(inspector_flags *f, const char *buf, size_t len);
/* Scan a NODE_OPTIONS value (blank-separated, "double quotes" and \ escapes). */
void inspector_flags_node_options(inspector_flags *f, const char *s);

/* Parse an HTTP/1.x response head in buf[0..len).  Returns the head's length
 * (through the blank line) when complete, 0 when more bytes are needed, -1
 * when malformed or longer than 16 KiB.  *status: the code; *content_length:
 * Content-Length or -1; accept (may be NULL): Sec-WebSocket-Accept or "". */
long inspector_http_head(const char *buf, size_t len, int *status, long *content_length,
			 char *accept, size_t acceptlen);
/* From a /json/list body, the path of the first webSocketDebuggerUrl
 * ("/2f0c…").  0, or -1 with a reason in err. */
int inspector_ws_path(const char *body, size_t len, char *path, size_t n, char *err, size_t errlen);
/* Sec-WebSocket-Accept for key: base64(SHA1(key + RFC 6455 GUID)), 28 chars + NUL. */
void inspector_ws_accept(const char *key, char out[29]);
/* Look at one CDP message for the reply to want_id.  Returns 1 and (when
 * value is not NULL) a copy of result.result.value as JSON text (caller frees)
 * or NULL when the value is undefined; 0 when the message is something else
 * (an event, another id); -1 with err when it is our reply but an error or a
 * thrown exception, or not JSON. */
int inspector_cdp_reply(const char *msg, size_t len, int want_id, char **value, char *err,
			size_t errlen);

#endif
