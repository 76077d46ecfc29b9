/* view_detail — the selected process; see view_detail.h.
 *
 * Layout is a column allocator: the sections — GC timeline, heap spaces,
 * captures, log — say how many rows they would like, the metric graphs
 * share what is left (at least a row each: they always fit at the minimum
 * size), then the sections in priority order get the rows they want or what
 * is left.  At 150 columns and more, the sections go to a right-hand column
 * and the graphs fill the left one above the heap spaces.
 */
#include "tui/view_detail.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/view.h"
#include "base/fmt.h"
#include "widgets/gc_timeline.h"
#include "widgets/heap_spaces.h"
#include "widgets/log_pane.h"
#include "widgets/proc_table.h"
#include "widgets/sparkline.h"

#define LABEL_W 8

static size_t fmt_ratio(char *buf, size_t n, double v)
{
	return fmt_pct(buf, n, v * 100.0);
}

typedef struct dctx {
	canvas c;
	const model *m;
	const ui_state *ui;
	const vproc *p;
	int64_t end_ms, window_ms;
} dctx;

/* Draw s over at most maxlines lines of width w, broken at blanks (a word
 * longer than a line is cut); returns the lines used. */
static int wrap_text(const canvas *c, int y, int x, int w, int maxlines, const char *s,
		     theme_role role)
{
	int lines = 0;
	char line[512];
	while (*s && lines < maxlines && w > 0) {
		size_t n = 0, fit = 0;
		while (s[n]) {
			size_t e = n;
			while (s[e] == ' ')
				e++;
			while (s[e] && s[e] != ' ')
				e++;
			if (e >= sizeof line)
				break;
			memcpy(line, s, e);
			line[e] = 0;
			if (canvas_width(line, c->ascii) > w && fit > 0)
				break;
			fit = n = e;
		}
		if (fit == 0)
			fit = strlen(s);	/* one long word: canvas_text cuts it */
		if (lines == maxlines - 1)
			fit = strlen(s);	/* the last line takes the rest, cut with '…' */
		snprintf(line, sizeof line, "%.*s", (int)fit, s);
		canvas_text(c, y + lines, x, w, line, role);
		lines++;
		s += fit;
		while (*s == ' ')
			s++;
	}
	return lines;
}

/* "LABEL  value text  sparkline ↓min↑max" in rect r (r.h rows of graph). */
static void metric(const dctx *d, rect r, const char *label, const char *value, const ring *s,
		   theme_role role, spark_fmt f, bool zero_based, double min_span, double hi)
{
	const canvas *c = &d->c;
	canvas_clear(c, r, canvas_attr(c, ROLE_DEFAULT));
	canvas_text(c, r.y, r.x, LABEL_W, label, ROLE_TITLE);
	int vw = r.w >= 100 ? 36 : 32;
	if (vw > r.w - LABEL_W)
		vw = r.w - LABEL_W;
	canvas_text(c, r.y, r.x + LABEL_W, vw, value, ROLE_DEFAULT);
	int sx = r.x + LABEL_W + vw + 1, sw = r.x + r.w - sx;
	if (!s || sw < 6)
		return;
	spark_opts o = spark_opts_make(d->end_ms, d->window_ms, role, f);
	o.zero_based = zero_based;
	o.min_span = min_span;
	o.hi = hi;
	sparkline_draw(c, rect_make(r.y, sx, r.h, sw), s, &o);
}

static void section_title(const dctx *d, int y, int x, int w, const char *title)
{
	canvas_hline(&d->c, y, x, w, canvas_attr(&d->c, ROLE_BORDER));
	char t[96];
	snprintf(t, sizeof t, " %s ", title);
	canvas_text(&d->c, y, x + 1, w - 2, t, ROLE_TITLE);
}

#define DETAIL_ROUTES 3	/* the top routes the detail view lists */

/* A process that serves HTTP, calls out or has worker threads: req/s and p99
 * with sparklines, the outgoing calls, a line per worker (the latest the
 * probe has, whatever moment is shown). Returns rows used (0 for others). */
static int draw_traffic(const dctx *d, int y, int x, int w)
{
	const vproc *p = d->p;
	const vnode *n = p->node;
	const ui_state *ui = d->ui;
	int64_t t = d->end_ms;
	char v[200], a[16], b[16], e[16];
	int y0 = y;
	if (ring_len(&n->http_rps_r, 0) > 0) {
		double rps = view_value(p, PS_http_rps, ui, t), err = view_value(p, PS_http_err_pct, ui, t);
		fmt_ms(a, sizeof a, n->http_p50);
		fmt_ms(b, sizeof b, n->http_max);
		snprintf(v, sizeof v, "%.0f req/s  5xx %s%.1f%%  p50 %s max %s  in flight %.0f",
			 isnan(rps) ? 0 : rps, "", isnan(err) ? 0 : err, a, b, n->http_in_flight);
		metric(d, rect_make(y++, x, 1, w), "HTTP", v, &n->http_rps_r, ROLE_SPARK_CPU, NULL, true, 1, NAN);
		fmt_ms(a, sizeof a, view_value(p, PS_http_p99, ui, t));
		snprintf(v, sizeof v, "p99 %s", a);
		metric(d, rect_make(y++, x, 1, w), "", v, &n->http_p99_r, ROLE_SPARK_LAG, fmt_ms, true, 10, NAN);
		/* the busiest routes of the latest window (the probe's, whatever moment is shown) */
		for (int i = 0; i < n->nroutes && i < DETAIL_ROUTES; i++) {
			const http_route *r = &n->routes[i];
			fmt_ms(a, sizeof a, r->p99);
			snprintf(v, sizeof v, "%-6s %-36.36s %6.0f req/s  p99 %-7s 5xx %.0f", r->method, r->route,
				 isnan(r->rps) ? 0 : r->rps, a, isnan(r->e5xx) ? 0 : r->e5xx);
			canvas_text(&d->c, y, x, LABEL_W, i ? "" : "Routes", ROLE_TITLE);
			canvas_text(&d->c, y++, x + LABEL_W, w - LABEL_W, v, ROLE_DEFAULT);
		}
	}
	if (ring_len(&n->httpc_rps_r, 0) > 0) {
		fmt_ms(a, sizeof a, view_value(p, PS_httpc_p99, ui, t));
		double rps = view_value(p, PS_httpc_rps, ui, t);
		snprintf(v, sizeof v, "%.0f req/s  p99 %s  failed+5xx %.1f%%  in flight %.0f", isnan(rps) ? 0 : rps, a,
			 isnan(n->httpc_err_pct) ? 0 : n->httpc_err_pct, n->httpc_in_flight);
		metric(d, rect_make(y++, x, 1, w), "Out", v, &n->httpc_rps_r, ROLE_SPARK_CPU, NULL, true, 1, NAN);
	}
	for (int i = 0; i < n->nworkers; i++) {
		const worker_info *wk = &n->workers[i];
		fmt_bytes(a, sizeof a, wk->heap_used);
		fmt_bytes(b, sizeof b, wk->heap_total);
		fmt_bytes(e, sizeof e, wk->heap_limit);
		char lag[16];
		fmt_ms(lag, sizeof lag, wk->lag_max);
		char cpu[24] = "";
		if (!isnan(wk->cpu_pct))
			snprintf(cpu, sizeof cpu, "  cpu %.0f%%", wk->cpu_pct);
		snprintf(v, sizeof v, "#%d %s  heap %s/%s limit %s  elu %.0f%%%s  lag max %s  gc %.0f",
			 wk->thread_id, wk->name[0] ? wk->name : "-", a, b, e, isnan(wk->elu) ? 0 : 100 * wk->elu, cpu,
			 isnan(wk->lag_max) ? "-" : lag, isnan(wk->gc_count) ? 0 : wk->gc_count);
		canvas_text(&d->c, y, x, LABEL_W, i ? "" : "Workers", ROLE_TITLE);
		canvas_text(&d->c, y++, x + LABEL_W, w - LABEL_W, v, ROLE_DEFAULT);
	}
	return y - y0;
}

/* The metric lines; returns rows used. */
static int draw_metrics(const dctx *d, int y, int x, int w, int graph_rows)
{
	const vproc *p = d->p;
	const vnode *n = p->node;
	char v[160], a[16], b[16], e[16];
	int y0 = y;
	/* the graphs share graph_rows: five with probe data, else two */
	int ng = n && !proc_table_probe_text(p)[0] ? 5 : 2;
#define GH(i) view_share(graph_rows, ng, (i))

	/* the numbers of the moment shown (view_value); paused, those kept
	 * without history (vsz, usr/sys, lag p50) are left out */
	const ui_state *ui = d->ui;
	int64_t t = d->end_ms;
	bool live = !ui->paused;
	fmt_bytes(a, sizeof a, view_value(p, VS_RSS, ui, t));
	fmt_bytes(b, sizeof b, p->vsz_bytes > 0 ? p->vsz_bytes : NAN);
	fmt_bytes(e, sizeof e, p->mem_limit);
	int off = snprintf(v, sizeof v, "%s", a);
	if (live)
		off += snprintf(v + off, sizeof v - (size_t)off, "  vsz %s", b);
	if (p->mem_limit > 0)
		snprintf(v + off, sizeof v - (size_t)off, "  cgroup %s", e);
	metric(d, rect_make(y, x, GH(0), w), "RSS", v, &p->rss_r, ROLE_SPARK_RSS, fmt_bytes, false,
	       1 << 20, NAN);
	y += GH(0);

	fmt_pct(a, sizeof a, view_value(p, VS_CPU, ui, t));
	off = snprintf(v, sizeof v, "%s", a);
	if (live)
		snprintf(v + off, sizeof v - (size_t)off, "  usr %.1f  sys %.1f", p->cpu_user_pct, p->cpu_sys_pct);
	metric(d, rect_make(y, x, GH(1), w), "CPU", v, &p->cpu_r, ROLE_SPARK_CPU, fmt_pct, true, 100, NAN);
	y += GH(1);

	const char *why = proc_table_probe_text(p);
	if (n && !why[0]) {
		char l[16], pct[16];
		double used = view_value(p, PS_heap_used, ui, t);
		fmt_bytes(a, sizeof a, used);
		fmt_bytes(b, sizeof b, view_value(p, PS_heap_total, ui, t));
		fmt_bytes(l, sizeof l, n->heap_limit);
		fmt_pct(pct, sizeof pct, heap_pct(used, n->heap_limit));
		snprintf(v, sizeof v, "%s/%s  limit %s %s", a, b, l, pct);
		metric(d, rect_make(y, x, GH(2), w), "Heap", v, &n->heap_used_r, ROLE_SPARK_HEAP,
		       fmt_bytes, false, 1 << 20, NAN);
		y += GH(2);

		fmt_ms(a, sizeof a, n->lag_p50);
		fmt_ms(b, sizeof b, view_value(p, PS_lag_p99, ui, t));
		fmt_ms(e, sizeof e, view_value(p, PS_lag_max, ui, t));
		if (live)
			snprintf(v, sizeof v, "p50 %s p99 %s max %s", a, b, e);
		else
			snprintf(v, sizeof v, "p99 %s max %s", b, e);
		metric(d, rect_make(y, x, GH(3), w), "Lag", v, &n->lag_p99_r, ROLE_SPARK_LAG, fmt_ms, true,
		       10, NAN);
		y += GH(3);

		fmt_pct(a, sizeof a, view_value(p, PS_elu, ui, t) * 100);
		fmt_pct(b, sizeof b, view_value(p, PS_gc_pct, ui, t));
		snprintf(v, sizeof v, "%s  gc %s", a, b);
		metric(d, rect_make(y, x, GH(4), w), "ELU", v, &n->elu_r, ROLE_SPARK_ELU, fmt_ratio, true,
		       0, 1.0);
		y += GH(4);
		y += draw_traffic(d, y, x, w);
	} else {
		char msg[400];
		if (p->state == PROC_EXITED)
			snprintf(msg, sizeof msg, "exited \xe2\x80\x94 history kept (x clears exited rows)");
		else if (p->pstate == PROBE_NONE)
			snprintf(msg, sizeof msg, "not attached \xe2\x80\x94 press a to attach");
		else
			snprintf(msg, sizeof msg, "probe: %s", why);
		/* why an attach failed says what to do: it is wrapped, not cut */
		y += wrap_text(&d->c, y, x + LABEL_W, w - LABEL_W, 4, msg,
			       p->pstate == PROBE_FAILED || p->pstate == PROBE_LOST ? ROLE_WARN : ROLE_DIM);
	}

	/* threads, fds, CPU starvation (the event loop's thread runnable but
	 * waiting for a CPU), handles by type */
	off = snprintf(v, sizeof v, "threads %d  fds ", p->threads);
	if (p->fds >= 0)
		off += snprintf(v + off, sizeof v - (size_t)off, "%d", p->fds);
	else
		off += snprintf(v + off, sizeof v - (size_t)off, "-");	/* unreadable */
	if (!ui->paused && !isnan(p->sched_wait))
		off += snprintf(v + off, sizeof v - (size_t)off, "  cpu wait %.0fms/s", p->sched_wait);
	if (n && !why[0] && !isnan(n->handles_total)) {
		off += snprintf(v + off, sizeof v - (size_t)off, "  handles %.0f", n->handles_total);
		for (int i = 0; i < n->nhandles && off < (int)sizeof v - 1; i++)
			off += snprintf(v + off, sizeof v - (size_t)off, "%s%s %d", i ? ", " : ": ",
					n->handles[i].type, n->handles[i].count);
	}
	canvas_text(&d->c, y, x, LABEL_W, "Res", ROLE_TITLE);
	canvas_text(&d->c, y, x + LABEL_W, w - LABEL_W, v, ROLE_DEFAULT);
	y++;
#undef GH
	return y - y0;
}

static void draw_captures(const dctx *d, rect r)
{
	const vproc *p = d->p;
	section_title(d, r.y, r.x, r.w, "Captured files");
	int shown = 0;
	for (int i = p->ncaptures - 1; i >= 0 && shown < r.h - 1; i--, shown++) {
		const capture *cp = &p->captures[i];
		char t[16], sz[16], line[640];
		fmt_clock(t, sizeof t, cp->t_ms);
		fmt_bytes(sz, sizeof sz, (double)cp->bytes);
		snprintf(line, sizeof line, "%s %-12s %6s %s", t, cp->kind, sz, cp->path);
		canvas_text(&d->c, r.y + 1 + shown, r.x, r.w, line, ROLE_DEFAULT);
	}
}

/* Rows the sections would like in a column of `space` rows: the GC lanes,
 * the heap spaces (with_heap), the captures, and the program's output (its
 * lines, up to a third of the space: more scroll with PgUp).  The graphs
 * get the rest, so that nothing is left blank. */
static int sections_want(const dctx *d, int space, bool with_heap)
{
	const vproc *p = d->p;
	bool probe = p->node && !proc_table_probe_text(p)[0];
	int want = probe ? 6 : 0;
	if (with_heap && probe)
		want += 1 + heap_spaces_rows(p->node);
	if (p->ncaptures)
		want += 1 + (p->ncaptures < 5 ? p->ncaptures : 5);
	if (p->launched) {
		int lines = d->m->log_len > 0 ? (int)d->m->log_len : 1, cap = space / 3 > 3 ? space / 3 : 3;
		want += 1 + (lines < cap ? lines : cap);
	}
	return want;
}

/* Sections below/beside the metrics, in priority order, into a column. */
static void draw_sections(const dctx *d, int y, int x, int w, int bottom, bool with_heap)
{
	const vproc *p = d->p;
	const vnode *n = p->node;
	bool probe = n && !proc_table_probe_text(p)[0];
	int avail = bottom - y;
	bool roomy = avail >= 20 || avail >= sections_want(d, avail, with_heap);
	int gc_h = probe ? (roomy ? 6 : 3) : 0;
	if (gc_h > avail)
		gc_h = avail;
	if (gc_h) {
		gc_timeline_draw(&d->c, rect_make(y, x, gc_h, w), n, d->end_ms, d->window_ms,
				 GC_LONG_MS_DEFAULT);
		y += gc_h;
		avail -= gc_h;
	}
	int cap_max = roomy ? 5 : 2;
	int cap_h = p->ncaptures ? 1 + (p->ncaptures < cap_max ? p->ncaptures : cap_max) : 0;
	int log_min = p->launched ? 4 : 0;
	int heap_h = 0;
	if (with_heap && probe) {
		heap_h = 1 + heap_spaces_rows(n);
		if (heap_h > avail - cap_h - log_min)
			heap_h = avail - cap_h - log_min;
		if (heap_h < 2)
			heap_h = avail >= 2 ? 2 : 0;
	}
	if (heap_h) {
		section_title(d, y, x, w, "Heap spaces (used/size) \xc2\xb7 heap used/limit");
		heap_spaces_draw(&d->c, rect_make(y + 1, x, heap_h - 1, w), n);
		y += heap_h;
		avail -= heap_h;
	}
	if (cap_h > avail)
		cap_h = avail;
	if (cap_h >= 2) {
		draw_captures(d, rect_make(y, x, cap_h, w));
		y += cap_h;
		avail -= cap_h;
	}
	if (p->launched && avail >= 2) {
		section_title(d, y, x, w, "Output");
		log_pane_draw(&d->c, rect_make(y + 1, x, avail - 1, w), d->m, d->ui->log_scroll);
	}
}

void view_detail_draw(WINDOW *w, const model *m, const ui_state *ui)
{
	if (view_too_small(w, ui))
		return;
	int H = getmaxy(w), W = getmaxx(w);
	const key_binding *hints[32];
	dctx d = { view_canvas(w, ui), m, ui, model_find(m, ui->selected_pid),
		   view_end_ms(m, ui), view_window_ms(ui) };
	canvas_clear(&d.c, rect_make(0, 0, H, W), canvas_attr(&d.c, ROLE_DEFAULT));
	const vproc *p = d.p;
	char left[400];
	if (!p) {
		view_header(&d.c, 0, W, "| no process selected", m, ui);
		canvas_text(&d.c, 2, 2, W - 4, "No process selected: Esc goes back to the list.", ROLE_DIM);
		view_status(&d.c, H - 2, W, m);
		view_hints(&d.c, H - 1, W, hints, keys_hints(KEYS_DETAIL, hints, 32));
		return;
	}
	char up[24];
	fmt_duration(up, sizeof up, (p->state == PROC_EXITED ? p->exited_ms : d.end_ms) - p->first_seen_ms);
	const char *bar = ui->ascii ? "|" : "\xe2\x94\x82";
	char label[NAME_LEN + 16];
	int off = snprintf(left, sizeof left, "%s pid %d %s %s ", bar, p->pid,
			   model_proc_label(p, label, sizeof label), bar);
	if (p->state == PROC_EXITED)
		off += snprintf(left + off, sizeof left - (size_t)off, "exited");
	else if (p->node && p->pstate == PROBE_ATTACHED)
		off += snprintf(left + off, sizeof left - (size_t)off, "node %s", p->node->node_version);
	else
		off += snprintf(left + off, sizeof left - (size_t)off, "%s", proc_table_probe_text(p));
	if (W >= 100)	/* at 80 columns the header keeps what identifies the process */
		snprintf(left + off, sizeof left - (size_t)off, "  watched %s", up);
	view_header(&d.c, 0, W, left, m, ui);

	int y = 1;
	if (p->cmdline && p->cmdline[0]) {
		canvas_text(&d.c, y, 0, LABEL_W, "Cmd", ROLE_TITLE);
		canvas_text(&d.c, y, LABEL_W, W - LABEL_W, p->cmdline, ROLE_DIM);
		y++;
	}
	int bottom = H - 2;
	bool two = W >= 150;
	/* the graphs take the rows the other lines and the sections do not
	 * need, at least one each */
	bool probe = p->node && !proc_table_probe_text(p)[0];
	int ng = probe ? 5 : 2, fixed = probe ? 1 : 2;	/* "Res", and the line saying why */
	if (two) {
		int lw = W / 2 - 1;
		int heap_rows = probe ? 1 + heap_spaces_rows(p->node) : 0;
		int graphs = bottom - y - fixed - heap_rows;
		int used = draw_metrics(&d, y, 0, lw, graphs > ng ? graphs : ng);
		int hy = y + used;
		if (p->node && !proc_table_probe_text(p)[0] && hy + 2 < bottom) {
			section_title(&d, hy, 0, lw, "Heap spaces (used/size) \xc2\xb7 heap used/limit");
			int hh = heap_spaces_rows(p->node);
			if (hh > bottom - hy - 1)
				hh = bottom - hy - 1;
			heap_spaces_draw(&d.c, rect_make(hy + 1, 0, hh, lw), p->node);
		}
		draw_sections(&d, y, lw + 2, W - lw - 2, bottom, false);
	} else {
		int graphs = bottom - y - fixed - sections_want(&d, bottom - y, true);
		int used = draw_metrics(&d, y, 0, W, graphs > ng ? graphs : ng);
		draw_sections(&d, y + used, 0, W, bottom, true);
	}
	view_status(&d.c, H - 2, W, m);
	/* "a attach" only while there is something to attach */
	size_t nh = keys_hints(KEYS_DETAIL, hints, 32), n = 0;
	bool can_attach = p->state == PROC_LIVE && p->pstate != PROBE_ATTACHED &&
			  p->pstate != PROBE_CONNECTING && p->pstate != PROBE_ATTACHING;
	for (size_t i = 0; i < nh; i++)
		if (can_attach || hints[i]->act != KA_ATTACH)
			hints[n++] = hints[i];
	view_hints(&d.c, H - 1, W, hints, n);
}
