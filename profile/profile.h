/* profile — a V8 CPU profile (.cpuprofile: `node --cpu-prof`, DevTools'
 * "Save profile", the probe's `p` capture) reduced to one row per function
 * with self and total time, as DevTools' Bottom-Up tab shows them.
 *
 * Data: the file is parsed whole with jansson (profiles are small: ~1000
 * samples a second, a 60 s profile is 1-3 MB) into flat arrays — nodes with
 * their parent and function index, samples with their node and duration —
 * from which the per-function rows are computed; the JSON tree is freed
 * before profile_load returns.  A profile owns every string it points to.
 *
 * Invariants after a successful load: the node tree is a tree rooted at the
 * first node (ids unique, each node has one parent, no cycles); every sample
 * names a node of that tree; a function's total is >= its self time and
 * <= the profile's duration.
 */
#ifndef VITALS_PROFILE_H
#define VITALS_PROFILE_H

#include <stddef.h>

typedef struct profile_fn {
	const char *name;	/* "(anonymous)" for an unnamed function */
	const char *url;	/* script URL or path, "" for V8's own nodes */
	int line, column;	/* 1-based as DevTools shows them; 0 = unknown */
	double self_ms;		/* time this function was on top of the stack */
	double total_ms;	/* time it was anywhere on it, once per stack */
	long samples;		/* samples with it on top */
} profile_fn;

typedef struct profile {
	double duration_ms;	/* first sample to the end of the last */
	long nsamples;
	size_t nnodes;
	profile_fn *fns;	/* sorted by self time, largest first */
	size_t nfns;
	char *strings;		/* backing store of every name and url */
} profile;

typedef enum profile_sort { PROFILE_SORT_SELF = 0, PROFILE_SORT_TOTAL } profile_sort;

/* Parse and analyse a profile held in memory.  Returns NULL with a one-line
 * reason in err (no file name: the caller adds it). */
profile *profile_parse(const char *buf, size_t len, char *err, size_t errlen);
/* The same for a file; err says "cannot open: ..." etc. */
profile *profile_load(const char *path, char *err, size_t errlen);
void profile_free(profile *p);
/* Re-sort the rows (ties: by the other time, then name). */
void profile_sort_by(profile *p, profile_sort key);

#endif
