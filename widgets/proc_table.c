/* proc_table — the process rows; see proc_table.h.
 *
 * Layout is computed per draw from the width: a table of columns with a
 * width and a drop priority; columns are dropped (highest priority number
 * first) until the rest fit, then NAME takes what is left, up to a cap, and
 * whatever remains goes to the sparklines.
 */
#include "widgets/proc_table.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/fmt.h"
#include "widgets/heap_spaces.h"
#include "widgets/sparkline.h"

enum { C_HOST, C_PID, C_NAME, C_CTR, C_STATE, C_CPU, C_RSS, C_THR, C_HEAP, C_LAG, C_ELU, C_RPS, C_OOM, C_SRSS, C_SCPU, C_N };

static const struct col_def {
	const char *title;
	int width;	/* minimum; NAME and sparklines grow */
	bool right;
	int drop;	/* dropped in decreasing order when narrow; 0 = never */
	proc_table_sort sort;	/* the sort this column shows */
} cols[C_N] = {
	/* only when processes of more than one host are watched (--remote);
	 * widened to the longest name shown, up to HOST_W_MAX */
	[C_HOST] = { "HOST", 4, false, 0, PT_SORT_NONE },
	[C_PID] = { "PID", 7, true, 0, PT_SORT_PID },
	[C_NAME] = { "NAME", 8, false, 0, PT_SORT_NAME },
	/* only when a row lives in a container; goes after the histories */
	[C_CTR] = { "CONTAINER", 16, false, 9, PT_SORT_NONE },
	[C_STATE] = { "S", 1, false, 5, PT_SORT_NONE },
	[C_CPU] = { "CPU%", 6, true, 0, PT_SORT_CPU },
	[C_RSS] = { "RSS", 6, true, 6, PT_SORT_RSS },
	[C_THR] = { "THR", 3, true, 8, PT_SORT_NONE },
	[C_HEAP] = { "HEAP/LIMIT", 12, true, 4, PT_SORT_HEAP },
	[C_LAG] = { "LAG p99", 7, true, 7, PT_SORT_LAG },
	/* only when a worker thread's sub-row is shown: its loop's share */
	[C_ELU] = { "ELU", 4, true, 7, PT_SORT_NONE },
	[C_RPS] = { "REQ/S", 6, true, 7, PT_SORT_NONE },
	[C_OOM] = { "OOM IN", 6, true, 3, PT_SORT_NONE },
	[C_SRSS] = { "RSS history", 10, false, 10, PT_SORT_NONE },
	[C_SCPU] = { "CPU history", 12, false, 11, PT_SORT_NONE },
};

#define HOST_W_MAX 16

typedef struct layout {
	bool on[C_N];
	int x[C_N], w[C_N];
} layout;

/* oom: some row has a time to OOM; containers: some row lives in one;
 * http: some row serves HTTP; elu: a worker thread's sub-row is shown (each
 * column exists only then); host_w: the HOST column's width, 0 = none. */
static void make_layout(int width, bool oom, bool containers, bool http, bool elu, int host_w, layout *L)
{
	for (int i = 0; i < C_N; i++) {
		L->on[i] = true;
		L->w[i] = cols[i].width;
	}
	L->on[C_OOM] = oom;
	L->on[C_CTR] = containers;
	L->on[C_RPS] = http;
	L->on[C_ELU] = elu;
	L->on[C_HOST] = host_w > 0;
	L->w[C_HOST] = host_w;
	for (;;) {
		int need = -1;
		for (int i = 0; i < C_N; i++)
			if (L->on[i])
				need += L->w[i] + 1;
		if (need <= width)
			break;
		int worst = -1;
		for (int i = 0; i < C_N; i++)
			if (L->on[i] && cols[i].drop && (worst < 0 || cols[i].drop > cols[worst].drop))
				worst = i;
		if (worst < 0)
			break;
		L->on[worst] = false;
	}
	int used = -1;
	for (int i = 0; i < C_N; i++) {
		if (L->on[i])
			used += L->w[i] + 1;
	}
	int spare = width - used;
	if (spare < 0)
		spare = 0;
	int name_cap = width >= 140 ? 28 : width >= 100 ? 20 : 16;
	int grow = spare < name_cap - L->w[C_NAME] ? spare : name_cap - L->w[C_NAME];
	L->w[C_NAME] += grow;
	spare -= grow;
	int nspark = L->on[C_SRSS] + L->on[C_SCPU];
	if (nspark == 2) {
		L->w[C_SRSS] += spare / 2;
		L->w[C_SCPU] += spare - spare / 2;
	} else if (nspark == 1) {
		L->w[L->on[C_SRSS] ? C_SRSS : C_SCPU] += spare;
	} else {
		L->w[C_NAME] += spare;
	}
	int x = 0;
	for (int i = 0; i < C_N; i++) {
		L->x[i] = x;
		if (L->on[i])
			x += L->w[i] + 1;
	}
}

const char *proc_table_probe_text(const vproc *p)
{
	if (p->state == PROC_EXITED)
		return "exited";
	if (p->state == PROC_DENIED)
		return p->err[0] ? p->err : "no access";
	switch (p->pstate) {
	case PROBE_ATTACHED:
		return p->node ? "" : "attached";
	case PROBE_ATTACHING:
		return "attaching\xe2\x80\xa6";
	case PROBE_CONNECTING:
		return "connecting\xe2\x80\xa6";
	case PROBE_LOST:
		return "probe lost";
	case PROBE_FAILED:
		return p->probe_err[0] ? p->probe_err : "attach failed";
	default:
		return "not attached";
	}
}

static void draw_header(const canvas *c, rect r, const layout *L, const proc_table_opts *o)
{
	attr_t a = canvas_attr(c, ROLE_TITLE);
	canvas_fill(c, r.y, r.x, r.w, a);
	const char *mark = c->ascii ? (o->sort_desc ? "v" : "^") : (o->sort_desc ? "\xe2\x96\xbc" : "\xe2\x96\xb2");
	for (int i = 0; i < C_N; i++) {
		if (!L->on[i] || L->x[i] >= r.w)
			continue;
		char t[32];
		bool sorted = cols[i].sort != PT_SORT_NONE && cols[i].sort == o->sort;
		if (sorted && cols[i].right)
			snprintf(t, sizeof t, "%s%s", mark, cols[i].title);
		else if (sorted)
			snprintf(t, sizeof t, "%s%s", cols[i].title, mark);
		else
			snprintf(t, sizeof t, "%s", cols[i].title);
		int maxw = L->w[i] < r.w - L->x[i] ? L->w[i] : r.w - L->x[i];
		if (cols[i].right)
			canvas_text_right(c, r.y, r.x + L->x[i], maxw, t, a);
		else
			canvas_text_attr(c, r.y, r.x + L->x[i], maxw, t, a);
	}
}

/* Text cell, clipped to the table. */
static void cell(const canvas *c, rect r, int y, const layout *L, int col, const char *s, attr_t a)
{
	if (!L->on[col] || L->x[col] >= r.w)
		return;
	int maxw = L->w[col] < r.w - L->x[col] ? L->w[col] : r.w - L->x[col];
	if (cols[col].right)
		canvas_text_right(c, y, r.x + L->x[col], maxw, s, a);
	else
		canvas_text_attr(c, y, r.x + L->x[col], maxw, s, a);
}

/* The ELU cell: a percentage of the loop's time, "-" when unknown. */
static void elu_cell(const canvas *c, rect r, int y, const layout *L, double elu, attr_t a)
{
	char b[16];
	if (elu >= 0)
		snprintf(b, sizeof b, "%.0f%%", elu * 100);
	cell(c, r, y, L, C_ELU, elu >= 0 ? b : "-", a);
}

/* A worker thread under its process: "thread N name" in NAME, then its
 * thread's CPU, its own heap, lag and loop share; it has no PID, RSS or
 * history of its own. */
static void draw_worker_row(const canvas *c, rect r, int y, const layout *L, const proc_table_row *row,
			    bool sel)
{
	const worker_info *w = row->w;
	attr_t base = canvas_attr(c, sel ? ROLE_SELECTED : ROLE_DIM);
#define WROLE(rl) (sel ? base : canvas_attr(c, (rl)))
	canvas_fill(c, y, r.x, r.w, base);
	char b[96], u[16], l[16];
	snprintf(b, sizeof b, "%sthread %d%s%s", row->tree ? row->tree : "", w->thread_id, w->name[0] ? " " : "",
		 w->name);
	cell(c, r, y, L, C_NAME, b, base);
	if (!isnan(row->cpu)) {
		fmt_pct(b, sizeof b, row->cpu);
		cell(c, r, y, L, C_CPU, b, WROLE(row->cpu_role));
	}
	if (!isnan(row->heap_used)) {
		fmt_bytes(u, sizeof u, row->heap_used);
		fmt_bytes(l, sizeof l, row->heap_limit);
		snprintf(b, sizeof b, "%s/%s", u, l);
		cell(c, r, y, L, C_HEAP, b, WROLE(row->heap_role));
	}
	if (!isnan(row->lag)) {
		fmt_ms(b, sizeof b, row->lag);
		cell(c, r, y, L, C_LAG, b, WROLE(row->lag_role));
	} else {
		cell(c, r, y, L, C_LAG, "-", base);	/* its loop never turned (Atomics.wait) */
	}
	elu_cell(c, r, y, L, row->elu, base);
#undef WROLE
}

static void draw_row(const canvas *c, rect r, int y, const layout *L, const proc_table_row *row,
		     const proc_table_opts *o)
{
	const vproc *p = row->p;
	bool sel = p->pid == o->selected_pid && (row->w ? row->w->thread_id : 0) == o->selected_worker;
	bool gone = p->state == PROC_EXITED;
	if (row->w) {
		draw_worker_row(c, r, y, L, row, sel);
		return;
	}
	attr_t base = canvas_attr(c, sel ? ROLE_SELECTED : gone ? ROLE_DIM : ROLE_DEFAULT);
	/* a value's own colour (warn/crit), unless the row's look overrides it */
#define ROLE(rl) (sel || gone ? base : canvas_attr(c, (rl)))
	canvas_fill(c, y, r.x, r.w, base);
	char b[64], u[16], l[16];
	snprintf(b, sizeof b, "%d", p->pid);
	cell(c, r, y, L, C_PID, b, base);
	char label[NAME_LEN + 16];
	if (L->on[C_HOST])	/* else a remote host is said in the name */
		model_proc_name(p, label, sizeof label);
	else
		model_proc_label(p, label, sizeof label);
	cell(c, r, y, L, C_HOST, p->host[0] ? p->host : "-", base);
	if (row->folded)
		snprintf(b, sizeof b, "%s%s +%d", row->tree ? row->tree : "", label, row->folded);
	else
		snprintf(b, sizeof b, "%s%s", row->tree ? row->tree : "", label);
	cell(c, r, y, L, C_NAME, b, base);
	cell(c, r, y, L, C_CTR, p->container, base);
	b[0] = gone ? 'X' : p->state_char ? p->state_char : '?';
	b[1] = 0;
	cell(c, r, y, L, C_STATE, b, base);
	fmt_pct(b, sizeof b, row->cpu);
	cell(c, r, y, L, C_CPU, b, ROLE(row->cpu_role));
	fmt_bytes(b, sizeof b, row->rss);
	cell(c, r, y, L, C_RSS, b, base);
	snprintf(b, sizeof b, "%d", p->threads);
	cell(c, r, y, L, C_THR, p->threads > 0 ? b : "-", base);

	const char *why = proc_table_probe_text(p);
	if (!why[0]) {
		fmt_bytes(u, sizeof u, row->heap_used);
		fmt_bytes(l, sizeof l, row->heap_limit);
		snprintf(b, sizeof b, "%s/%s", u, l);
		cell(c, r, y, L, C_HEAP, b, ROLE(row->heap_role));
		fmt_ms(b, sizeof b, row->lag);
		cell(c, r, y, L, C_LAG, b, ROLE(row->lag_role));
		elu_cell(c, r, y, L, row->elu, base);
		if (row->http && row->rps >= 0)
			snprintf(b, sizeof b, row->rps < 9999.5 ? "%.0f" : "%.0fk", row->rps < 9999.5 ? row->rps : row->rps / 1000);
		cell(c, r, y, L, C_RPS, row->http && row->rps >= 0 ? b : "-", row->http ? base : ROLE(ROLE_DIM));
		if (row->oom_s > 0)
			fmt_duration(b, sizeof b, (int64_t)(row->oom_s * 1000));
		cell(c, r, y, L, C_OOM, row->oom_s > 0 ? b : "-", ROLE(row->oom_s > 0 ? row->oom_role : ROLE_DIM));
	} else {
		/* one text across the HEAP and LAG cells */
		int x0 = -1, x1 = -1;
		for (int i = C_HEAP; i <= C_LAG; i++)
			if (L->on[i]) {
				if (x0 < 0)
					x0 = L->x[i];
				x1 = L->x[i] + L->w[i];
			}
		if (x0 >= 0 && x0 < r.w) {
			if (x1 > r.w)
				x1 = r.w;
			theme_role wr = p->pstate == PROBE_FAILED || p->pstate == PROBE_LOST ||
					p->state == PROC_DENIED ? ROLE_WARN : ROLE_DIM;
			canvas_text_right(c, y, r.x + x0, x1 - x0, why, ROLE(wr));
		}
	}
	for (int i = C_SRSS; i <= C_SCPU; i++) {
		if (!L->on[i] || L->x[i] >= r.w)
			continue;
		int w = L->w[i] < r.w - L->x[i] ? L->w[i] : r.w - L->x[i];
		spark_opts so = spark_opts_make(o->end_ms, o->window_ms,
						i == C_SRSS ? ROLE_SPARK_RSS : ROLE_SPARK_CPU, NULL);
		if (i == C_SRSS) {
			so.zero_based = false;
			so.min_span = 1 << 20;
		} else {
			so.min_span = 100;
		}
		if (sel || gone)
			so.attr = base;
		sparkline_draw(c, rect_make(y, r.x + L->x[i], 1, w), i == C_SRSS ? &p->rss_r : &p->cpu_r, &so);
	}
#undef ROLE
}

void proc_table_draw(const canvas *c, rect r, const proc_table_row *rows, size_t nrows,
		     const proc_table_opts *o)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	bool oom = false, http = false, elu = false;
	for (size_t k = 0; k < nrows; k++) {
		oom |= rows[k].oom_s > 0;
		http |= rows[k].http;
		elu |= rows[k].w != NULL;
	}
	layout L;
	bool containers = false;
	for (size_t k = 0; k < nrows && !containers; k++)
		containers = rows[k].p->container[0] != 0;
	int host_w = 0;
	if (o->hosts) {
		host_w = cols[C_HOST].width;
		for (size_t k = 0; k < nrows; k++) {
			int w = canvas_width(rows[k].p->host, c->ascii);
			host_w = w > host_w ? w : host_w;
		}
		host_w = host_w > HOST_W_MAX ? HOST_W_MAX : host_w;
	}
	make_layout(r.w, oom, containers, http, elu, host_w, &L);
	draw_header(c, r, &L, o);
	attr_t def = canvas_attr(c, ROLE_DEFAULT);
	for (int i = 1; i < r.h; i++) {
		size_t k = (size_t)i - 1;
		if (k < nrows)
			draw_row(c, r, r.y + i, &L, &rows[k], o);
		else
			canvas_fill(c, r.y + i, r.x, r.w, def);
	}
	if (nrows == 0 && r.h > 1)
		canvas_text(c, r.y + 1, r.x, r.w, o->empty ? o->empty : "no processes", ROLE_DIM);
}
