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
 * Retained sizes come later: explore_new shows the class rows with counts
 * and self sizes (sorted by self size) and starts a thread on the dominator
 * tree and the classes' retained sizes; explore_poll takes them in, on the
 * explorer's own thread, so the model changes only in its caller's calls.
 * Until then (explore_pending) nothing expands — every child list is sorted
 * by retained size — and the retained figures are 0.  The thread reads the
 * snapshot, which nothing else writes after the open, and writes only its
 * own job (explore_compare hands it the diff's new objects under the job's
 * lock, to be put first in its sorted lists) and, in DevTools' view, the
 * snapshot's edge_skip (DevTools' WeakMap
 * rule, which only the dominators read, is applied there, not at the open);
 * explore_free stops and joins it; explore_notify has a front end told
 * when it is done (the dashboard's loop sleeps until then).  With
 * VITALS_TEST_RETAINED_DELAY_MS in the environment (tests) the thread says
 * so no sooner than that many ms after the open.  explore_new's snapshot has DevTools'
 * view applied without that rule (heap_devtools_apply_classes), or not at
 * all for the raw view.
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

/* Phases of an open, timed for bench/explore_bench (wall and CPU in
 * seconds): to the first frame (the process's CPU: the load's two threads),
 * then on the retained sizes' thread (its own CPU). */
enum {
	EXPLORE_T_LOAD, EXPLORE_T_VIEW, EXPLORE_T_SUMMARY, EXPLORE_T_INDEX,
	EXPLORE_T_DOMINATORS, EXPLORE_T_RETAINED, EXPLORE_NT
};

typedef struct explore_job explore_job;	/* the retained sizes' thread */

typedef struct explore {
	heap_snapshot *s;
	heap_dominators *d;	/* NULL until explore_poll takes it; idom freed
				 * (NULL): the views need children and retained
				 * sizes only */
	explore_job *job;	/* computing d, until explore_poll joins it */
	char retained_err[128];	/* why there are no retained sizes, or "" */
	heap_summary *sum;	/* classes' retained 0 until d is in */
	uint32_t *cls_first;	/* [nclasses + 1] instances of each class, CSR */
	uint32_t *cls_nodes;	/* each class's instances, from cls_first[c]: NULL
				 * until the retained sizes are in (then sorted
				 * by them, descending, once cls_sorted) */
	uint8_t *cls_sorted;	/* [nclasses] 1: its list is sorted; 0: not yet
				 * (sorted on first expand); 2: sorted as a
				 * whole, the new objects not yet first (diff) */
	bool diff;
	explore_delta *delta;	/* [nclasses] in diff mode */
	uint8_t *is_new;	/* diff mode: a bit per node, new since BEFORE */
	uint64_t before_count;	/* diff mode: BEFORE's counted objects */
	explore_mode mode;
	heap_sort sort;		/* self until the retained sizes are in */
	bool sort_chosen;	/* by explore_sort: kept when they come */
	explore_row *rows;
	size_t nrows, cap;
	size_t sel, top;	/* selected row, first row on screen */
	double t_wall[EXPLORE_NT], t_cpu[EXPLORE_NT];	/* load, view: explore_open only */
} explore;

/* Load path and analyse it, the retained sizes left to a thread.  NULL with
 * a one-line message in err. */
explore *explore_open(const char *path, heap_view view, char *err, size_t errlen);
/* The same on a loaded snapshot, which the explorer then owns (freed on
 * failure too). */
explore *explore_new(heap_snapshot *s, heap_view view, char *err, size_t errlen);

/* Whether the retained sizes are still being computed. */
bool explore_pending(const explore *x);
/* Take the retained sizes in if the thread has them (wait: once it has):
 * 1 when they came in this call (the class rows are then sorted by them,
 * the selected class kept, unless the user chose a sort or opened a row),
 * 0 when nothing changed, -1 when they failed (retained_err says why; the
 * explorer then shows counts and self sizes only). */
int explore_poll(explore *x, bool wait);

/* Have fn(arg) called when the retained sizes are ready for explore_poll:
 * on the thread that computed them (so fn must be thread-safe, e.g.
 * uv_async_send), or here at once if they are ready already; never after
 * explore_notify(x, NULL, NULL) returns, nor when nothing is pending.  For
 * a front end that sleeps until something happens (the dashboard's loop). */
void explore_notify(explore *x, void (*fn)(void *arg), void *arg);

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

/* Each returns 0, or -1 when out of memory or without retained sizes
 * (the tree is left as it was; while pending, nothing expands). */
int explore_expand(explore *x, size_t row);
void explore_collapse(explore *x, size_t row);
/* Enter on a row: expand or collapse it, or load the next page of a "more". */
int explore_toggle(explore *x, size_t row);
/* Rebuild the class rows in another order (expansions are closed); the
 * user's choice, kept when the retained sizes come. */
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
/* Count, self and retained of a row (count 0 for objects; retained 0
 * until the retained sizes are in). */
void explore_numbers(const explore *x, const explore_row *r, uint64_t *count, uint64_t *self, uint64_t *retained);

#endif
