/* probe_client — the dashboard's connections to probes (doc/PROTOCOL.md).
 *
 * A probe_mgr owns one client per attached process: it notices sockets
 * (<sockdir>/<pid>.sock) of processes in the model, connects over a libuv
 * pipe, splits what arrives into lines for collectors/probe_line (which feeds
 * the model: series into rings, GC events into the vnode's log, warnings into
 * the alert log), and sends commands.  It reconnects when a probe restarts,
 * marks a process whose probe vanished PROBE_LOST, and removes stale sockets
 * (ECONNREFUSED and the PID is gone).  Captures are written by
 * collectors/probe_capture.  Contract used by tui/app.c.
 */
#ifndef VITALS_PROBE_CLIENT_H
#define VITALS_PROBE_CLIENT_H

#include <stddef.h>
#include <uv.h>

#include "collectors/probe_capture.h"
#include "collectors/probe_line.h"
#include "base/model.h"

typedef struct probe_mgr probe_mgr;

/* Called for each sample applied to the model (alerts, headless output). */
typedef void (*probe_sample_cb)(void *ud, vproc *p);

typedef struct probe_mgr_opts {
	int hz;			/* sample rate asked of every probe, 1..20 */
	const char *out_dir;	/* captures go here ("." if NULL) */
	probe_sample_cb on_sample;
	/* each process warning; NULL: straight into the model's alert log.
	 * tui/app.c routes them to base/alerts (alerts_warning). */
	probe_warning_cb on_warning;
	void *ud;
	/* a capture that hears nothing from its probe this long (plus, before
	 * its first chunk, the profile's length or ~1 s per 10 MB of heap) is
	 * failed and cancelled in the probe; 0: 120 s */
	int capture_idle_ms;
} probe_mgr_opts;

/* Also sets SIGPIPE and SIGXFSZ to SIG_IGN if they were SIG_DFL: a probe
 * that goes away while we write must give EPIPE, and a capture over the
 * file size limit EFBIG, not end the dashboard. */
probe_mgr *probe_mgr_new(uv_loop_t *loop, model *m, const probe_mgr_opts *o);
/* Close every connection; frees the manager once libuv has closed its handles
 * and finished its file syncs (run the loop afterwards).  Running captures
 * are abandoned (temp files removed) without calling their callbacks.  Call
 * it before model_free: it clears every p->probe_data. */
void probe_mgr_close(probe_mgr *pm);
/* Let go of p (its connection, capture, pending gc) before model_remove(p);
 * pending callbacks are called with ok == 0.  Safe on a p never connected. */
void probe_mgr_forget(probe_mgr *pm, vproc *p);
/* Look for probe sockets of the model's live processes and connect. Cheap:
 * call every sampling tick (one stat per unconnected live process; none for
 * connected ones; once a minute one readdir of the socket directory to
 * remove sockets left by dead processes).  When a connection drops, a timer
 * polls for up to 200 ms whether the process exited (and left its socket)
 * before what was in flight fails; the loop never waits for it.  A capture
 * that timed out (probe_mgr_opts.capture_idle_ms) is failed here. */
void probe_mgr_scan(probe_mgr *pm);
/* Connect to p now if its socket exists (after an attach).  0 if connecting
 * or connected, -1 with p->probe_err saying why not. */
int probe_mgr_connect(probe_mgr *pm, vproc *p);

/* Commands on an attached process. Return 0 if sent, or -1 with err set.
 * One capture and one gc per process at a time.  Callbacks may call
 * probe_mgr_forget (and then model_remove) on p. */
int probe_mgr_capture(probe_mgr *pm, vproc *p, const char *cmd /* heap_snapshot|cpu_profile|report */,
		      int seconds, probe_done_cb cb, void *ud, char *err, size_t errlen);
/* The same for one worker thread of p (thread_id > 0: only heap_snapshot;
 * 0: the process, as probe_mgr_capture). */
int probe_mgr_capture_thread(probe_mgr *pm, vproc *p, const char *cmd, int seconds, int thread_id,
			     probe_done_cb cb, void *ud, char *err, size_t errlen);
int probe_mgr_gc(probe_mgr *pm, vproc *p, probe_done_cb cb, void *ud, char *err, size_t errlen);
/* 1..20 for every connection, now and later; -1 if out of range. */
int probe_mgr_set_hz(probe_mgr *pm, int hz);
/* Bytes received so far of p's running capture, or -1 if none. */
long long probe_mgr_progress(probe_mgr *pm, vproc *p);

#endif
