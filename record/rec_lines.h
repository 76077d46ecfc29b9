/* rec_lines — the lines of a recording, written and applied to a model.
 *
 * A recording's lines are the headless --json lines (tui/headless.c:
 * "sample", "alert", "process"; a sample's probe numbers keyed by the json
 * column of base/probe_series.h) plus two of its own:
 *   {"t":"record","v":1,"ts":…,"host":"…","interval_ms":1000}  at each file start
 *   {"t":"gc","ts":…,"pid":…,"ev":[[t_ms,dur_ms,kind,flags],…]}  GC events since the last
 * Every line has "t" and "ts" (ms since the epoch).  A file after a rotation
 * repeats its processes ("found"), their GC history and the alerts still
 * firing; applying those again changes nothing.  Replay applies them in
 * order to a model as the collectors would have: processes found and gone,
 * latest values and one ring push per sample, GC events, the alert log.
 *
 * rec_line_parse is the one parser of recorded input (fuzzed: fuzz/fuzz_record):
 * a line it refuses is skipped with a reason; it never changes the model. */
#ifndef VITALS_REC_LINES_H
#define VITALS_REC_LINES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/model.h"

/* Header line of a file or stream. 0, or -errno. */
int rec_write_header(FILE *out, int64_t now_ms, int interval_ms);
/* A "gc" line with p's GC events after the first *seen of those ever logged
 * (n->gc_total counts them); updates *seen.  Nothing when none are new. */
int rec_write_gc(FILE *out, const vproc *p, uint64_t *seen, int64_t now_ms);

typedef struct rec_line rec_line;	/* one parsed line (owned by the caller) */

/* Parse one line: NULL with a one-line reason in err. */
rec_line *rec_line_parse(const char *line, size_t len, char *err, size_t errlen);
int64_t rec_line_ts(const rec_line *l);
/* A "record" header line (what a recording starts with). */
bool rec_line_is_header(const rec_line *l);
/* Apply to m, to the processes of host (NULL or "": this one's; a
 * --remote host's have vproc.host set); 0, or -1 with a reason in err (a
 * header of another version). */
int rec_line_apply(const rec_line *l, model *m, const char *host, char *err, size_t errlen);
void rec_line_free(rec_line *l);

#endif
