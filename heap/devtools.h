/* devtools — a loaded snapshot turned into what Chrome DevTools' Summary
 * shows (chrome-devtools-frontend 1.0.1705227,
 * front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts), as opposed to
 * V8's raw nodes.  In DevTools' order:
 *  1. detachedness: native nodes reachable from an attached native node are
 *     attached, the rest reachable from a detached one detached (not through
 *     JavaScript, hidden or weak edges); detached ones are renamed
 *     "Detached <name>";
 *  2. shallow sizes: a hidden or array node (or "system / ExternalStringData")
 *     reached, not through weak edges, from exactly one other kind of node
 *     has its self size moved onto that owner (unless the owner is synthetic
 *     or the root; skipped when the root has no user roots);
 *  3. essential edges: an internal edge from a WeakMap's table to a value
 *     (named "N / part of key (...) -> value (...) pair in WeakMap (table @ID)"
 *     on the table, ID its id) does not count for dominators;
 *  4. class names: hidden "(system)", code "(compiled code)", closure
 *     "Function", regexp "RegExp", object and native by name ("<div id=x>"
 *     becomes "<div>"), the rest "(type)";
 *  5. plain objects (object type named "Object") are named after the
 *     property sets most objects share, "{user, items}": candidates are the
 *     first properties of each object (name cut at 120 characters), kept if
 *     at least max(2, objects / 1000) objects start with them; an object
 *     takes the kept set with the most properties all of which it has (the
 *     most common first among equals);
 *  6. class keys: objects with a constructor location ("locations") are
 *     keyed by (script, line, column, class name), so two constructors of one
 *     name make two rows.
 * The node_class, node_loc, nloc_keys and edge_skip columns are filled and
 * node_self and node_name changed in place; summary.h's heap_class_key and
 * heap_class_name_dup read them.
 */
#ifndef VITALS_HEAP_DEVTOOLS_H
#define VITALS_HEAP_DEVTOOLS_H

#include <stddef.h>

#include "heap/snapshot.h"

/* Which numbers a report shows. */
typedef enum heap_view {
	HEAP_VIEW_DEVTOOLS = 0,	/* DevTools' Summary (the default) */
	HEAP_VIEW_RAW,		/* V8's nodes as written */
} heap_view;

/* Returns 0, or -1 with a message (out of memory only). */
int heap_devtools_apply(heap_snapshot *s, char *err, size_t errlen);
/* The same but rule 3, which only the dominators read (edge_skip): for a
 * caller that has no dominators to compute, or computes them later, with
 * heap_devtools_essential_edges first (the explorer, on its thread). */
int heap_devtools_apply_classes(heap_snapshot *s, char *err, size_t errlen);
int heap_devtools_essential_edges(heap_snapshot *s, char *err, size_t errlen);

/* heap_snapshot_load, then heap_devtools_apply unless view is RAW. */
heap_snapshot *heap_snapshot_load_view(const char *path, heap_parser parser, heap_view view, char *err,
				       size_t errlen);

#endif
