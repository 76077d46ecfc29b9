/* diag — what a heap snapshot will cost the target, decided before asking the
 * user.  Figures from ../shared/DESIGN.md: the target freezes ~3-4 s at 45 MB
 * of heap, ~7 s at 90 MB, and its RSS grows by roughly 5x the heap (not given
 * back).  Pure arithmetic, unit-tested; the app supplies the numbers. */
#ifndef VITALS_DIAG_H
#define VITALS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct snap_cost {
	double freeze_s;	/* expected pause of the target */
	double rss_growth;	/* bytes */
	double headroom;	/* bytes left under the limit, <0 if unknown */
	bool limit_is_cgroup;	/* headroom is under the cgroup limit (else host memory) */
	bool refuse;		/* headroom clearly too small */
} snap_cost;

/* heap_used: bytes; rss: bytes; cgroup_limit: bytes or 0; mem_available:
 * host MemAvailable bytes or <0 if unknown. */
snap_cost diag_snapshot_cost(double heap_used, double rss, double cgroup_limit, double mem_available);
/* The confirmation question for the user (one line). */
void diag_snapshot_prompt(const snap_cost *c, int pid, const char *name, double heap_used,
			  char *buf, size_t n);
/* "48.2 MB" style, 1000-based units for files, 1024 for memory? — we use 1024 (MiB shown as MB). */
const char *diag_bytes(double b, char *buf, size_t n);

#endif
