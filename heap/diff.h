/* diff — what changed between two snapshots of one process, per class, as
 * DevTools' Comparison view: objects are matched by node id (V8 keeps an
 * object's id across snapshots), so "new" are ids of the class present only
 * after, "deleted" ids present only before.  Class names and the rule for
 * which nodes count are summary.h's.
 *
 * Only one snapshot is loaded at a time: each side is reduced to per-class
 * sorted (id, self size) lists and BEFORE is freed before AFTER is read;
 * AFTER stays loaded only while the retainer paths of the new objects of the
 * classes that grew most are found.  Rows are sorted by growth: size delta, then count delta
 * (HEAP_SORT_COUNT swaps the two), descending; classes that did not change
 * are left out.
 */
#ifndef VITALS_HEAP_DIFF_H
#define VITALS_HEAP_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/devtools.h"
#include "heap/retainers.h"
#include "heap/snapshot.h"
#include "heap/summary.h"

typedef struct heap_diff_row {
	char *name;
	uint64_t before_count, before_self, after_count, after_self;
	uint64_t added, removed;		/* objects, matched by id */
	uint64_t added_size, removed_size;	/* their self sizes */
	/* retainer paths of the new objects in AFTER, grouped by shape,
	 * largest self size first (the top path_rows growing rows only) */
	size_t npaths, ngroups;
	heap_path *paths;
} heap_diff_row;

typedef struct heap_diff {
	uint64_t before_nodes, after_nodes, before_self, after_self;
	size_t nrows;
	heap_diff_row *rows;
	bool has_paths;
	heap_view view;
} heap_diff;

/* A snapshot reduced to its classes (by name, sorted, distinct; equal names
 * merged), each with its objects as (id, node ordinal, self size) sorted by
 * id: what a comparison needs of BEFORE once it is freed. */
typedef struct heap_side_obj {
	uint32_t id;
	uint32_t node;	/* ordinal in its snapshot */
	uint64_t self;
} heap_side_obj;

typedef struct heap_side_class {
	char *name;
	size_t n;
	heap_side_obj *objs;
	uint64_t self;
} heap_side_class;

typedef struct heap_side {
	uint64_t nodes, self_total;
	size_t nclasses;
	heap_side_class *classes;
} heap_side;

/* 0, or -1 when out of memory (sd is then empty). */
int heap_side_init(heap_side *sd, const heap_snapshot *s);
void heap_side_close(heap_side *sd);

/* Load both files and compare them; path_rows: how many of the rows that
 * grew get retainer paths of their new objects (0: none, and AFTER need not
 * stay loaded while they are found).  NULL with "FILE: message" in err. */
heap_diff *heap_diff_new(const char *before, const char *after, heap_parser parser, heap_view view,
			 heap_sort sort, size_t path_rows, char *err, size_t errlen);
/* The same on two loaded snapshots (tests, fuzzing); err without file names. */
heap_diff *heap_diff_snapshots(const heap_snapshot *before, const heap_snapshot *after, heap_sort sort,
			       size_t path_rows, char *err, size_t errlen);
void heap_diff_free(heap_diff *d);

#endif
