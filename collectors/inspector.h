/* inspector — attach the probe to a running Node process without a restart:
 * SIGUSR1 → inspector on 127.0.0.1:9229 → GET /json/list → WebSocket (wslay,
 * verified Sec-WebSocket-Accept) → Runtime.evaluate: check process.pid, inject
 * probe/vitals-probe.js → the probe closes the inspector again if vitals opened
 * it.  See ../shared/DESIGN.md "Attaching".  Attaches are serialised (9229 is
 * one port): requests queue.  Contract used by tui/app.c; the owner may extend.
 */
#ifndef VITALS_INSPECTOR_H
#define VITALS_INSPECTOR_H

#include <uv.h>

typedef struct inspector inspector;

/* err == 0: the probe is running in pid and its socket exists.
 * Otherwise err is a negative errno-like code and msg one line for the user
 * ("process handles SIGUSR1 itself; restart it with vitals -- node … or node -r …"). */
typedef void (*inspector_done_cb)(void *ud, int pid, int err, const char *msg);

inspector *inspector_new(uv_loop_t *loop, const char *probe_path);
/* Queue an attach of pid. Returns 0 or -1 (msg in err). */
int inspector_attach(inspector *in, int pid, inspector_done_cb cb, void *ud, char *err, size_t errlen);
/* Cancel everything; frees once libuv has closed the handles. */
void inspector_close(inspector *in);

#endif
