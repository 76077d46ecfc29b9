/* retainers — why an object is still alive: for every node, the shortest
 * path from the GC roots that reaches it (DevTools' "distance" and the first
 * line of its Retainers pane), and a key naming the *shape* of that path so
 * that a million objects held the same way can be reported as one path with
 * a count.
 *
 * The paths form a breadth-first tree, built as DevTools computes distances
 * (HeapSnapshot.calculateDistances): first from the user roots (the root's
 * edges to non-synthetic nodes: the global objects), then from the root for
 * what those do not reach; weak edges are never followed, and neither are
 * the two edges DevTools filters out (a NativeContext's sloppy_function_map,
 * the descriptor slots of "(map descriptors)").  Because every node's parent
 * was reached one hop earlier, following parents from any node gives a
 * shortest path, and the first discovered one among equals.
 *
 * Invariants: parent[root] == HEAP_NO_PARENT; a node with parent ==
 * HEAP_NO_PARENT other than the root is held only by weak edges (or not at
 * all) and has key 0; otherwise via[n] is an edge of parent[n] whose target
 * is n, dist[n] == dist[parent[n]] + 1, and key[n] != 0.
 *
 * Shape key: a hash of the path's hops, each hop being the edge (its type,
 * and its name except for element/hidden edges and names that are only
 * digits, such as a Map's table slots: those are left out) and
 * the class of the node reached (type, and name for objects, closures,
 * arrays and system nodes; never a string's text).
 */
#ifndef VITALS_HEAP_RETAINERS_H
#define VITALS_HEAP_RETAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/snapshot.h"

#define HEAP_NO_PARENT UINT32_MAX
/* A path keeps at most this many hops, those nearest the object. */
#define HEAP_PATH_MAX_HOPS 32

typedef struct heap_retainers {
	uint32_t node_count;
	uint32_t *parent;	/* [node_count] */
	uint32_t *via;		/* [node_count] edge ordinal parent -> node */
	uint32_t *dist;		/* [node_count] hops from the root */
	uint64_t *key;		/* [node_count] shape of the path, 0 if none */
} heap_retainers;

/* One hop: the edge followed and the node it reached. */
typedef struct heap_hop {
	char *edge;	/* "sessions", "[1742]", "table"; NULL for the first node */
	char *node;	/* the node's label: "Map", "handler()", "(GC roots)" */
	uint32_t id;
	bool synthetic;	/* a synthetic node: its id means nothing to a user */
} heap_hop;

/* A retainer path, possibly standing for a group of objects held alike. */
typedef struct heap_path {
	size_t nhops;		/* 0: held only by weak edges, or unreachable */
	heap_hop *hops;		/* from the node below the root to the object */
	size_t elided;		/* hops left out between the root and hops[0] */
	uint64_t count;		/* objects in the group */
	uint64_t self, retained;	/* summed over the group */
} heap_path;

/* NULL with a message in err (allocation failure only). */
heap_retainers *heap_retainers_new(const heap_snapshot *s, char *err, size_t errlen);
void heap_retainers_free(heap_retainers *r);

/* The path of node i into *p (count 1; self and retained as given).
 * Returns 0, or -1 when out of memory. */
int heap_path_of(const heap_snapshot *s, const heap_retainers *r, uint32_t i, uint64_t retained,
		 heap_path *p);
void heap_path_close(heap_path *p);
void heap_paths_free(heap_path *p, size_t n);

/* Group nodes[0..n) by shape key; each group is described by the path of
 * its member with the largest retained size (largest self size if retained
 * is NULL).  Groups are sorted by summed retained size (or self size), then
 * count; at most max are returned in *out (malloc'd, heap_paths_free), the
 * number of groups in all in *ngroups.  Returns the number in *out, or -1
 * when out of memory. */
long heap_paths_group(const heap_snapshot *s, const heap_retainers *r, const uint32_t *nodes, size_t n,
		      const uint64_t *retained, size_t max, heap_path **out, size_t *ngroups);

/* The label of node i in a path, malloc'd: the constructor for objects,
 * "name()" for closures, the name of synthetic, system and array nodes, the
 * class ("(string)", ...) for the rest. */
char *heap_node_label(const heap_snapshot *s, uint32_t i);

#endif
