/* dominators — the dominator tree of a heap snapshot and the retained size of
 * every node, computed the way Chrome DevTools' HeapSnapshot.js does so that
 * our numbers match its "Retained Size" column:
 *  - the graph is rooted at the snapshot root (node 0 unless meta root_index);
 *  - weak edges are ignored, as are a node's edges to itself and (in
 *    DevTools' view, edge_skip) a WeakMap table's edges to its values;
 *    shortcut edges count only from the root (elsewhere they are mere
 *    shortcuts, at the root they mark the user's global objects);
 *  - nodes reachable from those globals are "page" nodes, and an edge from a
 *    non-page node into a page node is ignored (except from the root), so that
 *    objects the debugger or the runtime also holds are attributed to the page;
 *  - a node no such edge holds (held only weakly, or not at all) is held by
 *    the root, as DevTools' second DFS pass does; what is still unreachable
 *    (cycles nothing else holds) is dominated by the root and dominates
 *    nothing;
 *  - idoms come from the semi-NCA algorithm (semidominators with path
 *    compression, then nearest common ancestors on the DFS tree): one pass,
 *    exact, equal to the fixed point of the Cooper-Harvey-Kennedy iteration
 *    used before and to DevTools' Lengauer-Tarjan;
 *  - retained(n) = self(n) + the retained sizes of the nodes n dominates.
 *
 * Invariants: idom[root] == root; for every other node, idom[n] != n and the
 * idom chain reaches the root; retained[root] is the sum of all self sizes.
 * dom_first/dom_child list each node's dominated children (CSR layout).
 */
#ifndef VITALS_HEAP_DOMINATORS_H
#define VITALS_HEAP_DOMINATORS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/snapshot.h"

typedef struct heap_dominators {
	uint32_t node_count;
	uint32_t *idom;		/* [node_count] immediate dominator (ordinal) */
	uint64_t *retained;	/* [node_count] retained size in bytes */
	uint32_t *dom_first;	/* [node_count + 1] */
	uint32_t *dom_child;	/* [node_count] (node_count - 1 used) */
} heap_dominators;

/* Returns NULL with a message in err (only on allocation failure). */
heap_dominators *heap_dominators_new(const heap_snapshot *s, char *err, size_t errlen);
/* The same on a thread that may be told to stop: NULL with "cancelled" soon
 * after *cancel becomes nonzero (it is read between the phases, the longest
 * a few tenths of a second at 400 MB). */
heap_dominators *heap_dominators_new_cancel(const heap_snapshot *s, const atomic_int *cancel, char *err,
					    size_t errlen);
void heap_dominators_free(heap_dominators *d);

#endif
