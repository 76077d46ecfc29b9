/* rows — filter and stable sort of the process list; see rows.h.
 *
 * qsort_r is not stable, so each entry carries its model index as the last
 * tie-breaker.  Processes without a value for the sort key (no probe for
 * HEAP/LAG) go after those with one, whatever the direction.
 */
#include "tui/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

typedef struct row_key {
	vproc *p;
	size_t idx;
} row_key;

bool rows_match(const vproc *p, const char *filter)
{
	if (!filter || !filter[0])
		return true;
	if (strcasestr(p->name, filter) || strcasestr(p->container, filter) || strcasestr(p->host, filter))
		return true;
	return p->cmdline && strcasestr(p->cmdline, filter);
}

bool rows_sort_desc(sort_col col, bool invert)
{
	bool desc = !(col == SORT_PID || col == SORT_NAME);
	return invert ? !desc : desc;
}

static double key_of(const vproc *p, sort_col col)
{
	switch (col) {
	case SORT_CPU: return p->cpu_pct;
	case SORT_RSS: return p->rss_bytes;
	case SORT_HEAP: return p->node ? p->node->heap_used : NAN;
	case SORT_LAG: return p->node ? p->node->lag_p99 : NAN;
	default: return p->pid;
	}
}

typedef struct sort_ctx {
	sort_col col;
	bool desc;
} sort_ctx;

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const row_key *x = a, *y = b;
	sort_col cmp_col = ((const sort_ctx *)ctx)->col;
	bool cmp_desc = ((const sort_ctx *)ctx)->desc;
	int r = 0;
	if (cmp_col == SORT_NAME) {
		r = strcasecmp(x->p->name, y->p->name);
		if (cmp_desc)
			r = -r;
	} else {
		double kx = key_of(x->p, cmp_col), ky = key_of(y->p, cmp_col);
		bool nx = isnan(kx), ny = isnan(ky);
		if (nx != ny)
			return nx ? 1 : -1;	/* no value: last */
		if (!nx && kx != ky)
			r = (kx < ky ? -1 : 1) * (cmp_desc ? -1 : 1);
	}
	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t rows_visible(const model *m, const ui_state *ui, vproc **out, size_t max)
{
	row_key stackbuf[256];
	row_key *keys = m->nprocs <= 256 ? stackbuf : xmalloc(m->nprocs * sizeof *keys);
	size_t n = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		vproc *p = m->procs[i];
		if (rows_match(p, ui->filter))
			keys[n++] = (row_key){ p, i };
	}
	sort_ctx ctx;
	ctx.col = ui->sort < SORT_NCOLS ? ui->sort : SORT_PID;
	ctx.desc = rows_sort_desc(ctx.col, ui->sort_invert);
	qsort_r(keys, n, sizeof *keys, cmp_rows, &ctx);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = keys[i].p;
	if (keys != stackbuf)
		free(keys);
	return n;
}

bool rows_is_folded(const ui_state *ui, int pid)
{
	for (int i = 0; i < ui->nfolded && i < UI_MAX_FOLDED; i++)
		if (ui->folded[i] == pid)
			return true;
	return false;
}

bool rows_descends(const model *m, const vproc *q, const vproc *p)
{
	for (size_t steps = 0; q && steps <= m->nprocs; steps++) {
		if (q == p)
			return true;
		if (q->ppid <= 1 || q->ppid == q->pid)
			return false;
		q = model_find(m, q->ppid);
	}
	return false;
}

/* Tree order: out gets s's processes, each followed by its children (in
 * s's order), depth-first; the children of a folded process are counted
 * into its row instead.  done[] guards against parent loops. */
typedef struct tree_ctx {
	const model *m;
	const ui_state *ui;
	vproc **s;
	size_t n;
	bool *done;
	row_list *l;
} tree_ctx;

static int tree_emit(tree_ctx *t, size_t i, int depth)
{
	row_list *l = t->l;
	size_t at = l->n++;
	t->done[i] = true;
	l->v[at] = t->s[i];
	l->depth[at] = (unsigned char)(depth < 255 ? depth : 255);
	l->last[at] = false;
	l->folded[at] = 0;
	l->worker[at] = 0;
	bool fold = rows_is_folded(t->ui, t->s[i]->pid);
	int members = 0;
	size_t last_child = 0;
	bool any = false;
	for (size_t j = 0; j < t->n; j++) {
		if (t->done[j] || t->s[j]->ppid != t->s[i]->pid || t->s[j] == t->s[i])
			continue;
		if (fold) {
			t->done[j] = true;	/* counted, with its own members, not shown */
			size_t before = l->n;
			members += tree_emit(t, j, depth + 1);
			l->n = before;
		} else {
			last_child = l->n;
			any = true;
			members += tree_emit(t, j, depth + 1);
		}
	}
	if (any)
		l->last[last_child] = true;
	l->folded[at] = fold ? members : 0;
	return members + 1;
}

static void rows_reserve(row_list *l, size_t cap)
{
	if (l->cap >= cap && l->v)
		return;
	l->cap = cap < 64 ? 64 : cap;
	l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	l->depth = xrealloc(l->depth, l->cap * sizeof *l->depth);
	l->last = xrealloc(l->last, l->cap * sizeof *l->last);
	l->folded = xrealloc(l->folded, l->cap * sizeof *l->folded);
	l->worker = xrealloc(l->worker, l->cap * sizeof *l->worker);
}

/* The worker threads of an attached, unfolded process row, as sub-rows right
 * after it, one level deeper; the last is "last" unless child processes
 * follow in the tree. */
static void add_workers(row_list *l, const ui_state *ui)
{
	size_t extra = 0;
	for (size_t i = 0; i < l->n; i++) {
		const vproc *p = l->v[i];
		if (p->node && p->pstate == PROBE_ATTACHED && p->state != PROC_EXITED && !l->folded[i])
			extra += (size_t)p->node->nworkers;
	}
	if (!extra)
		return;
	size_t n = l->n;
	rows_reserve(l, n + extra);
	/* from the end, moving rows down to make room */
	size_t to = n + extra;
	for (size_t i = n; i-- > 0;) {
		const vproc *p = l->v[i];
		int nw = p->node && p->pstate == PROBE_ATTACHED && p->state != PROC_EXITED && !l->folded[i]
			 ? p->node->nworkers : 0;
		bool children = ui->tree && i + 1 < n && l->depth[i + 1] > l->depth[i];
		for (int k = nw; k-- > 0;) {
			to--;
			l->v[to] = l->v[i];
			l->depth[to] = (unsigned char)(l->depth[i] < 254 ? l->depth[i] + 1 : 255);
			l->last[to] = k == nw - 1 && !children;
			l->folded[to] = 0;
			l->worker[to] = p->node->workers[k].thread_id;
		}
		to--;
		l->v[to] = l->v[i];
		l->depth[to] = l->depth[i];
		l->last[to] = l->last[i];
		l->folded[to] = l->folded[i];
		l->worker[to] = 0;
	}
	l->n = n + extra;
}

void rows_build(row_list *l, const model *m, const ui_state *ui)
{
	rows_reserve(l, m->nprocs);
	l->n = rows_visible(m, ui, l->v, l->cap);
	memset(l->depth, 0, l->n * sizeof *l->depth);
	memset(l->last, 0, l->n * sizeof *l->last);
	memset(l->folded, 0, l->n * sizeof *l->folded);
	memset(l->worker, 0, l->n * sizeof *l->worker);
	if (!ui->tree || l->n == 0) {
		add_workers(l, ui);
		return;
	}
	tree_ctx t = { m, ui, xmalloc(l->n * sizeof *t.s), l->n, xcalloc(l->n, sizeof *t.done), l };
	memcpy(t.s, l->v, l->n * sizeof *t.s);
	l->n = 0;
	/* roots: processes whose parent is not among the rows */
	for (size_t i = 0; i < t.n; i++) {
		bool has_parent = false;
		for (size_t j = 0; j < t.n && !has_parent; j++)
			has_parent = j != i && t.s[j]->pid == t.s[i]->ppid;
		if (!has_parent && !t.done[i])
			tree_emit(&t, i, 0);
	}
	for (size_t i = 0; i < t.n; i++)	/* what a parent loop left: flat */
		if (!t.done[i])
			tree_emit(&t, i, 0);
	free(t.s);
	free(t.done);
	add_workers(l, ui);
}

void rows_free(row_list *l)
{
	free(l->v);
	free(l->depth);
	free(l->last);
	free(l->folded);
	free(l->worker);
	memset(l, 0, sizeof *l);
}

int rows_index_sel(const row_list *l, int pid, int worker)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->pid == pid && l->worker[i] == worker)
			return (int)i;
	return -1;
}

int rows_index(vproc *const *rows, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i]->pid == pid)
			return (int)i;
	return -1;
}
