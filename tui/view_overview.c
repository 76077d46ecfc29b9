/* view_overview — the main screen; see view_overview.h.
 *
 * Layout, top to bottom: header bar (1), table header + rows, on tall
 * terminals with room to spare the selected process's graphs (all the rows
 * the table does not need, shared evenly by the graphs),
 * "Alerts" rule (1), alert lines, status line (1), key hints (1).  Alert
 * lines: 3 on small terminals, a quarter of the height on tall ones (up to
 * 12), fewer when there are fewer alerts; the table gets the rest.  The first table row
 * shown is ui->scroll, moved just enough to keep the selected row visible —
 * the same computation view_overview_pid_at uses, so clicks hit what is drawn.
 */
#include "tui/view_overview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tui/rows.h"
#include "tui/view.h"
#include "widgets/alert_pane.h"
#include "base/fmt.h"
#include "widgets/gc_timeline.h"
#include "widgets/heap_spaces.h"
#include "widgets/proc_table.h"
#include "widgets/sparkline.h"

typedef struct ov_layout {
	int table_y, table_h;	/* including its header row */
	int focus_y, focus_h;	/* the selected process's graphs (0 rows: none) */
	int alerts_y, alerts_h;	/* rule row + lines */
	int status_y, hints_y;
} ov_layout;

#define FOCUS_MIN 6	/* rule, RSS, CPU, heap, lag (a row each), GC lane */

/* nrows: process rows to show; focus: a process is selected.  On a tall
 * terminal (or a short process list) whose table leaves room, the selected
 * process's graphs take every row the table does not need, instead of
 * blank lines. */
static ov_layout layout_for(const model *m, int rows, size_t nrows, bool focus)
{
	ov_layout L;
	int lines = rows >= 40 ? (rows - 4) / 4 : 3;
	if (lines > 12)
		lines = 12;
	int have = m->alerts_len > 0 ? (int)m->alerts_len : 1;
	if (lines > have)
		lines = have;
	L.hints_y = rows - 1;
	L.status_y = rows - 2;
	L.alerts_h = lines + 1;
	L.alerts_y = L.status_y - L.alerts_h;
	L.table_y = 1;
	L.table_h = L.alerts_y - L.table_y;
	L.focus_y = L.alerts_y;
	L.focus_h = 0;
	long spare = (long)L.table_h - (long)((nrows ? nrows : 1) + 1);	/* an empty table says why */
	if (focus && spare >= FOCUS_MIN) {
		L.focus_h = (int)spare;
		L.focus_y = L.alerts_y - L.focus_h;
		L.table_h -= L.focus_h;
	}
	return L;
}

int view_overview_table_rows(const model *m, int rows)
{
	int n = layout_for(m, rows, 0, false).table_h - 1;
	return n > 0 ? n : 1;
}

/* First row shown: ui->scroll, moved to keep the selection visible. */
static size_t first_row(const ui_state *ui, const row_list *rl, int visible)
{
	long first = ui->scroll > 0 ? ui->scroll : 0;
	size_t n = rl->n;
	int sel = rows_index_sel(rl, ui->selected_pid, ui->selected_worker);
	if (sel >= 0) {
		if (sel < first)
			first = sel;
		if (sel >= first + visible)
			first = sel - visible + 1;
	}
	long maxfirst = (long)n - visible;
	if (first > maxfirst)
		first = maxfirst;
	if (first < 0)
		first = 0;
	return (size_t)first;
}

int view_overview_pid_at(const model *m, const ui_state *ui, const row_list *rl, int y, int rows_h, int cols)
{
	if (cols < VIEW_MIN_COLS || rows_h < VIEW_MIN_ROWS)
		return 0;
	size_t n = rl->n;
	ov_layout L = layout_for(m, rows_h, n, rows_index(rl->v, n, ui->selected_pid) >= 0);
	int visible = L.table_h - 1;
	int k = y - (L.table_y + 1);
	if (k < 0 || k >= visible)
		return 0;
	size_t first = first_row(ui, rl, visible);
	return first + (size_t)k < n ? rl->v[first + (size_t)k]->pid : 0;
}

/* The colours of the table's numbers: a warning from WARN up, critical from
 * CRIT up. */
#define CPU_WARN_PCT 90.0
#define HEAP_WARN_PCT 70.0	/* of the heap limit */
#define HEAP_CRIT_PCT 90.0
#define LAG_WARN_MS 100.0
#define LAG_CRIT_MS 500.0
#define OOM_CRIT_S 3600.0	/* a leak's time to OOM: warning colour, critical below */

static theme_role level(double v, double warn, double crit)
{
	return v >= crit ? ROLE_CRIT : v >= warn ? ROLE_WARN : ROLE_DEFAULT;
}

/* A table row: the numbers of the moment shown, coloured by the thresholds.
 * The heap limit is V8's setting, not a measurement: the latest. */
static proc_table_row table_row(const vproc *p, const ui_state *ui, int64_t end)
{
	proc_table_row r = { .p = p };
	r.cpu = view_value(p, VS_CPU, ui, end);
	r.rss = view_value(p, VS_RSS, ui, end);
	r.heap_used = view_value(p, PS_heap_used, ui, end);
	r.heap_limit = p->node ? p->node->heap_limit : NAN;
	r.lag = view_value(p, PS_lag_p99, ui, end);
	r.cpu_role = r.cpu >= CPU_WARN_PCT ? ROLE_WARN : ROLE_DEFAULT;
	r.heap_role = level(heap_pct(r.heap_used, r.heap_limit), HEAP_WARN_PCT, HEAP_CRIT_PCT);
	r.lag_role = level(r.lag, LAG_WARN_MS, LAG_CRIT_MS);
	/* a projection from the live trend: not kept per moment, so not paused */
	r.oom_s = p->oom_in_s;
	r.oom_role = r.oom_s < OOM_CRIT_S ? ROLE_CRIT : ROLE_WARN;
	r.http = p->node && ring_len(&p->node->http_rps_r, 0) > 0;
	r.elu = p->node && !proc_table_probe_text(p)[0] ? view_value(p, PS_elu, ui, end) : NAN;
	r.rps = view_value(p, PS_http_rps, ui, end);
	return r;
}

/* A worker thread's sub-row: its own isolate's heap, its thread's CPU, its
 * loop's utilisation and lag (the latest the probe has: workers keep no
 * history). */
static proc_table_row worker_row(const vproc *p, int thread_id)
{
	proc_table_row r = { .p = p, .cpu = NAN, .rss = NAN, .heap_used = NAN, .heap_limit = NAN, .lag = NAN };
	const vnode *n = p->node;
	for (int i = 0; n && i < n->nworkers; i++)
		if (n->workers[i].thread_id == thread_id)
			r.w = &n->workers[i];
	if (!r.w)
		return r;
	r.heap_used = r.w->heap_used;
	r.heap_limit = r.w->heap_limit;
	r.lag = r.w->lag_max;
	r.elu = r.w->elu;
	r.cpu = r.w->cpu_pct;
	r.cpu_role = r.cpu >= CPU_WARN_PCT ? ROLE_WARN : ROLE_DEFAULT;
	r.heap_role = level(heap_pct(r.heap_used, r.heap_limit), HEAP_WARN_PCT, HEAP_CRIT_PCT);
	r.lag_role = level(r.lag, LAG_WARN_MS, LAG_CRIT_MS);
	return r;
}

/* A folded row's numbers: the totals of it and every live process below
 * it (RSS, CPU and heap summed, the worst lag). */
static void fold_totals(proc_table_row *r, const model *m, const ui_state *ui, int64_t end)
{
	double rss = 0, cpu = 0, heap = 0, limit = 0, lag = NAN, rps = 0;
	bool any_heap = false;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *q = m->procs[i];
		if (q->state == PROC_EXITED || !rows_descends(m, q, r->p))
			continue;
		double v;
		if ((v = view_value(q, VS_RSS, ui, end)) > 0)
			rss += v;
		if ((v = view_value(q, VS_CPU, ui, end)) >= 0)
			cpu += v;
		if ((v = view_value(q, PS_heap_used, ui, end)) >= 0 && q->node) {
			heap += v;
			limit += q->node->heap_limit;
			any_heap = true;
		}
		if ((v = view_value(q, PS_lag_p99, ui, end)) >= 0 && !(v <= lag))
			lag = v;
		if (q->node && ring_len(&q->node->http_rps_r, 0) > 0) {
			r->http = true;
			if ((v = view_value(q, PS_http_rps, ui, end)) >= 0)
				rps += v;
		}
	}
	r->rps = rps;
	r->rss = rss > 0 ? rss : r->rss;
	r->cpu = cpu;
	if (any_heap) {
		r->heap_used = heap;
		r->heap_limit = limit;
	}
	r->lag = lag;
}

/* The tree glyphs before a name: indented by depth, "├─ " or "└─ ". */
static const char *tree_prefix(char *buf, size_t n, int depth, bool last)
{
	if (depth <= 0)
		return NULL;
	int off = 0;
	for (int d = 1; d < depth && off + 3 < (int)n; d++)
		off += snprintf(buf + off, n - (size_t)off, "  ");
	snprintf(buf + off, n - (size_t)off, "%s", last ? "\xe2\x94\x94\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80 ");
	return buf;
}

/* The table: rows[first..] as many as fit, their numbers decided here. */
static void draw_table(const canvas *c, rect r, const row_list *rl, size_t first, const model *m,
		       const ui_state *ui, const proc_table_opts *po)
{
	proc_table_row stack[128] = { { 0 } };	/* (initialised: the compiler cannot see that k bounds the reads) */
	char tree_stack[128][48];
	size_t n = rl->n, k = r.h > 1 && first < n ? n - first : 0;
	if (k > (size_t)r.h - 1)
		k = (size_t)r.h - 1;
	proc_table_row *tr = k <= 128 ? stack : xmalloc(k * sizeof *tr);
	char (*tree)[48] = k <= 128 ? tree_stack : xmalloc(k * sizeof *tree);
	for (size_t i = 0; i < k; i++) {
		size_t at = first + i;
		tr[i] = rl->worker[at] ? worker_row(rl->v[at], rl->worker[at]) : table_row(rl->v[at], ui, po->end_ms);
		tr[i].tree = tree_prefix(tree[i], sizeof tree[i], rl->depth[at], rl->last[at]);
		tr[i].folded = rl->folded[at];
		if (tr[i].folded)
			fold_totals(&tr[i], m, ui, po->end_ms);
	}
	proc_table_draw(c, r, tr, k, po);
	if (tr != stack) {
		free(tr);
		free(tree);
	}
}

/* One graph line of the focus strip: label, value, sparkline with labels. */
static void focus_metric(const canvas *c, rect r, const char *label, const char *value,
			 const ring *s, theme_role role, spark_fmt f, bool zero_based, double min_span,
			 int64_t end_ms, int64_t window_ms)
{
	canvas_text(c, r.y, r.x, 8, label, ROLE_TITLE);
	canvas_text(c, r.y, r.x + 8, 30, value, ROLE_DEFAULT);
	spark_opts o = spark_opts_make(end_ms, window_ms, role, f);
	o.zero_based = zero_based;
	o.min_span = min_span;
	if (r.w > 8 + 31 + 10)
		sparkline_draw(c, rect_make(r.y, r.x + 8 + 31, r.h, r.w - 8 - 31), s, &o);
}

/* The selected process's RSS, CPU, heap and lag over the window, and its GC:
 * a rule, the graphs sharing what is left, the GC lane (or, without probe
 * data, a line saying why) on the last row. */
static void draw_focus(const canvas *c, rect r, const vproc *p, const ui_state *ui, int64_t end_ms,
		       int64_t window_ms)
{
	char t[160], label[64], a[16], b[16], e[16];
	canvas_hline(c, r.y, r.x, r.w, canvas_attr(c, ROLE_BORDER));
	snprintf(t, sizeof t, " pid %d %s ", p->pid, model_proc_label(p, label, sizeof label));
	canvas_text(c, r.y, r.x + 2, r.w - 4, t, ROLE_TITLE);
	const vnode *n = p->node;
	const char *why = proc_table_probe_text(p);
	bool probe = n && !why[0];
	int ng = probe ? 4 : 2, gr = r.h - 2, y = r.y + 1, last = r.y + r.h - 1;
	int h = view_share(gr, ng, 0);
	fmt_bytes(a, sizeof a, view_value(p, VS_RSS, ui, end_ms));
	focus_metric(c, rect_make(y, r.x, h, r.w), "RSS", a, &p->rss_r, ROLE_SPARK_RSS, fmt_bytes, false,
		     1 << 20, end_ms, window_ms);
	y += h;
	h = view_share(gr, ng, 1);
	fmt_pct(a, sizeof a, view_value(p, VS_CPU, ui, end_ms));
	focus_metric(c, rect_make(y, r.x, h, r.w), "CPU", a, &p->cpu_r, ROLE_SPARK_CPU, fmt_pct, true,
		     100, end_ms, window_ms);
	y += h;
	if (!probe) {
		snprintf(t, sizeof t, "%s%s", why, p->pstate == PROBE_NONE && p->state != PROC_EXITED
			 ? " \xe2\x80\x94 press a to attach" : "");
		canvas_text(c, last, r.x + 8, r.w - 8, t, ROLE_DIM);
		return;
	}
	double used = view_value(p, PS_heap_used, ui, end_ms);
	fmt_bytes(a, sizeof a, used);
	fmt_bytes(b, sizeof b, n->heap_limit);
	fmt_pct(e, sizeof e, heap_pct(used, n->heap_limit));
	snprintf(t, sizeof t, "%s/%s %s", a, b, e);
	h = view_share(gr, ng, 2);
	focus_metric(c, rect_make(y, r.x, h, r.w), "Heap", t, &n->heap_used_r, ROLE_SPARK_HEAP,
		     fmt_bytes, false, 1 << 20, end_ms, window_ms);
	y += h;
	h = view_share(gr, ng, 3);
	fmt_ms(a, sizeof a, view_value(p, PS_lag_p99, ui, end_ms));
	snprintf(t, sizeof t, "p99 %s", a);
	focus_metric(c, rect_make(y, r.x, h, r.w), "Lag", t, &n->lag_p99_r, ROLE_SPARK_LAG, fmt_ms,
		     true, 10, end_ms, window_ms);
	canvas_text(c, last, r.x, 8, "GC", ROLE_TITLE);
	gc_summary gs;
	gc_timeline_summary(n, end_ms, window_ms, GC_LONG_MS_DEFAULT, &gs);
	fmt_pct(a, sizeof a, gs.pct);
	snprintf(t, sizeof t, "%s of wall time", a);
	canvas_text(c, last, r.x + 8, 30, t, ROLE_DEFAULT);
	if (r.w > 8 + 31 + 10)
		gc_timeline_draw(c, rect_make(last, r.x + 8 + 31, 1, r.w - 8 - 31), n, end_ms, window_ms,
				 GC_LONG_MS_DEFAULT);
}

/* The table's marked column for each sort order. */
static const proc_table_sort table_sort[SORT_NCOLS] = {
	[SORT_PID] = PT_SORT_PID, [SORT_NAME] = PT_SORT_NAME, [SORT_CPU] = PT_SORT_CPU,
	[SORT_RSS] = PT_SORT_RSS, [SORT_HEAP] = PT_SORT_HEAP, [SORT_LAG] = PT_SORT_LAG,
};

void view_overview_draw(WINDOW *w, const model *m, const ui_state *ui, const row_list *rl)
{
	if (view_too_small(w, ui))
		return;
	int H = getmaxy(w), W = getmaxx(w);
	canvas c = view_canvas(w, ui);
	canvas_clear(&c, rect_make(0, 0, H, W), canvas_attr(&c, ROLE_DEFAULT));
	vproc *const *rows = rl->v;
	size_t n = rl->n;
	const vproc *sel = model_find(m, ui->selected_pid);
	ov_layout L = layout_for(m, H, n, sel && rows_index(rows, n, sel->pid) >= 0);

	/* header: counts */
	int attached = 0, live = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		attached += m->procs[i]->pstate == PROBE_ATTACHED && m->procs[i]->state != PROC_EXITED;
		live += m->procs[i]->state != PROC_EXITED;
	}
	int firing = alert_pane_firing(m);
	char left[200];
	int off = W >= 100
		? snprintf(left, sizeof left, "\xe2\x94\x82 %d process%s \xc2\xb7 %d attached \xc2\xb7 %d alert%s firing",
			   live, live == 1 ? "" : "es", attached, firing, firing == 1 ? "" : "s")
		: snprintf(left, sizeof left, "\xe2\x94\x82 %d proc%s \xc2\xb7 %d attached \xc2\xb7 %d firing",
			   live, live == 1 ? "" : "s", attached, firing);
	if (ui->filter[0] && off > 0 && (size_t)off < sizeof left)
		snprintf(left + off, sizeof left - (size_t)off, " \xe2\x94\x82 filter \"%s\" (%zu shown)",
			 ui->filter, n);
	view_header(&c, 0, W, left, m, ui);

	/* process table */
	char empty[128];
	if (ui->filter[0])
		snprintf(empty, sizeof empty, " no process matches \"%s\" (Esc clears the filter)", ui->filter);
	else
		snprintf(empty, sizeof empty, " no processes yet: Node.js processes of yours appear here when they start");
	proc_table_opts po = { table_sort[ui->sort < SORT_NCOLS ? ui->sort : SORT_PID],
			       rows_sort_desc(ui->sort, ui->sort_invert), ui->selected_pid,
			       view_end_ms(m, ui), view_window_ms(ui), empty, model_many_hosts(m),
			       ui->selected_worker };
	int visible = L.table_h - 1;
	size_t first = first_row(ui, rl, visible);
	draw_table(&c, rect_make(L.table_y, 0, L.table_h, W), rl, first, m, ui, &po);
	if (L.focus_h)
		draw_focus(&c, rect_make(L.focus_y, 0, L.focus_h, W), sel, ui, po.end_ms, po.window_ms);

	/* alerts */
	attr_t border = canvas_attr(&c, ROLE_BORDER);
	canvas_hline(&c, L.alerts_y, 0, W, border);
	char title[64];
	snprintf(title, sizeof title, " Alerts (%d firing) ", firing);
	canvas_text(&c, L.alerts_y, 2, W - 4, title, firing ? ROLE_ALERT_CRIT : ROLE_TITLE);
	if (n > (size_t)visible && W > 40) {
		char pos[48];
		snprintf(pos, sizeof pos, " rows %zu-%zu of %zu ", first + 1,
			 first + (size_t)visible < n ? first + (size_t)visible : n, n);
		canvas_text_right(&c, L.alerts_y, 0, W - 2, pos, canvas_attr(&c, ROLE_DIM));
	}
	alert_pane_draw(&c, rect_make(L.alerts_y + 1, 1, L.alerts_h - 1, W - 1), m, 0);

	view_status(&c, L.status_y, W, m);
	const key_binding *hints[32];
	view_hints(&c, L.hints_y, W, hints, keys_hints(KEYS_OVERVIEW, hints, 32));
}
