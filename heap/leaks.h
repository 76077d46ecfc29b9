/* leaks — memlab's three-snapshot method: objects allocated between
 * BASELINE and TARGET (ids in TARGET, not in BASELINE) that are still alive
 * in FINAL are leak candidates; the action repeated between TARGET and FINAL
 * should have freed them.  In FINAL they are clustered by the shape of their
 * retainer path (retainers.h) and ranked by retained size.
 *
 * Only one snapshot is loaded at a time: BASELINE becomes a sorted id array,
 * TARGET the sorted ids it adds, then FINAL is analysed (dominators,
 * retainer paths).  Counted as candidates are the objects a program makes:
 * V8's internal kinds (hidden/system, code, object shapes, synthetic nodes,
 * heap numbers) are left out, as memlab's filters do.  A cluster counts the
 * *outer* leaked objects, those not held under another leaked object in the
 * dominator tree, so the strings and arrays inside a leaked Session are
 * counted in its retained size, not as clusters of their own.
 */
#ifndef VITALS_HEAP_LEAKS_H
#define VITALS_HEAP_LEAKS_H

#include <stddef.h>
#include <stdint.h>

#include "heap/devtools.h"
#include "heap/retainers.h"
#include "heap/snapshot.h"

typedef struct heap_leaks {
	uint64_t baseline_nodes, target_nodes, final_nodes;
	uint64_t added;		/* candidates: new in TARGET */
	uint64_t leaked;	/* of those, still alive in FINAL */
	uint64_t outer;		/* leaked objects under no other leaked one */
	uint64_t retained;	/* their retained sizes summed */
	size_t nclusters;	/* in all */
	size_t nshown;
	heap_path *clusters;	/* [nshown] by retained size; count = outer objects */
} heap_leaks;

/* NULL with "FILE: message" in err. */
heap_leaks *heap_leaks_new(const char *baseline, const char *target, const char *final, heap_parser parser,
			   heap_view view, size_t top, char *err, size_t errlen);
/* The same on loaded snapshots (tests, fuzzing); err without file names. */
heap_leaks *heap_leaks_snapshots(const heap_snapshot *baseline, const heap_snapshot *target,
				 const heap_snapshot *final, size_t top, char *err, size_t errlen);
void heap_leaks_free(heap_leaks *l);

#endif
