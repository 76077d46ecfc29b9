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

#include "core/xalloc.h"

typedef struct row_key {
	vproc *p;
	size_t idx;
} row_key;

/* Whether p passes the filter ("" passes everything): name or command line,
 * ignoring case. */
static bool rows_match(const vproc *p, const char *filter)
{
	if (!filter || !filter[0])
		return true;
	if (strcasestr(p->name, filter) || strcasestr(p->container, filter))
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

void rows_build(row_list *l, const model *m, const ui_state *ui)
{
	if (l->cap < m->nprocs) {
		l->cap = m->nprocs < 64 ? 64 : m->nprocs;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->n = l->cap ? rows_visible(m, ui, l->v, l->cap) : 0;
}

void rows_free(row_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int rows_index(vproc *const *rows, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i]->pid == pid)
			return (int)i;
	return -1;
}
