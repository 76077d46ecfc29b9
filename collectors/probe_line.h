/* probe_line — the one parser of what a probe sends (doc/PROTOCOL.md v1).
 *
 * Pure: one JSON line in, the model changed (or not) out; no sockets, no
 * files, no loop.  A line is validated whole before it changes anything, so
 * a rejected line leaves the model as it was.  The numbers of a sample are
 * read as base/probe_series.h's table says; heap spaces, handles by type and
 * GC events have parsers of their own here.  Strings that may reach the
 * screen are cleaned of control characters before they leave this module.
 *
 * Command messages (chunk, reply, error) are checked here and handed to
 * whoever sent the command (collectors/probe_client) through probe_line_ops.
 */
#ifndef VITALS_PROBE_LINE_H
#define VITALS_PROBE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/model.h"

#define PROBE_PROTO_VERSION 1
#define PROBE_LINE_MAX (1u << 20)	/* protocol: probe → dashboard line cap */

/* A process warning (name and message cleaned); see probe_line_ops. */
typedef void (*probe_warning_cb)(void *ud, vproc *p, const char *name, const char *message,
				 int64_t t_ms);

/* Where the parts of a line that are not model data go.  Any member may be
 * NULL: warnings then go into the model's alert log, command messages are
 * only checked.  A command callback may forget or remove p. */
typedef struct probe_line_ops {
	probe_warning_cb on_warning;
	void (*on_chunk)(void *ud, vproc *p, long long id, const char *data, size_t n);
	/* bytes, hz: NaN when the reply has none */
	void (*on_reply)(void *ud, vproc *p, long long id, bool ok, double bytes, double hz);
	/* id 0: an error about no command; code and message cleaned */
	void (*on_error)(void *ud, vproc *p, long long id, const char *code, const char *message);
	void *ud;
} probe_line_ops;

/* Apply one protocol line to p.  Returns 0, or -1 with a one-line reason in
 * err.  Never crashes on bad input, and a rejected line changes nothing
 * (except that a hello of another protocol version marks p PROBE_FAILED).
 * Bumps m->dirty on success. */
int probe_line_apply(model *m, vproc *p, const char *line, size_t len, char *err, size_t errlen);
/* The same, with warnings and command messages handed to ops. */
int probe_line_apply_ops(model *m, vproc *p, const char *line, size_t len, const probe_line_ops *ops,
			 char *err, size_t errlen);

/* Whether p's probe said a hello we speak (samples may follow). */
bool probe_line_attached(const vproc *p);

/* printf into err (if any) and return -1: the error convention of the
 * probe modules. */
int probe_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
