/* fuzz_heap_explore — the explorer's model (heap/explore.h) on arbitrary
 * bytes: the input is one snapshot, or BEFORE and AFTER separated by the
 * byte 0x1e (then the diff mode of `heap explore BEFORE AFTER` and the
 * dashboard's `e`).  Whatever loads is walked as a user would: every row
 * expanded in each mode (edges, retainers, dominated) to a bounded number
 * of rows, "more" rows paged, labels and numbers of every row, sorts,
 * search, jumps to ids, collapses; the invariants of explore.h are checked
 * after every step: rows are a pre-order (each row's depth at most one
 * more than the previous), sel < nrows, and in diff mode a class has no
 * more new objects than objects.  Walked once while the retained sizes
 * are computed (nothing opens), once after.  Seeds (fuzz/corpus/heap_explore) are
 * those of heap_diff, cut from real snapshots. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap/devtools.h"
#include "heap/explore.h"
#include "heap/snapshot.h"

#define MAX_ROWS 3000

static void check(const explore *x)
{
	if (x->nrows && x->sel >= x->nrows)
		abort();
	for (size_t i = 0; i < x->nrows; i++) {
		if (i == 0 ? x->rows[0].depth > 1 : x->rows[i].depth > x->rows[i - 1].depth + 1)
			abort();
		if (x->rows[i].kind == ROW_OBJECT && x->rows[i].node >= x->s->node_count)
			abort();
	}
	if (x->diff)
		for (size_t c = 0; c < x->sum->nclasses; c++)
			if (x->delta[c].added > x->sum->classes[c].count)
				abort();
}

static void walk(explore *x)
{
	for (int m = 0; m < EXPLORE_NMODES; m++) {
		explore_set_mode(x, (explore_mode)m);
		for (size_t i = 0; i < x->nrows && x->nrows < MAX_ROWS; i++) {
			x->sel = i;
			if (explore_toggle(x, i) < 0)
				return;
			check(x);
		}
		for (size_t i = 0; i < x->nrows; i++) {
			uint64_t c, s, r;
			free(explore_label(x, &x->rows[i]));
			explore_numbers(x, &x->rows[i], &c, &s, &r);
		}
		/* collapse from the bottom up, then everything */
		for (size_t i = x->nrows; i-- > 0;)
			if (x->rows[i].expanded) {
				explore_collapse(x, i);
				check(x);
			}
	}
	for (int s = HEAP_SORT_COUNT; s <= HEAP_SORT_RETAINED; s++) {
		if (explore_sort(x, (heap_sort)s) < 0)
			return;
		check(x);
	}
	x->sel = x->nrows ? x->nrows - 1 : 0;
	size_t f = explore_find(x, "a");
	if (f != SIZE_MAX && f >= x->nrows)
		abort();
	for (uint32_t i = 0; i < x->s->node_count && i < 8; i++) {
		if (explore_jump(x, x->s->node_id[i]) < 0)
			abort();	/* an id that is there must be found */
		check(x);
		explore_expand(x, 0);
		check(x);
	}
	explore_jump(x, UINT32_MAX);
	check(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	const uint8_t *sep = memchr(data, 0x1e, size);
	size_t first = sep ? (size_t)(sep - data) : size;
	heap_snapshot *before = NULL, *after;
	after = heap_snapshot_load_mem(sep ? sep + 1 : data, sep ? size - first - 1 : size, err, sizeof err);
	if (!after)
		return 0;
	/* odd-sized inputs in DevTools' view, even ones raw */
	heap_view view = (size & 1) ? HEAP_VIEW_DEVTOOLS : HEAP_VIEW_RAW;
	if (view == HEAP_VIEW_DEVTOOLS && heap_devtools_apply(after, err, sizeof err) < 0) {
		heap_snapshot_free(after);
		return 0;
	}
	if (sep) {
		before = heap_snapshot_load_mem(data, first, err, sizeof err);
		if (before && view == HEAP_VIEW_DEVTOOLS && heap_devtools_apply(before, err, sizeof err) < 0) {
			heap_snapshot_free(before);
			before = NULL;
		}
	}
	explore *x = explore_new(after, view, err, sizeof err);	/* owns after */
	if (!x) {
		heap_snapshot_free(before);
		return 0;
	}
	check(x);
	if (before) {
		explore_before *b = explore_before_new(before, err, sizeof err);
		heap_snapshot_free(before);
		if (b && explore_compare(x, b, err, sizeof err) == 0)
			check(x);
		explore_before_free(b);
	}
	/* the first screen, then (as explore_open_diff and the dashboard do,
	 * the comparison before them) the retained sizes in: the class lists
	 * the thread sorted, split into new and old objects when opened */
	walk(x);
	explore_poll(x, true);
	check(x);
	walk(x);
	explore_free(x);
	return 0;
}
