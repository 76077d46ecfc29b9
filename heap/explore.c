/* explore — the row tree of `vitals heap explore`; see explore.h.
 *
 * Child lists are computed when a row is expanded (never stored): the
 * instances of a class come from a CSR built once at open, each class's
 * sorted by retained size on the retained sizes' thread (in diff mode then
 * split there, new objects first, or in one pass when first opened if the
 * comparison came too late for the thread); an object's edges or
 * dominated nodes are gathered and sorted each time, which costs one pass
 * over that node's edges; its retainers cost one pass over all edges'
 * targets (~10 ms at 400 MB; a reverse index would be 85 MB there).  So
 * every key costs a page or that one pass (bench/heap.sh).  A page of
 * EXPLORE_PAGE children is inserted, and a "more" row remembers where the
 * list continues.
 */
#include "heap/explore.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heap/diff.h"
#include "heap/retainers.h"

#define MAX_DEPTH 200

static int sort_rows(explore *x, heap_sort sort);

struct child {
	uint32_t node, edge;
	uint64_t key;	/* sort key, ascending */
};

static int cmp_child(const void *pa, const void *pb)
{
	const struct child *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->edge > b->edge) - (a->edge < b->edge);
}

static int cmp_by_retained_r(const void *pa, const void *pb, void *ctx)
{
	const uint64_t *ret = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	if (ret[a] != ret[b])
		return ret[a] > ret[b] ? -1 : 1;
	return (a > b) - (a < b);
}

/* Sort nodes[0..n) by retained size, largest first, equal sizes in the
 * order given (the lists are built in node order): an LSD radix sort of (UINT32_MAX -
 * size) << 32 | node, a byte of the size a pass, the passes where every key
 * has the same byte skipped (sizes are mostly small numbers); sizes of 4 GiB
 * and more, all key 0, are then put in order by qsort.  Reads the sizes
 * once, in increasing address order: qsort_r's comparisons fetched two
 * sizes each from all over a 40 MB column, 100 ms and more for a class of a
 * million objects.  scratch holds 2n words, or is NULL (then allocated);
 * -1 when out of memory (nodes as they were). */
static int sort_by_retained(uint32_t *nodes, size_t n, const uint64_t *ret, uint64_t *scratch)
{
	if (n < 2)
		return 0;
	uint64_t *a = scratch ? scratch : malloc(2 * n * sizeof *a);
	if (!a)
		return -1;
	uint64_t *b = a + n, *base = a;
	size_t count[4][256], big = 0;
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = ret[nodes[i]];
		uint32_t k = r >= UINT32_MAX ? 0 : (uint32_t)(UINT32_MAX - r);
		big += r >= UINT32_MAX;
		a[i] = (uint64_t)k << 32 | nodes[i];
		for (int d = 0; d < 4; d++)
			count[d][(k >> (8 * d)) & 0xff]++;
	}
	for (int d = 0; d < 4; d++) {
		size_t *c = count[d], sum = 0;
		int shift = 32 + 8 * d;
		if (c[(a[0] >> shift) & 0xff] == n)
			continue;	/* the same byte in every key */
		for (int j = 0; j < 256; j++) {
			size_t t = c[j];
			c[j] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> shift) & 0xff]++] = a[i];
		uint64_t *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		nodes[i] = (uint32_t)a[i];
	if (big > 1)
		qsort_r(nodes, big, sizeof *nodes, cmp_by_retained_r, (void *)ret);
	if (!scratch)
		free(base);
	return 0;
}

/* The edges into node v, in increasing order, in *out (malloc'd): one
 * pass over edge_to per key (~10 ms at 400 MB), where a reverse index
 * would keep 4 bytes per edge and per node (85 MB at 400 MB) and cost
 * a tenth of the open.  Their count, or -1 when out of memory. */
static long retainer_edges(const heap_snapshot *s, uint32_t v, uint32_t **out)
{
	size_t n = 0, cap = 64;
	uint32_t *e = malloc(cap * sizeof *e);
	if (!e)
		return -1;
	const uint32_t *to = s->edge_to;
	for (uint32_t k = 0; k < s->edge_count; k++) {
		if (to[k] != v)
			continue;
		if (n == cap) {
			uint32_t *ne = realloc(e, 2 * cap * sizeof *e);
			if (!ne) {
				free(e);
				return -1;
			}
			e = ne;
			cap *= 2;
		}
		e[n++] = k;
	}
	*out = e;
	return (long)n;
}

/* The node that owns edge k, searching forward from node `from` (which
 * owns an edge at or before k): a node's retainer edges are listed in
 * increasing order, so their owners are found in one galloping sweep —
 * a few steps each even for a node a million objects hold — instead of
 * a 4-byte owner per edge kept for the whole session. */
static uint32_t edge_owner(const heap_snapshot *s, uint32_t from, uint32_t k)
{
	uint32_t lo = from, step = 1, hi = from + 1;
	/* find hi with first_edge[hi] > k; node_count's entry is edge_count > k */
	while (hi < s->node_count && s->first_edge[hi] <= k) {
		lo = hi;
		step *= 2;
		hi = s->node_count - hi > step ? hi + step : s->node_count;
	}
	/* first_edge[lo] <= k < first_edge[hi]: the last node starting at or before k */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->first_edge[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static double secs(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Close phase p, which began at *w (wall) and *c (CPU); the next begins. */
static void phase_end(explore *x, int p, double *w, double *c)
{
	double w1 = secs(CLOCK_MONOTONIC), c1 = secs(CLOCK_PROCESS_CPUTIME_ID);
	x->t_wall[p] = w1 - *w;
	x->t_cpu[p] = c1 - *c;
	*w = w1, *c = c1;
}

/* What the retained sizes' thread reads (the snapshot, the explorer's
 * cls_first, its own node_class, which explore_compare reads too) and makes
 * (d, cls_ret, sorted, times, err,
 * and in DevTools' view the snapshot's edge_skip); nothing else.  done is
 * set last, so a poll that sees it may join without waiting long. */
struct explore_job {
	pthread_t thread;
	heap_snapshot *s;	/* read; written only in edge_skip (weakmap) */
	uint32_t *node_class;	/* [node_count] row in sum->classes, or UINT32_MAX */
	size_t nclasses;
	const uint32_t *cls_first;	/* the explorer's, fixed before the thread starts */
	bool weakmap;		/* DevTools' rule 3 is left to the thread */
	atomic_int cancel, done;
	bool joinable;		/* a thread runs it (else explore_new did) */
	double hold_until;	/* test hook: done no sooner (CLOCK_MONOTONIC) */
	/* explore_notify's callback, called on the thread once done is set;
	 * lock orders the two (set before or called after, never lost) */
	pthread_mutex_t lock;
	void (*notify)(void *arg);
	void *notify_arg;
	/* diff mode (explore_compare, under lock): which nodes are new, so
	 * that the thread puts them first in its sorted lists; split says it
	 * did (with these bits), stale that it split by bits since replaced */
	const uint8_t *is_new;
	bool split, stale;
	heap_dominators *d;
	uint64_t *cls_ret;	/* [nclasses] */
	uint32_t *sorted;	/* each class's instances (CSR by cls_first), sorted, or NULL */
	double t_wall[2], t_cpu[2];	/* dominators; classes: retained sizes, sorted lists */
	char err[128];
};

/* The instances of each class, in node order, one list after the other
 * (class c's from cls_first[c]); NULL when out of memory. */
static uint32_t *class_lists(const uint32_t *node_class, uint32_t n, const uint32_t *cls_first, size_t nclasses)
{
	uint32_t *next = malloc((nclasses + 1) * sizeof *next);
	uint32_t *list = heap_big_malloc(((size_t)n + 1) * sizeof *list);
	if (!next || !list) {
		free(next);
		free(list);
		return NULL;
	}
	memcpy(next, cls_first, (nclasses + 1) * sizeof *next);
	for (uint32_t i = 0; i < n; i++)
		if (node_class[i] != UINT32_MAX)
			list[next[node_class[i]]++] = i;
	free(next);
	return list;
}

/* Put the new objects (is_new) of list[0..n) first, each part keeping its
 * order; buf holds n words. */
static void split_new_first(uint32_t *list, uint32_t n, const uint8_t *is_new, uint32_t *buf)
{
	uint32_t w = 0, o = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t v = list[k];
		if (is_new[v / 8] >> (v % 8) & 1)
			list[w++] = v;
		else
			buf[o++] = v;
	}
	memcpy(list + w, buf, (size_t)o * sizeof *buf);
}

/* The instances of each class (class_lists), each class sorted by
 * retained size: so that no class's first opening sorts (25-50 ms for
 * the largest at 400 MB).  NULL when out of memory: they are then sorted
 * when opened. */
static uint32_t *sorted_instances(explore_job *j)
{
	uint32_t *sorted = class_lists(j->node_class, j->s->node_count, j->cls_first, j->nclasses);
	size_t maxn = 0;
	for (size_t c = 0; c < j->nclasses; c++)
		if (j->cls_first[c + 1] - j->cls_first[c] > maxn)
			maxn = j->cls_first[c + 1] - j->cls_first[c];
	uint64_t *scratch = sorted ? heap_big_malloc(2 * (maxn ? maxn : 1) * sizeof *scratch) : NULL;
	if (!scratch) {
		free(sorted);
		return NULL;
	}
	for (size_t c = 0; c < j->nclasses; c++)
		sort_by_retained(sorted + j->cls_first[c], j->cls_first[c + 1] - j->cls_first[c], j->d->retained,
				 scratch);
	/* a diff's new objects first, here where the scratch is at hand: a
	 * buffer for the largest class made when it is opened was page faults
	 * mostly, 20-70 ms for a million objects on this VM */
	pthread_mutex_lock(&j->lock);
	if (j->is_new) {
		for (size_t c = 0; c < j->nclasses; c++)
			split_new_first(sorted + j->cls_first[c], j->cls_first[c + 1] - j->cls_first[c], j->is_new,
					(uint32_t *)scratch);
		j->split = true;
	}
	pthread_mutex_unlock(&j->lock);
	free(scratch);
	return sorted;
}

/* The thread: dominators, then each class's retained size (DevTools'
 * aggregate: its objects under no other of the class), then each class's
 * instances in that order. */
static void *job_run(void *arg)
{
	explore_job *j = arg;
	double w = secs(CLOCK_MONOTONIC), c = secs(CLOCK_THREAD_CPUTIME_ID);
	/* the WeakMap edges that do not count: only the dominators read them,
	 * and the snapshot's one field this thread writes (edge_skip) */
	if (!j->weakmap || heap_devtools_essential_edges(j->s, j->err, sizeof j->err) == 0)
		j->d = heap_dominators_new_cancel(j->s, &j->cancel, j->err, sizeof j->err);
	if (j->d) {
		/* nothing here walks up the dominator tree: its children lists
		 * and the retained sizes are what the views use */
		free(j->d->idom);
		j->d->idom = NULL;
	}
	double w1 = secs(CLOCK_MONOTONIC), c1 = secs(CLOCK_THREAD_CPUTIME_ID);
	j->t_wall[0] = w1 - w, j->t_cpu[0] = c1 - c;
	if (j->d) {
		j->cls_ret = calloc(j->nclasses ? j->nclasses : 1, sizeof *j->cls_ret);
		if (!j->cls_ret || heap_class_retained(j->s, j->d, j->node_class, j->nclasses, j->cls_ret, NULL) < 0) {
			snprintf(j->err, sizeof j->err, "out of memory summing the classes' retained sizes");
			heap_dominators_free(j->d);
			j->d = NULL;
		}
	}
	if (j->d && !atomic_load_explicit(&j->cancel, memory_order_relaxed))
		j->sorted = sorted_instances(j);
	j->t_wall[1] = secs(CLOCK_MONOTONIC) - w1, j->t_cpu[1] = secs(CLOCK_THREAD_CPUTIME_ID) - c1;
	while (secs(CLOCK_MONOTONIC) < j->hold_until && !atomic_load_explicit(&j->cancel, memory_order_relaxed))
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	pthread_mutex_lock(&j->lock);
	atomic_store_explicit(&j->done, 1, memory_order_release);
	if (j->notify)
		j->notify(j->notify_arg);	/* under the lock: explore_notify(NULL) waits for it */
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

void explore_notify(explore *x, void (*fn)(void *arg), void *arg)
{
	explore_job *j = x->job;
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->notify = fn;
	j->notify_arg = arg;
	if (fn && atomic_load_explicit(&j->done, memory_order_acquire))
		fn(arg);	/* done before we asked */
	pthread_mutex_unlock(&j->lock);
}

static void job_free(explore_job *j)
{
	if (!j)
		return;
	free(j->node_class);
	free(j->cls_ret);
	free(j->sorted);
	heap_dominators_free(j->d);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

explore *explore_new(heap_snapshot *s, heap_view view, char *err, size_t errlen)
{
	double tw = secs(CLOCK_MONOTONIC), tc = secs(CLOCK_PROCESS_CPUTIME_ID);
	explore *x = calloc(1, sizeof *x);
	explore_job *j = calloc(1, sizeof *j);
	if (!x || !j) {
		free(x);
		free(j);
		heap_snapshot_free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&j->lock, NULL);
	x->s = s;
	j->s = s;
	j->weakmap = view == HEAP_VIEW_DEVTOOLS;
	/* counts and self sizes now, retained sizes on the thread */
	heap_summary_opts so = { .sort = HEAP_SORT_SELF, .node_class = &j->node_class };
	x->sum = heap_summary_new(x->s, NULL, &so, err, errlen);
	if (!x->sum)
		goto fail;
	x->sum->view = view;
	/* the class keys are made: what is left of a class is its row */
	free(x->s->node_loc);
	x->s->node_loc = NULL;
	phase_end(x, EXPLORE_T_SUMMARY, &tw, &tc);
	size_t nc = j->nclasses = x->sum->nclasses;
	const uint32_t *node_class = j->node_class;
	/* where each class's instances will start: the lists themselves come
	 * with the retained sizes (sorted by them), since nothing opens before:
	 * made here they were 4 bytes a node more through the dominators' peak */
	x->cls_first = calloc(nc + 1, sizeof *x->cls_first);
	if (!x->cls_first)
		goto oom;
	for (uint32_t i = 0; i < x->s->node_count; i++)
		if (node_class[i] != UINT32_MAX)
			x->cls_first[node_class[i] + 1]++;
	for (size_t c = 0; c < nc; c++)
		x->cls_first[c + 1] += x->cls_first[c];
	x->cls_sorted = calloc(nc ? nc : 1, 1);
	if (!x->cls_sorted)
		goto oom;
	if (sort_rows(x, HEAP_SORT_SELF) < 0)
		goto oom;
#ifdef __GLIBC__
	/* the open's scratch (the loader's, DevTools' view's) went back to the
	 * main malloc arena, where the thread (its own arena) cannot reuse it:
	 * return those pages to the system (12 MiB of peak RSS at 400 MB) */
	malloc_trim(0);
#endif
	phase_end(x, EXPLORE_T_INDEX, &tw, &tc);
	x->job = j;
	j->cls_first = x->cls_first;
	/* tests/heap_explore.sh, heap_tui.sh: the retained sizes done no
	 * sooner than this, so that the screen before them can be seen on a
	 * small file (read here, before the thread starts) */
	const char *hold = getenv("VITALS_TEST_RETAINED_DELAY_MS");
	if (hold)
		j->hold_until = secs(CLOCK_MONOTONIC) + atof(hold) / 1e3;
	j->joinable = pthread_create(&j->thread, NULL, job_run, j) == 0;
	if (!j->joinable)
		job_run(j);	/* no thread: the same work here, taken in by the first poll */
	return x;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	job_free(j);
	explore_free(x);
	return NULL;
}

bool explore_pending(const explore *x)
{
	return x->job != NULL;
}

/* Sort the class rows by retained size, when the retained sizes come,
 * unless the user chose an order or opened something (only class rows are
 * shown); a class the user moved to stays selected, else the top row is. */
static int resort_by_retained(explore *x)
{
	if (x->diff || x->sort_chosen)
		return 0;
	for (size_t i = 0; i < x->nrows; i++)
		if (x->rows[i].kind != ROW_CLASS || x->rows[i].expanded)
			return 0;
	size_t sel = x->sel;
	uint32_t cls = x->nrows ? x->rows[sel].cls : 0;
	if (sort_rows(x, HEAP_SORT_RETAINED) < 0)
		return -1;
	for (size_t i = 0; sel && i < x->nrows; i++)
		if (x->rows[i].cls == cls)
			x->sel = i;
	return 0;
}

int explore_poll(explore *x, bool wait)
{
	explore_job *j = x->job;
	if (!j)
		return 0;
	if (!wait && !atomic_load_explicit(&j->done, memory_order_acquire))
		return 0;
	if (j->joinable)
		pthread_join(j->thread, NULL);
	x->job = NULL;
	x->t_wall[EXPLORE_T_DOMINATORS] = j->t_wall[0], x->t_cpu[EXPLORE_T_DOMINATORS] = j->t_cpu[0];
	x->t_wall[EXPLORE_T_RETAINED] = j->t_wall[1], x->t_cpu[EXPLORE_T_RETAINED] = j->t_cpu[1];
	if (!j->d) {
		snprintf(x->retained_err, sizeof x->retained_err, "%s", j->err);
		/* (for explore_compare: nothing opens without retained sizes) */
		if (!atomic_load_explicit(&j->cancel, memory_order_relaxed))
			x->cls_nodes = class_lists(j->node_class, x->s->node_count, x->cls_first, x->sum->nclasses);
		job_free(j);
		return -1;
	}
	x->d = j->d;
	j->d = NULL;
	for (size_t c = 0; c < x->sum->nclasses; c++)
		x->sum->classes[c].retained = j->cls_ret[c];
	x->sum->has_retained = true;
	x->sum->reachable = x->d->retained[x->s->root];
	if (j->sorted) {
		/* a diff puts each class's new objects first: the thread did, or
		 * (the comparison came after it sorted) in a list sorted as a
		 * whole that is one pass when the class is opened (2); split by
		 * an earlier comparison's bits, it is sorted again (0) */
		x->cls_nodes = j->sorted;
		j->sorted = NULL;
		memset(x->cls_sorted, !x->diff || j->split ? 1 : j->stale ? 0 : 2, x->sum->nclasses);
	} else {
		/* (the thread had no memory to sort them: sorted when opened) */
		x->cls_nodes = class_lists(j->node_class, x->s->node_count, x->cls_first, x->sum->nclasses);
		if (!x->cls_nodes)
			snprintf(x->retained_err, sizeof x->retained_err, "out of memory listing the classes' objects");
	}
	job_free(j);
	if (resort_by_retained(x) < 0)
		snprintf(x->retained_err, sizeof x->retained_err, "out of memory sorting by retained size");
	return 1;
}

explore *explore_open(const char *path, heap_view view, char *err, size_t errlen)
{
	char msg[400];
	double tw = secs(CLOCK_MONOTONIC), tc = secs(CLOCK_PROCESS_CPUTIME_ID);
	heap_snapshot *s = heap_snapshot_load(path, HEAP_PARSER_STREAM, msg, sizeof msg);
	double vw = secs(CLOCK_MONOTONIC), vc = secs(CLOCK_PROCESS_CPUTIME_ID);
	/* the WeakMap rule is the thread's, before the dominators */
	if (s && view == HEAP_VIEW_DEVTOOLS && heap_devtools_apply_classes(s, msg, sizeof msg) < 0) {
		heap_snapshot_free(s);
		s = NULL;
	}
	double ew = secs(CLOCK_MONOTONIC), ec = secs(CLOCK_PROCESS_CPUTIME_ID);
	explore *x = s ? explore_new(s, view, msg, sizeof msg) : NULL;
	if (!x) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return NULL;
	}
	x->t_wall[EXPLORE_T_LOAD] = vw - tw, x->t_cpu[EXPLORE_T_LOAD] = vc - tc;
	x->t_wall[EXPLORE_T_VIEW] = ew - vw, x->t_cpu[EXPLORE_T_VIEW] = ec - vc;
	return x;
}

/* ---- comparison with an earlier snapshot --------------------------------- */

struct explore_before {
	heap_side side;	/* diff.h: classes by name, objects by id */
};

void explore_before_free(explore_before *b)
{
	if (!b)
		return;
	heap_side_close(&b->side);
	free(b);
}

explore_before *explore_before_new(const heap_snapshot *s, char *err, size_t errlen)
{
	explore_before *b = calloc(1, sizeof *b);
	if (!b || heap_side_init(&b->side, s) < 0) {
		free(b);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return b;
}

static int cmp_side_obj_id(const void *pa, const void *pb)
{
	uint32_t a = ((const heap_side_obj *)pa)->id, b = ((const heap_side_obj *)pb)->id;
	return (a > b) - (a < b);
}

static int cmp_side_class_name(const void *pa, const void *pb)
{
	return strcmp(((const heap_side_class *)pa)->name, ((const heap_side_class *)pb)->name);
}

/* Whether BEFORE had object id in class bc. */
static bool before_has(const explore_before *b, uint32_t id, uint32_t bc)
{
	const heap_side_class *c = &b->side.classes[bc];
	heap_side_obj key = { .id = id };
	return bsearch(&key, c->objs, c->n, sizeof key, cmp_side_obj_id) != NULL;
}

/* What explore_compare gathers from AFTER's objects. */
struct compare {
	const explore *x;
	const explore_before *b;
	const uint32_t *bcls;	/* [nclasses] BEFORE's class of the name, or UINT32_MAX */
	uint64_t *surv;		/* [2 * BEFORE's classes] objects still there: count, self */
	explore_delta *delta;
	uint8_t *is_new;
};

/* Object v of AFTER's class c: still there since BEFORE, or new. */
static void compare_object(struct compare *k, uint32_t c, uint32_t v)
{
	const heap_snapshot *s = k->x->s;
	uint32_t bc = k->bcls[c];
	if (bc != UINT32_MAX && before_has(k->b, s->node_id[v], bc)) {
		k->surv[2 * bc]++;
		k->surv[2 * bc + 1] += s->node_self[v];
	} else {
		k->delta[c].added++;
		k->delta[c].added_self += s->node_self[v];
		k->is_new[v / 8] |= (uint8_t)(1u << (v % 8));
	}
}

int explore_compare(explore *x, const explore_before *b, char *err, size_t errlen)
{
	size_t nc = x->sum->nclasses;
	uint32_t *bcls = malloc((nc ? nc : 1) * sizeof *bcls);
	size_t nb = b->side.nclasses;
	uint64_t *surv = calloc(nb ? nb : 1, 2 * sizeof *surv);	/* count, self */
	uint32_t *owner = malloc((nb ? nb : 1) * sizeof *owner);
	explore_delta *delta = calloc(nc ? nc : 1, sizeof *delta);
	uint8_t *is_new = calloc((size_t)x->s->node_count / 8 + 1, 1);
	/* the objects' classes: the thread's node_class until the retained
	 * sizes are in (it only reads it too), then the class lists */
	const uint32_t *node_class = x->job ? x->job->node_class : NULL;
	if (!bcls || !surv || !owner || !delta || !is_new || (!node_class && !x->cls_nodes))
		goto oom;
	memset(owner, 0xff, (nb ? nb : 1) * sizeof *owner);
	/* each class of AFTER to BEFORE's class of that name; what was deleted
	 * is told on the first (largest) of AFTER's classes of a name */
	for (size_t c = 0; c < nc; c++) {
		heap_side_class key = { .name = x->sum->classes[c].name };
		const heap_side_class *f = bsearch(&key, b->side.classes, nb, sizeof key, cmp_side_class_name);
		bcls[c] = f ? (uint32_t)(f - b->side.classes) : UINT32_MAX;
		if (f && owner[bcls[c]] == UINT32_MAX)
			owner[bcls[c]] = (uint32_t)c;
	}
	struct compare k = { .x = x, .b = b, .bcls = bcls, .surv = surv, .delta = delta, .is_new = is_new };
	if (node_class) {
		for (uint32_t v = 0; v < x->s->node_count; v++)
			if (node_class[v] != UINT32_MAX)
				compare_object(&k, node_class[v], v);
	} else {
		for (uint32_t c = 0; c < nc; c++)
			for (uint32_t i = x->cls_first[c]; i < x->cls_first[c + 1]; i++)
				compare_object(&k, c, x->cls_nodes[i]);
	}
	for (size_t i = 0; i < nb; i++)
		if (owner[i] != UINT32_MAX) {
			/* ids are unique in a V8 snapshot; a crafted one may repeat them */
			const heap_side_class *bc = &b->side.classes[i];
			uint64_t sc = surv[2 * i] < bc->n ? surv[2 * i] : bc->n;
			uint64_t ss = surv[2 * i + 1] < bc->self ? surv[2 * i + 1] : bc->self;
			delta[owner[i]].removed = bc->n - sc;
			delta[owner[i]].removed_self = bc->self - ss;
		}
	/* each class's new objects are put first when it is opened
	 * (class_sort): a list already sorted needs only that split (2); one
	 * split by another comparison is sorted again (0) */
	for (size_t c = 0; c < nc; c++)
		x->cls_sorted[c] = x->cls_sorted[c] == 1 && !x->diff ? 2 : 0;
	free(bcls);
	free(surv);
	free(owner);
	free(x->delta);
	x->delta = delta;
	if (x->job) {
		/* for the thread, if it has not sorted its lists yet */
		pthread_mutex_lock(&x->job->lock);
		x->job->stale |= x->job->split;
		x->job->split = false;
		x->job->is_new = is_new;
		pthread_mutex_unlock(&x->job->lock);
	}
	free(x->is_new);	/* (the thread reads is_new only under the lock) */
	x->is_new = is_new;
	x->diff = true;
	x->before_count = 0;
	for (size_t i = 0; i < nb; i++)
		x->before_count += b->side.classes[i].n;
	if (sort_rows(x, HEAP_SORT_RETAINED) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
oom:
	free(bcls);
	free(surv);
	free(owner);
	free(delta);
	free(is_new);
	snprintf(err, errlen, "out of memory");
	return -1;
}

explore *explore_open_diff(const char *before, const char *after, heap_view view, char *err, size_t errlen)
{
	char msg[400];
	/* one snapshot in memory at a time: BEFORE is reduced to its ids first */
	heap_snapshot *s = heap_snapshot_load(before, HEAP_PARSER_STREAM, msg, sizeof msg);
	if (s && view == HEAP_VIEW_DEVTOOLS && heap_devtools_apply_classes(s, msg, sizeof msg) < 0) {
		heap_snapshot_free(s);	/* (its classes are all BEFORE gives: no dominators) */
		s = NULL;
	}
	explore_before *b = s ? explore_before_new(s, msg, sizeof msg) : NULL;
	heap_snapshot_free(s);
	if (!b) {
		snprintf(err, errlen, "%s: %s", before, msg);
		return NULL;
	}
	explore *x = explore_open(after, view, err, errlen);
	if (x && explore_compare(x, b, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s", msg);
		explore_free(x);
		x = NULL;
	}
	explore_before_free(b);
	return x;
}

void explore_free(explore *x)
{
	if (!x)
		return;
	if (x->job) {
		/* the thread reads the snapshot: stopped and joined before it
		 * goes, and tells no one */
		explore_notify(x, NULL, NULL);
		atomic_store_explicit(&x->job->cancel, 1, memory_order_relaxed);
		explore_poll(x, true);
	}
	heap_summary_free(x->sum);
	heap_dominators_free(x->d);
	heap_snapshot_free(x->s);
	free(x->cls_first);
	free(x->cls_nodes);
	free(x->cls_sorted);
	free(x->delta);
	free(x->is_new);
	free(x->rows);
	free(x);
}

static int reserve(explore *x, size_t more)
{
	if (x->nrows + more <= x->cap)
		return 0;
	size_t nc = x->cap ? x->cap : 256;
	while (nc < x->nrows + more)
		nc *= 2;
	explore_row *r = realloc(x->rows, nc * sizeof *r);
	if (!r)
		return -1;
	x->rows = r;
	x->cap = nc;
	return 0;
}

/* Sort class c's instances by retained size, largest first, once: in diff
 * mode the new ones (first) and the others each among themselves.  Equal
 * sizes stay in node order (the lists are built so).  In diff mode the new
 * objects are first put first, keeping the order of each part; a list the
 * thread sorted (cls_sorted 2) then needs nothing more: one pass, where a
 * sort took 25-50 ms for a class of a million objects.  -1 when out of
 * memory. */
static int class_sort(explore *x, uint32_t c)
{
	if (x->cls_sorted[c] == 1)
		return 0;
	uint32_t lo = x->cls_first[c], hi = x->cls_first[c + 1];
	uint32_t mid = x->diff ? lo + (uint32_t)x->delta[c].added : lo;
	if (x->diff) {
		uint32_t *buf = malloc(((size_t)(hi - lo) + 1) * sizeof *buf);
		if (!buf)
			return -1;
		split_new_first(x->cls_nodes + lo, hi - lo, x->is_new, buf);
		free(buf);
	}
	if (x->cls_sorted[c] == 0 &&
	    (sort_by_retained(x->cls_nodes + lo, mid - lo, x->d->retained, NULL) < 0 ||
	     sort_by_retained(x->cls_nodes + mid, hi - mid, x->d->retained, NULL) < 0))
		return -1;
	x->cls_sorted[c] = 1;
	return 0;
}

/* The children of a class (via 0: only the page from offset on, the list
 * being sorted already; *first is where they start in it) or of an object
 * in mode via (1..3: all of them, sorted; *first 0). */
static long children(explore *x, uint8_t via, uint32_t owner, uint32_t offset, struct child **out, size_t *first)
{
	const heap_snapshot *s = x->s;
	size_t n = 0;
	*out = NULL;
	*first = 0;
	if (!x->d || (via == 0 && !x->cls_nodes))
		return -1;	/* every list is sorted by retained size */
	const uint64_t *ret = x->d->retained;
	if (via == 0) {
		if (class_sort(x, owner) < 0)
			return -1;
		n = x->diff ? x->delta[owner].added : x->cls_first[owner + 1] - x->cls_first[owner];
		size_t from = offset < n ? offset : n, k = n - from < EXPLORE_PAGE ? n - from : EXPLORE_PAGE;
		struct child *c = malloc((k ? k : 1) * sizeof *c);
		if (!c)
			return -1;
		for (size_t i = 0; i < k; i++)
			c[i] = (struct child){ .node = x->cls_nodes[x->cls_first[owner] + from + i], .edge = UINT32_MAX,
					       .key = i };
		*out = c;
		*first = from;
		return (long)n;
	}
	uint32_t lo, hi, *redge = NULL;
	if (via == 1) {
		lo = s->first_edge[owner];
		hi = s->first_edge[owner + 1];
	} else if (via == 2) {
		long nr = retainer_edges(s, owner, &redge);
		if (nr < 0)
			return -1;
		lo = 0;
		hi = (uint32_t)nr;
	} else {
		lo = x->d->dom_first[owner];
		hi = x->d->dom_first[owner + 1];
	}
	struct child *c = malloc(((size_t)(hi - lo) + 1) * sizeof *c);
	if (!c) {
		free(redge);
		return -1;
	}
	uint32_t owner_of = 0;	/* via 2: the owner of the last retainer edge */
	for (uint32_t k = lo; k < hi; k++) {
		struct child *ch = &c[n++];
		if (via == 1) {
			ch->edge = k;
			ch->node = s->edge_to[k];
			ch->key = UINT64_MAX - ret[ch->node];
		} else if (via == 2) {
			ch->edge = redge[k];
			ch->node = owner_of = edge_owner(s, owner_of, ch->edge);
			/* the biggest holders first */
			ch->key = UINT64_MAX - ret[ch->node];
		} else {
			ch->node = x->d->dom_child[k];
			ch->edge = UINT32_MAX;
			ch->key = UINT64_MAX - ret[ch->node];
		}
	}
	free(redge);
	qsort(c, n, sizeof *c, cmp_child);
	*out = c;
	return (long)n;
}

/* Insert the page of children starting at offset after row `at`. */
static int insert_page(explore *x, size_t at, uint8_t depth, uint8_t via, uint32_t owner, uint32_t offset)
{
	struct child *c;
	size_t first;
	long n = children(x, via, owner, offset, &c, &first);
	if (n < 0)
		return -1;
	size_t left = (size_t)n > offset ? (size_t)n - offset : 0;
	size_t k = left < EXPLORE_PAGE ? left : EXPLORE_PAGE;
	bool more = left > k;
	if (reserve(x, k + more) < 0) {
		free(c);
		return -1;
	}
	memmove(&x->rows[at + k + more], &x->rows[at], (x->nrows - at) * sizeof *x->rows);
	for (size_t i = 0; i < k; i++)
		x->rows[at + i] = (explore_row){ .kind = ROW_OBJECT, .depth = depth, .via = via,
						  .node = c[offset - first + i].node, .edge = c[offset - first + i].edge };
	if (more)
		x->rows[at + k] = (explore_row){ .kind = ROW_MORE, .depth = depth, .via = via, .parent_row_node = owner,
						  .offset = offset + (uint32_t)k, .node = (uint32_t)left - (uint32_t)k };
	x->nrows += k + more;
	free(c);
	return 0;
}

int explore_expand(explore *x, size_t row)
{
	if (row >= x->nrows)
		return 0;
	explore_row *r = &x->rows[row];
	if (r->expanded || r->kind == ROW_MORE || r->depth >= MAX_DEPTH)
		return 0;
	uint8_t via = r->kind == ROW_CLASS ? 0 : (uint8_t)(x->mode + 1);
	uint32_t owner = r->kind == ROW_CLASS ? r->cls : r->node;
	uint8_t depth = (uint8_t)(r->depth + 1);
	if (insert_page(x, row + 1, depth, via, owner, 0) < 0)
		return -1;
	x->rows[row].expanded = true;
	return 0;
}

void explore_collapse(explore *x, size_t row)
{
	if (row >= x->nrows)
		return;
	size_t end = row + 1;
	while (end < x->nrows && x->rows[end].depth > x->rows[row].depth)
		end++;
	memmove(&x->rows[row + 1], &x->rows[end], (x->nrows - end) * sizeof *x->rows);
	x->nrows -= end - row - 1;
	x->rows[row].expanded = false;
	if (x->sel > row && x->sel < end)
		x->sel = row;
	else if (x->sel >= end)
		x->sel -= end - row - 1;
}

int explore_toggle(explore *x, size_t row)
{
	if (row >= x->nrows)
		return 0;
	explore_row r = x->rows[row];
	if (r.kind != ROW_MORE) {
		if (r.expanded) {
			explore_collapse(x, row);
			return 0;
		}
		return explore_expand(x, row);
	}
	/* replace the "more" row by the next page */
	memmove(&x->rows[row], &x->rows[row + 1], (x->nrows - row - 1) * sizeof *x->rows);
	x->nrows--;
	if (insert_page(x, row, r.depth, r.via, r.parent_row_node, r.offset) < 0) {
		memmove(&x->rows[row + 1], &x->rows[row], (x->nrows - row) * sizeof *x->rows);
		x->rows[row] = r;
		x->nrows++;
		return -1;
	}
	return 0;
}

/* A class's sort key in diff mode: size delta, count delta, or the size
 * of its new objects, as a signed number. */
static int64_t delta_key(const explore *x, uint32_t c)
{
	const explore_delta *d = &x->delta[c];
	if (x->sort == HEAP_SORT_COUNT)
		return (int64_t)d->added - (int64_t)d->removed;
	if (x->sort == HEAP_SORT_SELF)
		return (int64_t)d->added_self;
	return (int64_t)d->added_self - (int64_t)d->removed_self;
}

static int cmp_cls_r(const void *pa, const void *pb, void *ctx)
{
	const explore *x = ctx;
	uint32_t ca = *(const uint32_t *)pa, cb = *(const uint32_t *)pb;
	const heap_class *a = &x->sum->classes[ca], *b = &x->sum->classes[cb];
	if (x->diff) {
		int64_t da = delta_key(x, ca), db = delta_key(x, cb);
		if (da != db)
			return da > db ? -1 : 1;
		return strcmp(a->name, b->name);
	}
	uint64_t ka = a->retained, kb = b->retained;
	if (x->sort == HEAP_SORT_COUNT)
		ka = a->count, kb = b->count;
	else if (x->sort == HEAP_SORT_SELF)
		ka = a->self, kb = b->self;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	return strcmp(a->name, b->name);
}

int explore_sort(explore *x, heap_sort sort)
{
	x->sort_chosen = true;
	return sort_rows(x, sort);
}

static int sort_rows(explore *x, heap_sort sort)
{
	size_t nc = x->sum->nclasses;
	uint32_t *order = malloc((nc ? nc : 1) * sizeof *order);
	if (!order)
		return -1;
	x->nrows = 0;
	if (reserve(x, nc) < 0) {
		free(order);
		return -1;
	}
	x->sort = sort == HEAP_SORT_DEFAULT ? HEAP_SORT_RETAINED : sort;
	size_t n = 0;
	for (size_t c = 0; c < nc; c++)
		if (!x->diff || x->delta[c].added || x->delta[c].removed)	/* a diff lists what changed */
			order[n++] = (uint32_t)c;
	qsort_r(order, n, sizeof *order, cmp_cls_r, x);
	for (size_t c = 0; c < n; c++)
		x->rows[x->nrows++] = (explore_row){ .kind = ROW_CLASS, .cls = order[c] };
	free(order);
	x->sel = x->top = 0;
	return 0;
}

void explore_set_mode(explore *x, explore_mode m)
{
	x->mode = m < EXPLORE_NMODES ? m : EXPLORE_EDGES;
}

size_t explore_find(const explore *x, const char *needle)
{
	if (!*needle || x->nrows == 0)
		return SIZE_MAX;
	for (size_t k = 1; k <= x->nrows; k++) {
		size_t i = (x->sel + k) % x->nrows;
		if (x->rows[i].kind == ROW_CLASS && strcasestr(x->sum->classes[x->rows[i].cls].name, needle))
			return i;
	}
	return SIZE_MAX;
}

int explore_jump(explore *x, uint32_t id)
{
	uint32_t node = UINT32_MAX;
	for (uint32_t i = 0; i < x->s->node_count && node == UINT32_MAX; i++)
		if (x->s->node_id[i] == id)
			node = i;
	if (node == UINT32_MAX || reserve(x, 1) < 0)
		return -1;
	memmove(&x->rows[1], &x->rows[0], x->nrows * sizeof *x->rows);
	x->rows[0] = (explore_row){ .kind = ROW_OBJECT, .node = node, .edge = UINT32_MAX };
	x->nrows++;
	x->sel = x->top = 0;
	return 0;
}

char *explore_label(const explore *x, const explore_row *r)
{
	const heap_snapshot *s = x->s;
	char *out = NULL;
	int rc = -1;
	if (r->kind == ROW_CLASS) {
		rc = asprintf(&out, "%s", x->sum->classes[r->cls].name);
	} else if (r->kind == ROW_MORE) {
		rc = asprintf(&out, "\u2026 %u more (Enter)", r->node);
	} else {
		char *label = heap_node_label(s, r->node);
		char edge[300] = "";
		if (r->edge != UINT32_MAX) {
			int t = s->edge_type[r->edge];
			const char *ename = heap_snapshot_string(s, s->edge_name[r->edge]);
			char idx[16];
			snprintf(idx, sizeof idx, "[%u]", s->edge_name[r->edge]);
			snprintf(edge, sizeof edge, "%s%s%s ", s->edge_str_named[t] ? ename : idx,
				 t == s->t.e_weak ? " (weak)" : "", r->via == 2 ? " in" : " ::");
		}
		if (label)
			rc = asprintf(&out, "%s%s @%u", edge, label, s->node_id[r->node]);
		free(label);
	}
	return rc < 0 ? NULL : out;
}

void explore_numbers(const explore *x, const explore_row *r, uint64_t *count, uint64_t *self, uint64_t *retained)
{
	*count = *self = *retained = 0;
	if (r->kind == ROW_CLASS) {
		const heap_class *c = &x->sum->classes[r->cls];
		*count = c->count;
		*self = c->self;
		*retained = c->retained;
	} else if (r->kind == ROW_OBJECT) {
		*self = x->s->node_self[r->node];
		*retained = x->d ? x->d->retained[r->node] : 0;
	}
}
