/* probe_capture — one capture (heap snapshot, CPU profile, report) on its
 * way from a probe to a file.
 *
 * The probe streams a capture as chunks over its connection (doc/PROTOCOL.md);
 * they are written to a 0600 temp file in the output directory, made durable
 * off the loop thread on the reply and renamed, never replacing a file, to
 * <dir>/<name>-<pid>-<YYYYmmdd-HHMMSS>.<ext>.  Whatever ends a capture
 * otherwise removes the temp file: no partial file is ever left under a
 * final name.
 *
 * Ownership: collectors/probe_client keeps a running capture in a slot of its
 * per-process client; the capture clears that slot when it ends, and the
 * client orphans it (probe_capture_orphan) when the process is forgotten.
 * A capture frees itself when it ends.
 */
#ifndef VITALS_PROBE_CAPTURE_H
#define VITALS_PROBE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "base/model.h"

/* Called when a command finishes: ok != 0 and msg is the saved file's path
 * (captures) or a short text; ok == 0 and msg says why it failed. */
typedef void (*probe_done_cb)(void *ud, vproc *p, int ok, const char *msg);

typedef struct probe_capture probe_capture;

/* What the captures of one manager share; it outlives them (see hold). */
typedef struct probe_capture_env {
	uv_loop_t *loop;
	model *m;		/* status line, capture list */
	const char *out_dir;
	/* +1 when a file sync starts, -1 when it has ended */
	void (*hold)(void *owner, int delta);
	void *owner;
} probe_capture_env;

/* Check a request before anything is made: the command (heap_snapshot,
 * cpu_profile or report), the length of a CPU profile (1..300 s) and the
 * output directory's length.  0, or -1 with err set. */
int probe_capture_check(const probe_capture_env *env, const char *cmd, int seconds, char *err, size_t errlen);
/* Create the temp file of a checked request for p with command id id, and
 * write the command line to send into line.  thread_id > 0: a heap snapshot
 * of that worker thread (the file is named NAME-tTHREAD-PID-...).  Returns
 * the capture, or NULL with err set.  Once the line is sent, put it into
 * *slot; if it cannot be sent, probe_capture_cancel it. */
probe_capture *probe_capture_new(const probe_capture_env *env, probe_capture **slot, vproc *p,
				 const char *cmd, int seconds, int thread_id, long long id, probe_done_cb cb,
				 void *ud, char *line, size_t linelen, char *err, size_t errlen);
/* Drop a capture that never started: no callback. */
void probe_capture_cancel(probe_capture *j);

/* Whether a message with this id is for j, and j still takes messages. */
bool probe_capture_owns(const probe_capture *j, long long id);
/* A chunk of data (written at once; a write error ends the capture). */
void probe_capture_chunk(probe_capture *j, const char *data, size_t n);
/* The probe's reply; chars is its count of characters sent, NaN if none. */
void probe_capture_reply(probe_capture *j, bool ok, double chars);
/* End j without a file: why goes to the status line and the callback, which
 * runs last (it may forget the process). */
void probe_capture_fail(probe_capture *j, const char *why);
/* The process is forgotten: the callback (if notify) is told why, and the
 * temp file goes now or, if a sync is in flight, when it ends. */
void probe_capture_orphan(probe_capture *j, bool notify, const char *why);

/* "heap snapshot", "CPU profile", "report": for messages. */
const char *probe_capture_label(const probe_capture *j);
/* Bytes received so far. */
long long probe_capture_bytes(const probe_capture *j);

#endif
