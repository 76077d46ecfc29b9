/* summary — a snapshot aggregated by constructor, as DevTools' Summary view.
 *
 * Class names follow DevTools (JSHeapSnapshotNode.className): "object" and
 * "native" nodes are grouped by their name (the constructor, e.g. "Leaky",
 * "Object", "Array"); "hidden" nodes are "(system)", "code" nodes
 * "(compiled code)", and every other type is "(" + type name + ")":
 * "(string)", "(array)", "(closure)", "(concatenated string)",
 * "(sliced string)", "(number)", "(regexp)", "(symbol)", "(bigint)",
 * "(synthetic)", "(object shape)", ...  As in DevTools, a node with self size
 * 0 is left out of the class rows unless it is native (totals count every
 * node).
 *
 * Retained size of a class (DevTools' aggregate "maxRet"): the sum of the
 * retained sizes of its objects that have no dominator of the same class
 * above them in the dominator tree — so nested objects of one class are not
 * counted twice and the figure never exceeds the heap.
 */
#ifndef VITALS_HEAP_SUMMARY_H
#define VITALS_HEAP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/devtools.h"
#include "heap/dominators.h"
#include "heap/retainers.h"
#include "heap/snapshot.h"

typedef struct heap_class {
	char *name;
	uint64_t count, self, retained;
	uint32_t slot;		/* dense index before sorting (internal) */
	/* Retainer paths of its objects grouped by shape, largest first (the
	 * objects counted in retained: those under no other of the class). */
	size_t npaths, ngroups;	/* listed, and groups in all */
	heap_path *paths;
} heap_class;

typedef struct heap_object {
	char *class_name;
	char *name;		/* node name (function name, string text, ...) */
	uint32_t id;
	uint64_t self, retained;
	heap_path path;		/* nhops 0 when no retainers were given */
} heap_object;

typedef enum heap_sort { HEAP_SORT_DEFAULT = 0, HEAP_SORT_COUNT, HEAP_SORT_SELF, HEAP_SORT_RETAINED } heap_sort;

typedef struct heap_summary {
	uint64_t nodes, edges, self_total;	/* every node and edge */
	bool has_retained;
	bool has_paths;				/* objects and top classes carry paths */
	heap_view view;				/* set by the caller, for the report */
	uint64_t reachable;			/* retained size of the root (DevTools: total) */
	size_t nclasses;
	heap_class *classes;			/* sorted as asked, all of them */
	size_t nobjects;
	heap_object *objects;			/* largest by retained size */
} heap_summary;

/* DevTools' class name of node i, malloc'd (NULL when out of memory). */
char *heap_class_name_dup(const heap_snapshot *s, uint32_t i);
/* Whether node i counts in class rows: self size > 0 (or, in V8's raw
 * view, native). */
bool heap_node_counted(const heap_snapshot *s, uint32_t i);
/* Node i's class as a number below heap_class_keys(s): V8's raw view keys
 * objects and natives by name and the rest by type; after
 * heap_devtools_apply, DevTools' class name, or its constructor location and
 * class for objects that have one. */
size_t heap_class_key(const heap_snapshot *s, uint32_t i);
size_t heap_class_keys(const heap_snapshot *s);

/* What heap_summary_new computes beyond the class table. */
typedef struct heap_summary_opts {
	heap_sort sort;
	size_t top_objects;		/* largest objects to list (needs d) */
	const heap_retainers *r;	/* NULL: no retainer paths */
	size_t path_classes;		/* classes (from the top) given paths */
	size_t paths_per_class;		/* path groups kept per class */
	uint32_t **node_class;		/* if set: *node_class gets a malloc'd
					 * [node_count] array, each node's index in
					 * classes[] (UINT32_MAX: not counted) */
} heap_summary_opts;

/* d may be NULL (no retained sizes; paths are then grouped by self size).
 * NULL on allocation failure, with a message. */
heap_summary *heap_summary_new(const heap_snapshot *s, const heap_dominators *d, const heap_summary_opts *o,
			       char *err, size_t errlen);
void heap_summary_free(heap_summary *sum);

/* The retained size of each class (DevTools' aggregate, as in
 * heap_summary_new) added into ret[nclasses]: node_class[i] is node i's
 * class below nclasses, or UINT32_MAX when it is in none.  outer, if set,
 * gets 1 for each object counted (under no other of its class).  0, or -1
 * when out of memory. */
int heap_class_retained(const heap_snapshot *s, const heap_dominators *d, const uint32_t *node_class,
			size_t nclasses, uint64_t *ret, uint8_t *outer);

#endif
