/* explore — the model of `vitals heap explore`: DevTools' Summary,
 * Containment and Retainers views of one snapshot as a tree of rows that a
 * terminal front end (explore_tui) draws and moves through.  No curses here.
 *
 * The rows are one flat array in display order, each with a depth:
 *   class   a constructor (count, self, retained as the summary);
 *   object  a node, reached from the row above it by an edge (label), or an
 *           instance of its class;
 *   more    "… N more": the next page of a long list.
 * Expanding a row inserts its children right after it, collapsing removes
 * the rows below it that are deeper.  What an object expands into is the
 * mode: its outgoing edges (containment), its retainers (incoming edges,
 * weak ones marked), or the objects it dominates.  Lists are paged by
 * EXPLORE_PAGE rows; children are sorted by retained size.
 *
 * Diff mode (explore_compare, the second snapshot of a process): the class
 * rows are the classes whose objects changed since an earlier snapshot of
 * the same process, matched by node id within the class name as `heap diff`
 * does, sorted by size delta; a class expands into its *new* objects only
 * (they come first in cls_nodes), which expand as above.  Classes that are
 * gone altogether have no objects left to show and no row.
 *
 * Invariants: rows[0..nrows) is a valid pre-order of the expansion state
 * (every row's depth <= the previous row's depth + 1); sel < nrows when
 * nrows > 0.  The explorer owns the snapshot, dominators and summary.
 */
#ifndef VITALS_HEAP_EXPLORE_H
#define VITALS_HEAP_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/devtools.h"
#include "heap/dominators.h"
#include "heap/snapshot.h"
#include "heap/summary.h"

#define EXPLORE_PAGE 100

typedef enum explore_mode { EXPLORE_EDGES = 0, EXPLORE_RETAINERS, EXPLORE_DOMINATED, EXPLORE_NMODES } explore_mode;
typedef enum explore_kind { ROW_CLASS, ROW_OBJECT, ROW_MORE } explore_kind;

typedef struct explore_row {
	explore_kind kind;
	uint8_t depth;
	bool expanded;
	uint8_t via;		/* object: 0 instance, 1 edge out, 2 retainer edge, 3 dominated */
	uint32_t cls;		/* class row: index into sum->classes */
	uint32_t node;		/* object row */
	uint32_t edge;		/* the edge of via 1 and 2 */
	/* more row: where the list continues */
	uint32_t parent_row_node;	/* the object or class it belongs to */
	uint32_t offset;
} explore_row;

/* Diff mode, per class: objects new since BEFORE and gone since. */
typedef struct explore_delta {
	uint64_t added, added_self, removed, removed_self;
} explore_delta;

/* Phases of an open, timed for bench/explore_bench (wall and the process's
 * CPU, both threads, in seconds). */
enum { EXPLORE_T_LOAD, EXPLORE_T_VIEW, EXPLORE_T_DOMINATORS, EXPLORE_T_SUMMARY, EXPLORE_T_INDEX, EXPLORE_NT };

typedef struct explore {
	heap_snapshot *s;
	heap_dominators *d;	/* idom freed (NULL): the views need children
				 * and retained sizes only */
	heap_summary *sum;
	uint32_t *node_class;	/* [node_count] row in sum->classes; only while
				 * explore_new builds cls_first (then NULL) */
	uint32_t *cls_first;	/* [nclasses + 1] instances of each class, CSR */
	uint32_t *cls_nodes;	/* sorted by retained size, descending, once cls_sorted */
	uint8_t *cls_sorted;	/* [nclasses] 1: its list is sorted (done on first expand) */
	bool diff;
	explore_delta *delta;	/* [nclasses] in diff mode */
	uint64_t before_count;	/* diff mode: BEFORE's counted objects */
	explore_mode mode;
	heap_sort sort;
	explore_row *rows;
	size_t nrows, cap;
	size_t sel, top;	/* selected row, first row on screen */
	double t_wall[EXPLORE_NT], t_cpu[EXPLORE_NT];	/* load, view: explore_open only */
} explore;

/* Load path and analyse it.  NULL with a one-line message in err. */
explore *explore_open(const char *path, heap_view view, char *err, size_t errlen);
/* The same on a loaded snapshot, which the explorer then owns (freed on
 * failure too). */
explore *explore_new(heap_snapshot *s, heap_view view, char *err, size_t errlen);

/* An earlier snapshot reduced to what a comparison needs (its ids by class
 * name), so that it need not stay loaded. */
typedef struct explore_before explore_before;
explore_before *explore_before_new(const heap_snapshot *s, char *err, size_t errlen);
void explore_before_free(explore_before *b);
/* Diff mode against b (taken from the same process, earlier); 0 or -1 when
 * out of memory. */
int explore_compare(explore *x, const explore_before *b, char *err, size_t errlen);
/* Load BEFORE, reduce it, free it, then open AFTER in diff mode. */
explore *explore_open_diff(const char *before, const char *after, heap_view view, char *err, size_t errlen);
void explore_free(explore *x);

/* Each returns 0, or -1 when out of memory (the tree is left as it was). */
int explore_expand(explore *x, size_t row);
void explore_collapse(explore *x, size_t row);
/* Enter on a row: expand or collapse it, or load the next page of a "more". */
int explore_toggle(explore *x, size_t row);
/* Rebuild the class rows in another order (expansions are closed). */
int explore_sort(explore *x, heap_sort sort);
void explore_set_mode(explore *x, explore_mode m);
/* The next class row after sel whose name contains needle (case-insensitive),
 * wrapping; SIZE_MAX when none. */
size_t explore_find(const explore *x, const char *needle);
/* Put the object with this id at the top, selected; -1 when there is none. */
int explore_jump(explore *x, uint32_t id);

/* Texts of a row, malloc'd: its label (indentation not included) and,
 * for the status line, the selected object's description. */
char *explore_label(const explore *x, const explore_row *r);
/* Count, self and retained of a row (count 0 for objects). */
void explore_numbers(const explore *x, const explore_row *r, uint64_t *count, uint64_t *self, uint64_t *retained);

#endif
