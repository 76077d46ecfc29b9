/* report — renders heap summaries and diffs as an aligned text table or as
 * JSON.  Names come from the snapshot (outside input): in text they are cut
 * to the column and control characters are shown as '?', so a hostile
 * snapshot cannot move the cursor or garble the terminal.
 */
#ifndef VITALS_HEAP_REPORT_H
#define VITALS_HEAP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "heap/diff.h"
#include "heap/leaks.h"
#include "heap/summary.h"

typedef struct heap_report_opts {
	size_t top;	/* rows to show */
	bool json;
	bool narrow;	/* text diff in 80 columns: count and size deltas only (the TUI) */
} heap_report_opts;

/* Both return 0, or -1 if writing failed. */
int heap_report_summary(FILE *f, const char *path, const heap_summary *sum, const heap_report_opts *o);
int heap_report_diff(FILE *f, const char *before, const char *after, const heap_diff *d,
		     const heap_report_opts *o);
/* files: BASELINE, TARGET, FINAL. */
int heap_report_leaks(FILE *f, const char *const files[3], const heap_leaks *l, const heap_report_opts *o);

#endif
