/* headless — `vitals --json`: one JSON line per sample per process and one per
 * alert transition, on a FILE.  Field names are stable (README "JSON output"). */
#ifndef VITALS_HEADLESS_H
#define VITALS_HEADLESS_H

#include <stdio.h>

#include "base/model.h"

/* Each writes one line and flushes it; returns 0, or -errno when writing
 * failed (a closed pipe: -EPIPE). */
/* One "sample" line for p as of now_ms. */
int headless_sample(FILE *out, const vproc *p, int64_t now_ms);
/* One "alert" line; host: the --remote host it came from, or NULL. */
int headless_alert(FILE *out, const model_alert *a, const char *host);
/* One "process" line when a process appears / exits / gets a probe. */
int headless_event(FILE *out, const vproc *p, const char *event, const char *detail, int64_t now_ms);

#endif
