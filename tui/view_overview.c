/* view_overview — the main screen; see view_overview.h.
 *
 * Layout, top to bottom: header bar (1), table header + rows, "Alerts" rule
 * (1), alert lines, status line (1), key hints (1).  Alert lines: 3 on small
 * terminals, a quarter of the height on tall ones (up to 12), fewer when
 * there are fewer alerts; the table gets the rest.  The first table row
 * shown is ui->scroll, moved just enough to keep the selected row visible —
 * the same computation view_overview_pid_at uses, so clicks hit what is drawn.
 */
#include "tui/view_overview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/rows.h"
#include "tui/view.h"
#include "widgets/alert_pane.h"
#include "widgets/proc_table.h"

typedef struct ov_layout {
	int table_y, table_h;	/* including its header row */
	int alerts_y, alerts_h;	/* rule row + lines */
	int status_y, hints_y;
} ov_layout;

static ov_layout layout_for(const model *m, int rows)
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
	return L;
}

int view_overview_table_rows(const model *m, int rows)
{
	int n = layout_for(m, rows).table_h - 1;
	return n > 0 ? n : 1;
}

/* First row shown: ui->scroll, moved to keep the selection visible. */
static size_t first_row(const ui_state *ui, vproc *const *rows, size_t n, int visible)
{
	long first = ui->scroll > 0 ? ui->scroll : 0;
	int sel = rows_index(rows, n, ui->selected_pid);
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

/* Visible rows into a buffer the caller frees if it is not `stack`. */
static vproc **get_rows(const model *m, const ui_state *ui, vproc **stack, size_t cap, size_t *n)
{
	vproc **rows = m->nprocs <= cap ? stack : malloc(m->nprocs * sizeof *rows);
	if (!rows) {
		rows = stack;
		*n = rows_visible(m, ui, rows, cap);
		return rows;
	}
	*n = rows_visible(m, ui, rows, m->nprocs > cap ? m->nprocs : cap);
	return rows;
}

int view_overview_pid_at(const model *m, const ui_state *ui, int y, int rows_h, int cols)
{
	if (cols < VIEW_MIN_COLS || rows_h < VIEW_MIN_ROWS)
		return 0;
	ov_layout L = layout_for(m, rows_h);
	int visible = L.table_h - 1;
	int k = y - (L.table_y + 1);
	if (k < 0 || k >= visible)
		return 0;
	vproc *stack[256];
	size_t n;
	vproc **rows = get_rows(m, ui, stack, 256, &n);
	size_t first = first_row(ui, rows, n, visible);
	int pid = first + (size_t)k < n ? rows[first + (size_t)k]->pid : 0;
	if (rows != stack)
		free(rows);
	return pid;
}

static const view_hint hints[] = {
	{ "q", "quit", NULL }, { "\xe2\x86\x91\xe2\x86\x93", "select", "j/k" },
	{ "Enter", "detail", NULL }, { "a", "attach", NULL }, { "s", "snapshot", NULL },
	{ "p", "profile", NULL }, { "/", "filter", NULL }, { "<>", "sort", NULL },
	{ "1-5", "window", NULL }, { "space", "pause", NULL }, { "t", "theme", NULL },
	{ "?", "help", NULL },
};

void view_overview_draw(WINDOW *w, const model *m, const ui_state *ui)
{
	if (view_too_small(w, ui))
		return;
	int H = getmaxy(w), W = getmaxx(w);
	canvas c = view_canvas(w, ui);
	canvas_clear(&c, rect_make(0, 0, H, W), canvas_attr(&c, ROLE_DEFAULT));
	ov_layout L = layout_for(m, H);

	vproc *stack[256];
	size_t n;
	vproc **rows = get_rows(m, ui, stack, 256, &n);

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
	if (c.ascii)	/* the same without the box-drawing bar and dots */
		for (char *p = left; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				size_t k = 1;
				while (((unsigned char)p[k] & 0xC0) == 0x80)
					k++;
				*p = (unsigned char)*p == 0xe2 && (unsigned char)p[1] == 0x94 ? '|' : '-';
				memmove(p + 1, p + k, strlen(p + k) + 1);
			}
	view_header(&c, 0, W, left, m, ui);

	/* process table */
	proc_table_opts po = { ui->sort, rows_sort_desc(ui->sort, ui->sort_invert), ui->selected_pid,
			       view_end_ms(m, ui), view_window_ms(ui) };
	int visible = L.table_h - 1;
	size_t first = first_row(ui, rows, n, visible);
	proc_table_draw(&c, rect_make(L.table_y, 0, L.table_h, W), rows, n, first, &po);

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
	view_hints(&c, L.hints_y, W, hints, (int)(sizeof hints / sizeof hints[0]));
	if (rows != stack)
		free(rows);
}
