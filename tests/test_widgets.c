/* Cell-level tests of the widgets, rows and views: each draws into an
 * off-screen ncurses pad (newterm on /dev/null, TERM xterm-256color) and the
 * test reads the cells back with mvwin_wch — glyphs, attributes and colour
 * pairs exactly as a terminal would get them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/model.h"
#include "themes/theme.h"
#include "tui/keys.h"
#include "widgets/lineedit.h"
#include "tui/rows.h"
#include "tui/view.h"
#include "tui/view_detail.h"
#include "tui/view_overview.h"
#include "widgets/alert_pane.h"
#include "widgets/canvas.h"
#include "base/fmt.h"
#include "widgets/gc_timeline.h"
#include "widgets/heap_spaces.h"
#include "widgets/log_pane.h"
#include "widgets/proc_table.h"
#include "widgets/sparkline.h"

static SCREEN *scr;
static FILE *out_f, *in_f;
static theme th;
static const int64_t T0 = 1764450000000LL;	/* a fixed wall-clock start */

static int setup_curses(void **state)
{
	setlocale(LC_ALL, "C.UTF-8");
	out_f = fopen("/dev/null", "w");
	in_f = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", out_f, in_f);
	if (!scr)
		return -1;
	set_term(scr);
	start_color();
	theme_default(&th);
	theme_apply(&th, 256);
	return 0;
}

static int teardown_curses(void **state)
{
	endwin();
	delscreen(scr);
	fclose(out_f);
	fclose(in_f);
	return 0;
}

/* The glyph at (y, x) and its attributes. */
static wchar_t cell(WINDOW *w, int y, int x, attr_t *attrs, short *pair)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1] = { 0 };
	attr_t a;
	short p;
	mvwin_wch(w, y, x, &cc);
	getcchar(&cc, wc, &a, &p, NULL);
	if (attrs)
		*attrs = a;
	if (pair)
		*pair = p;
	return wc[0];
}

/* Row y from x0, n cells, as UTF-8 (wide-char continuation cells skipped). */
static const char *row_text(WINDOW *w, int y, int x0, int n)
{
	static char buf[4096];
	wchar_t ws[1024];
	int k = 0;
	for (int x = x0; x < x0 + n && k < 1023; x++) {
		wchar_t wc = cell(w, y, x, NULL, NULL);
		ws[k++] = wc ? wc : L' ';
		int cw = wcwidth(wc);
		if (cw == 2)
			x++;
	}
	ws[k] = 0;
	wcstombs(buf, ws, sizeof buf);
	return buf;
}

/* With TEST_DUMP set, print a pad (for looking at a failure). */
static void dump(WINDOW *w, const char *what)
{
	if (!getenv("TEST_DUMP"))
		return;
	fprintf(stderr, "--- %s\n", what);
	for (int y = 0; y < getmaxy(w); y++)
		fprintf(stderr, "|%s|\n", row_text(w, y, 0, getmaxx(w)));
}

/* Column (not byte) where needle starts in a UTF-8 row, or -1. */
static int col_of(const char *row, const char *needle)
{
	const char *p = strstr(row, needle);
	if (!p)
		return -1;
	char pre[4096];
	snprintf(pre, sizeof pre, "%.*s", (int)(p - row), row);
	return (int)mbstowcs(NULL, pre, 0);
}

static bool role_at(WINDOW *w, int y, int x, theme_role r)
{
	attr_t a;
	short p;
	cell(w, y, x, &a, &p);
	attr_t want = theme_attr(&th, r);
	return (short)PAIR_NUMBER(want) == p && (a & ~A_COLOR) == (want & ~A_COLOR);
}

static canvas canvas_for(WINDOW *w, bool ascii, bool braille)
{
	canvas c = { w, &th, ascii, braille };
	return c;
}

static const ring_config small_rc = { 3, { { 0, 300 }, { 10000, 360 }, { 300000, 288 } } };

/* A ring with n samples at 1 Hz ending at end: value f(i). */
static void fill_ring(ring *r, int n, int64_t end, double (*f)(int))
{
	ring_init(r, &small_rc);
	for (int i = 0; i < n; i++)
		ring_push(r, end - (int64_t)(n - 1 - i) * 1000, f(i));
}

static double ramp(int i) { return i; }
static double flat_with_spike(int i) { return i == 1234 ? 1000.0 : 10.0; }
static double with_nan(int i) { return i >= 50 && i < 54 ? NAN : 5.0 + i % 7; }

static int nonblank(WINDOW *w, int y, int x0, int n)
{
	int k = 0;
	for (int x = x0; x < x0 + n; x++) {
		wchar_t wc = cell(w, y, x, NULL, NULL);
		k += wc != L' ' && wc != 0;
	}
	return k;
}

/* ---- canvas ------------------------------------------------------------ */

static void test_canvas_text(void **state)
{
	WINDOW *w = newpad(3, 40);
	canvas c = canvas_for(w, false, false);
	werase(w);
	assert_int_equal(canvas_text(&c, 0, 0, 10, "hello", ROLE_DEFAULT), 5);
	assert_string_equal(row_text(w, 0, 0, 5), "hello");
	/* too long: cut with an ellipsis in exactly maxw columns, nothing after */
	assert_int_equal(canvas_text(&c, 1, 0, 8, "abcdefghijklmnop", ROLE_DEFAULT), 8);
	assert_string_equal(row_text(w, 1, 0, 10), "abcdefg\xe2\x80\xa6  ");
	/* wide characters count two columns; control bytes become '?' */
	assert_int_equal(canvas_width("\xe6\x97\xa5\xe6\x9c\xac", false), 4);
	werase(w);
	canvas_text(&c, 2, 0, 20, "a\x01" "b\x1b[31m", ROLE_DEFAULT);
	assert_string_equal(row_text(w, 2, 0, 8), "a?b?[31m");
	/* ASCII mode: one '?' per non-ASCII character, stand-ins for our own
	 * punctuation */
	canvas a = canvas_for(w, true, false);
	werase(w);
	canvas_text(&a, 0, 0, 20, "x\xc3\xa9y\xe2\x80\xa6\xe2\x94\x82\xe6\x97\xa5z", ROLE_DEFAULT);
	assert_string_equal(row_text(w, 0, 0, 7), "x?y.|?z");
	canvas_text(&a, 1, 0, 4, "abcdefgh", ROLE_DEFAULT);
	assert_string_equal(row_text(w, 1, 0, 4), "abc~");
	delwin(w);
}

/* With no colour (NO_COLOR, monochrome) roles are plain attributes and a
 * blank fill is "no attributes, pair 0", which curses renders with the
 * window's current attributes: a fill or a rule after reverse text must not
 * come out reversed. */
static void test_canvas_no_stale_attrs(void **state)
{
	WINDOW *w = newpad(2, 20);
	canvas c = canvas_for(w, false, false);
	werase(w);
	canvas_text_attr(&c, 0, 0, 5, "sel", A_REVERSE | A_BOLD);
	canvas_fill(&c, 0, 5, 10, A_NORMAL);
	attr_t a;
	short p;
	for (int x = 5; x < 15; x++) {
		cell(w, 0, x, &a, &p);
		assert_int_equal(a & (A_REVERSE | A_BOLD), 0);
		assert_int_equal(p, 0);
	}
	canvas_text_attr(&c, 1, 0, 5, "sel", A_REVERSE);
	canvas_hline(&c, 1, 5, 5, A_NORMAL);
	canvas_glyph(&c, 1, 12, L'x', 'x', A_BOLD);
	for (int x = 5; x < 10; x++) {
		cell(w, 1, x, &a, &p);
		assert_int_equal(a & A_REVERSE, 0);
	}
	cell(w, 1, 12, &a, &p);
	assert_int_equal(a & (A_REVERSE | A_BOLD), A_BOLD);
	delwin(w);
}

static void test_fmt(void **state)
{
	char b[32];
	fmt_bytes(b, sizeof b, 512);
	assert_string_equal(b, "512B");
	fmt_bytes(b, sizeof b, 84.2 * 1048576);
	assert_string_equal(b, "84.2M");
	fmt_bytes(b, sizeof b, 2.0 * 1073741824);
	assert_string_equal(b, "2.00G");
	fmt_bytes(b, sizeof b, NAN);
	assert_string_equal(b, "-");
	fmt_pct(b, sizeof b, 12.34);
	assert_string_equal(b, "12.3%");
	fmt_pct(b, sizeof b, 250);
	assert_string_equal(b, "250%");
	fmt_ms(b, sizeof b, 0.5);
	assert_string_equal(b, "0.50ms");
	fmt_ms(b, sizeof b, 1234);
	assert_string_equal(b, "1.23s");
	fmt_duration(b, sizeof b, 192000);
	assert_string_equal(b, "3m12s");
}

/* ---- sparkline --------------------------------------------------------- */

static void test_spark_widths(void **state)
{
	static const int widths[] = { 1, 2, 80, 300 };
	ring r;
	int64_t end = T0 + 600000;
	fill_ring(&r, 300, end, ramp);	/* 300 s of a ramp */
	WINDOW *w = newpad(2, 320);
	canvas c = canvas_for(w, false, false);
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		int W = widths[i];
		werase(w);
		spark_opts o = spark_opts_make(end, 300000, ROLE_SPARK_RSS, NULL);
		sparkline_draw(&c, rect_make(0, 0, 1, W), &r, &o);
		/* every column has data: the ring covers the window (299 of its 300 s) */
		assert_true(nonblank(w, 0, 0, W) >= W - 1);
		/* nothing drawn outside the rect */
		assert_int_equal(nonblank(w, 0, W, 320 - W), 0);
		assert_int_equal(nonblank(w, 1, 0, 320), 0);
		/* a ramp: the last column is the top level, in the role's colours */
		assert_true(cell(w, 0, W - 1, NULL, NULL) == L'\x2588');
		assert_true(role_at(w, 0, W - 1, ROLE_SPARK_RSS));
		if (W >= 80) {
			dump(w, "ramp");
			int x0 = cell(w, 0, 0, NULL, NULL) == L' ' ? 1 : 0;
			assert_true(cell(w, 0, x0, NULL, NULL) == L'\x2581');
			/* monotone: levels never go down along a ramp */
			for (int x = x0 + 1; x < W; x++)
				assert_true(cell(w, 0, x, NULL, NULL) >= cell(w, 0, x - 1, NULL, NULL));
		}
	}
	ring_free(&r);
	delwin(w);
}

static void test_spark_empty_and_single(void **state)
{
	ring r;
	ring_init(&r, &small_rc);
	WINDOW *w = newpad(1, 100);
	canvas c = canvas_for(w, false, false);
	spark_opts o = spark_opts_make(T0, 60000, ROLE_SPARK_CPU, fmt_pct);
	werase(w);
	sparkline_draw(&c, rect_make(0, 0, 1, 80), &r, &o);
	/* empty: no bars; the label says "-" for no value */
	int bars = 0;
	for (int x = 0; x < 80; x++) {
		wchar_t wc = cell(w, 0, x, NULL, NULL);
		bars += wc >= L'\x2581' && wc <= L'\x2588';
	}
	assert_int_equal(bars, 0);
	ring_push(&r, T0 - 500, 42);
	werase(w);
	o.fmt = NULL;
	sparkline_draw(&c, rect_make(0, 0, 1, 80), &r, &o);
	/* one sample half a second ago: at the right edge only (held up to
	 * now, never spread back in time) */
	assert_true(nonblank(w, 0, 0, 80) >= 1 && nonblank(w, 0, 0, 80) <= 2);
	assert_true(cell(w, 0, 79, NULL, NULL) != L' ');
	assert_true(cell(w, 0, 77, NULL, NULL) == L' ');
	ring_free(&r);
	delwin(w);
}

/* An idle app's probe samples every 10 s after a second of 1 s ones: the
 * columns between two of them hold the earlier value (as between 1 s ones),
 * while a hole of 40 s between two points stays empty. */
static void test_spark_coalesced_hold(void **state)
{
	(void)state;
	ring r;
	ring_init(&r, &small_rc);
	int64_t end = T0 + 100000;
	int64_t t = end - 99000;
	for (int i = 0; i < 30; i++, t += 1000)	/* columns 0..29 */
		ring_push(&r, t, 1);
	for (; t <= end - 49000; t += 10000)	/* columns 30, 40, 50 */
		ring_push(&r, t, 2);
	ring_push(&r, end - 9000, 3);		/* column 90, after a 40 s hole */
	float cols[100];
	spark_stats st;
	sparkline_columns(&r, end, 100000, 100, cols, &st);
	for (int i = 30; i < 51; i++)
		assert_true(cols[i] == 2.0f);	/* held across the 10 s windows */
	int empty = 0;
	for (int i = 51; i < 90; i++)
		empty += isnan(cols[i]);
	assert_true(empty >= 30);		/* the 40 s hole is seen */
	assert_true(cols[90] == 3.0f);
	ring_free(&r);
}

static void test_spark_nan_gap(void **state)
{
	ring r;
	int64_t end = T0 + 100000;
	fill_ring(&r, 100, end, with_nan);	/* samples 50..53 missing */
	float cols[100];
	spark_stats st;
	sparkline_columns(&r, end, 100000, 100, cols, &st);
	/* sample i sits at end - (99 - i) s: column i (one per second, the
	 * last column holds end) */
	for (int i = 0; i < 100; i++) {
		if (i >= 50 && i < 54)
			assert_true(isnan(cols[i]));
		else if (i > 0)
			assert_false(isnan(cols[i]));
	}
	assert_int_equal(st.points, 96);
	WINDOW *w = newpad(1, 100);
	canvas c = canvas_for(w, false, false);
	werase(w);
	spark_opts o = spark_opts_make(end, 100000, ROLE_SPARK_LAG, NULL);
	sparkline_draw(&c, rect_make(0, 0, 1, 100), &r, &o);
	dump(w, "nan");
	for (int x = 50; x < 54; x++)
		assert_true(cell(w, 0, x, NULL, NULL) == L' ');
	assert_true(cell(w, 0, 49, NULL, NULL) != L' ');
	assert_true(cell(w, 0, 54, NULL, NULL) != L' ');
	ring_free(&r);
	delwin(w);
}

static void test_spark_ascii_and_braille(void **state)
{
	ring r;
	int64_t end = T0 + 300000;
	fill_ring(&r, 300, end, ramp);
	WINDOW *w = newpad(2, 100);
	spark_opts o = spark_opts_make(end, 300000, ROLE_SPARK_HEAP, fmt_bytes);
	canvas a = canvas_for(w, true, true);	/* ascii wins over braille */
	werase(w);
	sparkline_draw(&a, rect_make(0, 0, 1, 80), &r, &o);
	for (int x = 0; x < 80; x++)
		assert_true(cell(w, 0, x, NULL, NULL) < 0x80);
	assert_true(strchr(row_text(w, 0, 0, 80), '@') != NULL);	/* the top level */
	assert_true(strstr(row_text(w, 0, 0, 80), "299B") != NULL);	/* label: current */
	canvas b = canvas_for(w, false, true);
	werase(w);
	o.fmt = NULL;
	sparkline_draw(&b, rect_make(0, 0, 1, 40), &r, &o);
	for (int x = 0; x < 40; x++) {
		wchar_t wc = cell(w, 0, x, NULL, NULL);
		assert_true(wc > 0x2800 && wc <= 0x28ff);	/* never empty: real data */
	}
	assert_true(cell(w, 0, 39, NULL, NULL) == 0x28ff);	/* both top */
	assert_true(cell(w, 0, 0, NULL, NULL) == 0x28c0);	/* ⣀: both lowest */
	/* two rows: the bottom row of a high value is full */
	werase(w);
	canvas k = canvas_for(w, false, false);
	sparkline_draw(&k, rect_make(0, 0, 2, 40), &r, &o);
	assert_true(cell(w, 1, 39, NULL, NULL) == L'\x2588');
	assert_true(cell(w, 0, 39, NULL, NULL) == L'\x2588');
	assert_true(cell(w, 0, 0, NULL, NULL) == L' ');	/* low values: top row empty */
	ring_free(&r);
	delwin(w);
}

/* One 1-second spike in an hour of flat data stays visible at one hour
 * zoomed out to 80 columns: the coarse tier's bucket max carries it. */
static void test_spark_spike_survives_zoom(void **state)
{
	ring r;
	int64_t end = T0 + 3600000;
	fill_ring(&r, 3600, end, flat_with_spike);
	float cols[80];
	spark_stats st;
	sparkline_columns(&r, end, 3600000, 80, cols, &st);
	assert_true(st.tier > 0);	/* raw tier holds only 300 s */
	int spikes = 0;
	for (int i = 0; i < 80; i++)
		spikes += cols[i] == 1000.0f;
	assert_int_equal(spikes, 1);
	assert_float_equal(st.max, 1000.0, 1e-6);
	WINDOW *w = newpad(1, 80);
	canvas c = canvas_for(w, false, false);
	werase(w);
	spark_opts o = spark_opts_make(end, 3600000, ROLE_SPARK_LAG, NULL);
	sparkline_draw(&c, rect_make(0, 0, 1, 80), &r, &o);
	int full = 0, low = 0;
	for (int x = 0; x < 80; x++) {
		wchar_t wc = cell(w, 0, x, NULL, NULL);
		full += wc == L'\x2588';
		low += wc == L'\x2581';
	}
	assert_int_equal(full, 1);
	assert_true(low >= 75);
	/* the spike's column is where its time is: sample 1234 of 3600 */
	int want = (int)((1234.0 - 1) / 3600 * 80);
	int at = -1;
	for (int x = 0; x < 80; x++)
		if (cell(w, 0, x, NULL, NULL) == L'\x2588')
			at = x;
	assert_true(at >= want - 1 && at <= want + 1);
	/* zoomed in on the last minute the spike is out of the window */
	sparkline_columns(&r, end, 60000, 80, cols, &st);
	for (int i = 0; i < 80; i++)
		assert_true(isnan(cols[i]) || cols[i] == 10.0f);
	ring_free(&r);
	delwin(w);
}

static size_t fmt_plain(char *b, size_t n, double v)
{
	return (size_t)snprintf(b, n, "%.0f", v);
}

/* The min/max label covers the whole window, also just after the clock
 * passed a multiple of the window (here 2 s after a whole minute). */
static void test_spark_label_whole_window(void **state)
{
	ring r;
	int64_t end = T0 + 2000;	/* T0 is a whole minute */
	fill_ring(&r, 300, end, ramp);
	WINDOW *w = newpad(1, 60);
	canvas c = canvas_for(w, false, false);
	werase(w);
	spark_opts o = spark_opts_make(end, 60000, ROLE_SPARK_RSS, fmt_plain);
	sparkline_draw(&c, rect_make(0, 0, 1, 60), &r, &o);
	dump(w, "label");
	/* samples 240..299 are the last 60 s */
	assert_non_null(strstr(row_text(w, 0, 0, 60), " 299 \xe2\x86\x93" "240\xe2\x86\x91" "299"));
	ring_free(&r);
	delwin(w);
}

/* Paused / scrolled back: the window ends at end_ms, later data is not drawn. */
static void test_spark_scrolled_back(void **state)
{
	ring r;
	int64_t end = T0 + 300000;
	fill_ring(&r, 300, end, ramp);
	float cols[60];
	spark_stats st;
	sparkline_columns(&r, end - 120000, 60000, 60, cols, &st);
	assert_float_equal(st.last, 179, 1e-6);	/* value at end - 120 s */
	assert_float_equal(st.max, 179, 1e-6);
	ring_free(&r);
}

/* ---- heap spaces ----------------------------------------------------------- */

static vnode *make_node(model *m, vproc *p)
{
	vnode *n = model_node(m, p);
	n->heap_used = 50.0 * 1048576;
	n->heap_total = 60.0 * 1048576;
	n->heap_limit = 2048.0 * 1048576;
	const char *names[] = { "new_space", "old_space", "code_space", "large_object_space" };
	double used[] = { 4, 40, 2, 4 }, size[] = { 16, 48, 4, 8 };
	for (int i = 0; i < 4; i++) {
		heap_space *s = model_space(m, n, names[i]);
		s->used = used[i] * 1048576;
		s->size = size[i] * 1048576;
	}
	return n;
}

static void test_heap_pct_uses_limit(void **state)
{
	model m;
	model_init(&m, &small_rc);
	vproc *p = model_add(&m, 100, 1);
	vnode *n = make_node(&m, p);
	/* 50 MB of a 2 GB limit is 2.4 %, not 83 % (50 of the 60 MB total) */
	assert_float_equal(heap_usage_pct(n), 50.0 / 2048 * 100, 1e-9);
	WINDOW *w = newpad(6, 80);
	canvas c = canvas_for(w, false, false);
	werase(w);
	heap_spaces_draw(&c, rect_make(0, 0, 5, 80), n);
	assert_true(strstr(row_text(w, 0, 0, 80), "new") != NULL);
	assert_true(strstr(row_text(w, 0, 0, 80), "4.00M/16.0M") != NULL);
	assert_true(strstr(row_text(w, 3, 0, 80), "large object") != NULL);
	const char *limit = row_text(w, 4, 0, 80);
	assert_true(strstr(limit, "heap/limit") != NULL);
	assert_true(strstr(limit, "50.0M/2.00G 2.4%") != NULL);
	assert_null(strstr(limit, "83"));
	/* the limit bar: 2.4 % of ~50 cells is one used cell */
	int used = 0;
	for (int x = 0; x < 80; x++)
		used += cell(w, 4, x, NULL, NULL) == L'\x2588';
	assert_int_equal(used, 1);
	/* narrow: numbers only, nothing past the rect */
	werase(w);
	heap_spaces_draw(&c, rect_make(0, 0, 5, 20), n);
	assert_int_equal(nonblank(w, 4, 20, 60), 0);
	heap_spaces_draw(&c, rect_make(0, 0, 1, 1), n);
	delwin(w);
	model_free(&m);
}

/* ---- alert pane ------------------------------------------------------------ */

static void push_alert(model *m, int64_t t, int pid, int sev, int state, const char *rule, const char *msg)
{
	model_alert a;
	memset(&a, 0, sizeof a);
	a.t_ms = t;
	a.pid = pid;
	a.severity = (uint8_t)sev;
	a.state = (uint8_t)state;
	snprintf(a.rule, sizeof a.rule, "%s", rule);
	snprintf(a.msg, sizeof a.msg, "%s", msg);
	model_alert_push(m, &a);
}

static void test_alert_pane(void **state)
{
	model m;
	model_init(&m, &small_rc);
	WINDOW *w = newpad(4, 120);
	canvas c = canvas_for(w, false, false);
	werase(w);
	alert_pane_draw(&c, rect_make(0, 0, 3, 80), &m, 0);
	assert_true(strstr(row_text(w, 0, 0, 80), "no alerts") != NULL);
	push_alert(&m, T0, 11, SEV_WARN, ALERT_FIRING, "stall", "first alert");
	push_alert(&m, T0 + 1000, 22, SEV_CRIT, ALERT_FIRING, "heap_leak",
		   "heap grows 3.1 MB/min, limit in 12 min; this message is long enough to need cutting at eighty columns");
	push_alert(&m, T0 + 2000, 11, SEV_WARN, ALERT_RESOLVED, "stall", "third alert");
	assert_int_equal(alert_pane_firing(&m), 1);	/* stall resolved, leak firing */
	werase(w);
	alert_pane_draw(&c, rect_make(0, 0, 3, 80), &m, 0);
	dump(w, "alerts");
	/* newest first */
	assert_true(strstr(row_text(w, 0, 0, 80), "third alert") != NULL);
	assert_true(strstr(row_text(w, 0, 0, 80), "ok") != NULL);
	const char *r1 = row_text(w, 1, 0, 80);
	assert_true(strstr(r1, "CRIT") != NULL);
	assert_true(strstr(r1, "heap_leak") != NULL);
	assert_true(strstr(r1, "22") != NULL);
	/* cut with an ellipsis in the last column, not wrapped */
	assert_true(cell(w, 1, 79, NULL, NULL) == L'\x2026');
	assert_int_equal(nonblank(w, 1, 80, 40), 0);
	assert_true(strstr(row_text(w, 2, 0, 80), "first alert") != NULL);
	/* severity by role: the CRIT label in the crit role */
	r1 = row_text(w, 1, 0, 80);
	int x = (int)(strstr(r1, "CRIT") - r1);
	assert_true(role_at(w, 1, x, ROLE_ALERT_CRIT));
	/* a time HH:MM:SS first */
	char hhmmss[16];
	fmt_clock(hhmmss, sizeof hhmmss, T0 + 2000);
	assert_memory_equal(row_text(w, 0, 0, 8), hhmmss, 8);
	delwin(w);
	model_free(&m);
}

/* ---- GC timeline ----------------------------------------------------------- */

static void test_gc_timeline(void **state)
{
	model m;
	model_init(&m, &small_rc);
	vproc *p = model_add(&m, 7, 1);
	vnode *n = model_node(&m, p);
	int64_t end = T0 + 60000;
	ring_push(&n->heap_used_r, T0, 1);	/* watched from T0 */
	gc_event ev[] = {
		{ T0 + 1000, 2.0f, GC_MINOR, 0 },  { T0 + 2000, 3.0f, GC_MINOR, 0 },
		{ T0 + 30000, 20.0f, GC_MAJOR, 0 }, { T0 + 45000, 1.0f, GC_INCREMENTAL, 0 },
		{ T0 + 50000, 0.5f, GC_WEAKCB, 0 }, { T0 + 59000, 120.0f, GC_MAJOR, 0 },
	};
	for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
		model_gc_push(n, &ev[i]);
	gc_summary s;
	gc_timeline_summary(n, end, 60000, GC_LONG_MS_DEFAULT, &s);
	assert_int_equal(s.count[0], 2);
	assert_int_equal(s.count[1], 2);
	assert_int_equal(s.count[2], 1);
	assert_int_equal(s.count[3], 1);
	assert_int_equal(s.nlong, 1);
	assert_float_equal(s.max_ms, 120.0, 1e-6);
	assert_float_equal(s.pct, 146.5 / 60000 * 100, 1e-6);
	/* watched only the last 10 s: the share is of those 10 s */
	model m2;
	model_init(&m2, &small_rc);
	vnode *n2 = model_node(&m2, model_add(&m2, 8, 1));
	ring_push(&n2->heap_used_r, end - 10000, 1);
	gc_event e2 = { end - 5000, 100.0f, GC_MAJOR, 0 };
	model_gc_push(n2, &e2);
	gc_timeline_summary(n2, end, 60000, GC_LONG_MS_DEFAULT, &s);
	assert_float_equal(s.pct, 1.0, 1e-6);
	model_free(&m2);

	WINDOW *w = newpad(7, 130);
	canvas c = canvas_for(w, false, false);
	werase(w);
	gc_timeline_draw(&c, rect_make(0, 0, 6, 66), n, end, 60000, GC_LONG_MS_DEFAULT);
	const char *sum = row_text(w, 0, 0, 66);
	assert_true(strstr(sum, "GC") != NULL);
	assert_true(strstr(sum, "minor 2") != NULL);
	assert_true(strstr(sum, "major 2") != NULL);
	/* lanes start after a 6-column label; columns are whole seconds aligned
	 * so that the last one holds end: an event at +30 s is column 29 of 60 */
	assert_true(cell(w, 2, 6 + 29, NULL, NULL) == L'\x25cf');
	assert_true(role_at(w, 2, 6 + 29, ROLE_GC_MAJOR));
	assert_true(cell(w, 1, 6 + 0, NULL, NULL) == L'\x00b7');
	assert_true(cell(w, 3, 6 + 44, NULL, NULL) == L'\x25c6');
	assert_true(cell(w, 4, 6 + 49, NULL, NULL) == L'\x25cb');
	/* the 120 ms pause is emphasised */
	assert_true(cell(w, 2, 6 + 58, NULL, NULL) == L'\x25b2');
	assert_true(role_at(w, 2, 6 + 58, ROLE_GC_LONG));
	/* one lane, ASCII */
	canvas a = canvas_for(w, true, false);
	werase(w);
	gc_timeline_draw(&a, rect_make(0, 0, 1, 60), n, end, 60000, GC_LONG_MS_DEFAULT);
	assert_true(cell(w, 0, 29, NULL, NULL) == 'O');
	assert_true(cell(w, 0, 58, NULL, NULL) == '!');
	assert_true(cell(w, 0, 44, NULL, NULL) == '+');
	/* widths 1, 2, 300: no marks outside */
	werase(w);
	gc_timeline_draw(&c, rect_make(0, 0, 3, 1), n, end, 60000, GC_LONG_MS_DEFAULT);
	gc_timeline_draw(&c, rect_make(0, 0, 3, 2), n, end, 60000, GC_LONG_MS_DEFAULT);
	assert_int_equal(nonblank(w, 1, 2, 100), 0);
	delwin(w);
	model_free(&m);
}

/* ---- process table and rows -------------------------------------------------- */

static vproc *add_proc(model *m, int pid, const char *name, double cpu, double rss, int pstate)
{
	vproc *p = model_add(m, pid, (uint64_t)pid);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->cpu_pct = cpu;
	p->rss_bytes = rss;
	p->threads = 7;
	p->state_char = 'S';
	p->pstate = pstate;
	for (int i = 0; i < 60; i++) {
		ring_push(&p->rss_r, T0 + i * 1000, rss + i * 1000);
		ring_push(&p->cpu_r, T0 + i * 1000, cpu);
	}
	return p;
}

static void test_rows(void **state)
{
	model m;
	model_init(&m, &small_rc);
	add_proc(&m, 30, "node", 5, 100e6, PROBE_NONE);
	vproc *b = add_proc(&m, 10, "Worker", 50, 50e6, PROBE_NONE);
	add_proc(&m, 20, "node", 5, 300e6, PROBE_NONE);
	b->cmdline = strdup("node /srv/api/server.js");
	ui_state ui;
	memset(&ui, 0, sizeof ui);
	vproc *out[8];
	ui.sort = SORT_PID;
	assert_int_equal(rows_visible(&m, &ui, out, 8), 3);
	assert_int_equal(out[0]->pid, 10);
	assert_int_equal(out[2]->pid, 30);
	ui.sort = SORT_CPU;	/* biggest first; equal CPU keeps model order (stable) */
	rows_visible(&m, &ui, out, 8);
	assert_int_equal(out[0]->pid, 10);
	assert_int_equal(out[1]->pid, 30);
	assert_int_equal(out[2]->pid, 20);
	ui.sort_invert = true;
	rows_visible(&m, &ui, out, 8);
	assert_int_equal(out[0]->pid, 30);
	assert_int_equal(out[1]->pid, 20);
	assert_int_equal(out[2]->pid, 10);
	ui.sort_invert = false;
	ui.sort = SORT_NAME;	/* case-insensitive */
	rows_visible(&m, &ui, out, 8);
	assert_string_equal(out[2]->name, "Worker");
	snprintf(ui.filter, sizeof ui.filter, "WORK");
	assert_int_equal(rows_visible(&m, &ui, out, 8), 1);
	snprintf(ui.filter, sizeof ui.filter, "api/SERVER");	/* cmdline matches */
	assert_int_equal(rows_visible(&m, &ui, out, 8), 1);
	assert_int_equal(out[0]->pid, 10);
	snprintf(ui.filter, sizeof ui.filter, "nothing");
	assert_int_equal(rows_visible(&m, &ui, out, 8), 0);
	assert_int_equal(rows_index(out, 0, 10), -1);
	assert_true(rows_sort_desc(SORT_RSS, false));
	assert_false(rows_sort_desc(SORT_PID, false));
	model_free(&m);
}

/* A row as a view would make it, from the live values, no colours. */
static proc_table_row plain_row(const vproc *p)
{
	proc_table_row r = { .p = p, .cpu = p->state == PROC_EXITED ? NAN : p->cpu_pct,
			     .rss = p->rss_bytes, .heap_used = NAN, .heap_limit = NAN, .lag = NAN };
	if (p->node) {
		r.heap_used = p->node->heap_used;
		r.heap_limit = p->node->heap_limit;
		r.lag = p->node->lag_p99;
	}
	return r;
}

static void test_proc_table(void **state)
{
	model m;
	model_init(&m, &small_rc);
	vproc *a = add_proc(&m, 101, "api", 12.5, 80e6, PROBE_ATTACHED);
	make_node(&m, a);
	a->node->lag_p99 = 3.4;
	vproc *b = add_proc(&m, 102, "worker", 1, 40e6, PROBE_NONE);
	vproc *c2 = add_proc(&m, 103, "old", 0, 10e6, PROBE_ATTACHED);
	c2->state = PROC_EXITED;
	vproc *d = add_proc(&m, 104, "stuck", 0, 10e6, PROBE_FAILED);
	snprintf(d->probe_err, sizeof d->probe_err, "SIGUSR1 ignored: use launch mode");
	proc_table_row rows[] = { plain_row(a), plain_row(b), plain_row(c2), plain_row(d) };
	proc_table_opts o = { PT_SORT_CPU, true, 102, T0 + 59000, 60000, NULL, false, 0 };
	WINDOW *w = newpad(6, 310);
	canvas c = canvas_for(w, false, false);
	static const int widths[] = { 1, 2, 80, 300 };
	for (size_t k = 0; k < 4; k++) {
		werase(w);
		proc_table_draw(&c, rect_make(0, 0, 5, widths[k]), rows, 4, &o);
		for (int y = 0; y < 6; y++)
			assert_int_equal(nonblank(w, y, widths[k], 310 - widths[k]), 0);
	}
	/* at 80 columns */
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 80), rows, 4, &o);
	const char *hdr = row_text(w, 0, 0, 80);
	assert_true(strstr(hdr, "PID") != NULL);
	assert_true(strstr(hdr, "\xe2\x96\xbc" "CPU%") != NULL);	/* sort marker ▼ */
	assert_true(strstr(hdr, "RSS history") != NULL);
	const char *r1 = row_text(w, 1, 0, 80);
	assert_true(strstr(r1, "101") && strstr(r1, "api") && strstr(r1, "12.5%"));
	assert_true(strstr(r1, "50.0M/2.00G") != NULL);	/* heap used/limit */
	assert_true(strstr(r1, "3.4ms") != NULL);
	assert_true(strstr(row_text(w, 2, 0, 80), "not attached") != NULL);
	assert_true(strstr(row_text(w, 3, 0, 80), "exited") != NULL);
	assert_true(strstr(row_text(w, 4, 0, 80), "SIGUSR1") != NULL);
	/* selected row highlighted across the row, exited dimmed */
	assert_true(role_at(w, 2, 0, ROLE_SELECTED));
	assert_true(role_at(w, 2, 10, ROLE_SELECTED));
	assert_true(role_at(w, 3, 8, ROLE_DIM));
	/* the sparkline column has bars in the row of a live process */
	hdr = row_text(w, 0, 0, 80);
	int x0 = col_of(hdr, "RSS history");
	assert_true(nonblank(w, 1, x0, 80 - x0) > 0);
	assert_true(role_at(w, 1, 79, ROLE_SPARK_RSS));
	/* the colours are the row's, whatever the numbers: the widget has no
	 * thresholds of its own */
	int xc = col_of(hdr, "CPU%");
	assert_true(role_at(w, 1, xc + 3, ROLE_DEFAULT));
	rows[0].cpu_role = ROLE_WARN;
	rows[0].lag_role = ROLE_CRIT;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 80), rows, 4, &o);
	assert_true(role_at(w, 1, xc + 3, ROLE_WARN));
	/* wide: both sparklines */
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 200), rows, 4, &o);
	assert_true(strstr(row_text(w, 0, 0, 200), "CPU history") != NULL);
	/* OOM IN only while some row has a leak's time to OOM */
	assert_null(strstr(row_text(w, 0, 0, 200), "OOM IN"));
	rows[0].oom_s = 192;
	rows[0].oom_role = ROLE_CRIT;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 100), rows, 4, &o);
	hdr = row_text(w, 0, 0, 100);
	int xo = col_of(hdr, "OOM IN");
	assert_true(xo > col_of(hdr, "LAG p99"));
	assert_non_null(strstr(row_text(w, 1, 0, 100), "3m12s"));
	assert_true(role_at(w, 1, xo + 5, ROLE_CRIT));
	rows[0].oom_s = 0;
	/* REQ/S only while some row serves HTTP; "-" for the others */
	assert_null(strstr(row_text(w, 0, 0, 100), "REQ/S"));
	rows[0].http = true;
	rows[0].rps = 812.4;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 120), rows, 4, &o);
	hdr = row_text(w, 0, 0, 120);
	int xr = col_of(hdr, "REQ/S");
	assert_true(xr > col_of(hdr, "LAG p99"));
	assert_true(strstr(row_text(w, 1, xr, 6), "812") != NULL);
	rows[0].rps = 23456;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 120), rows, 4, &o);
	assert_true(strstr(row_text(w, 1, xr, 6), "23k") != NULL);
	rows[0].rps = NAN;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 120), rows, 4, &o);
	assert_true(strstr(row_text(w, 1, xr, 6), "-") != NULL);
	rows[0].http = false;
	/* ascending marker after an inverted sort, ASCII marker in ASCII mode */
	o.sort = PT_SORT_PID;
	o.sort_desc = false;
	canvas asc = canvas_for(w, true, false);
	werase(w);
	proc_table_draw(&asc, rect_make(0, 0, 5, 80), rows, 4, &o);
	assert_true(strstr(row_text(w, 0, 0, 80), "^PID") != NULL);
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 80; x++)
			assert_true(cell(w, y, x, NULL, NULL) < 0x80);
	/* no rows: the empty text */
	o.empty = "nothing here";
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 5, 80), rows, 0, &o);
	assert_true(strstr(row_text(w, 1, 0, 80), "nothing here") != NULL);
	delwin(w);
	model_free(&m);
}

/* --remote: one host is said in the name (HOST:name); more than one get a
 * HOST column, as wide as the longest name, and the names are plain; the
 * filter matches a host. */
static void test_proc_table_hosts(void **state)
{
	(void)state;
	model m;
	model_init(&m, &small_rc);
	vproc *a = add_proc(&m, 101, "api", 1, 80e6, PROBE_NONE);
	vproc *b = add_proc(&m, 102, "worker", 1, 40e6, PROBE_NONE);
	snprintf(a->host, sizeof a->host, "web1");
	snprintf(b->host, sizeof b->host, "web1");
	assert_false(model_many_hosts(&m));
	proc_table_row rows[] = { plain_row(a), plain_row(b) };
	proc_table_opts o = { PT_SORT_PID, false, 0, T0 + 59000, 60000, NULL, model_many_hosts(&m), 0 };
	WINDOW *w = newpad(4, 100);
	canvas c = canvas_for(w, false, false);
	proc_table_draw(&c, rect_make(0, 0, 3, 100), rows, 2, &o);
	assert_null(strstr(row_text(w, 0, 0, 100), "HOST"));
	assert_non_null(strstr(row_text(w, 1, 0, 100), "web1:api"));
	snprintf(b->host, sizeof b->host, "db-primary-7");
	assert_true(model_many_hosts(&m));
	o.hosts = true;
	werase(w);
	proc_table_draw(&c, rect_make(0, 0, 3, 100), rows, 2, &o);
	const char *hdr = row_text(w, 0, 0, 100);
	assert_int_equal(col_of(hdr, "HOST"), 0);
	int xp = col_of(hdr, "PID");
	assert_true(xp >= (int)strlen("db-primary-7"));
	const char *r2 = row_text(w, 2, 0, 100);
	assert_non_null(strstr(r2, "db-primary-7"));
	assert_null(strstr(r2, ":worker"));
	assert_non_null(strstr(r2, " worker"));
	assert_null(strstr(row_text(w, 1, 0, 100), "web1:"));
	assert_true(rows_match(b, "PRIMARY"));
	assert_false(rows_match(a, "primary"));
	for (int width = 1; width < 100; width += 7) {	/* any width: inside the rect */
		werase(w);
		proc_table_draw(&c, rect_make(0, 0, 3, width), rows, 2, &o);
		for (int y = 0; y < 4; y++)
			assert_int_equal(nonblank(w, y, width, 100 - width), 0);
	}
	delwin(w);
	model_free(&m);
}

/* One value of the moment for every view: live the latest, paused the ring's
 * value at the moment scrolled to, NaN where there is none. */
static void test_view_value(void **state)
{
	model m;
	model_init(&m, &small_rc);
	vproc *a = add_proc(&m, 101, "api", 12.5, 80e6, PROBE_ATTACHED);	/* RSS 80e6 + i*1000 at T0 + i s */
	make_node(&m, a);
	for (int i = 0; i < 60; i++)
		ring_push(&a->node->lag_p99_r, T0 + i * 1000, i);
	a->node->lag_p99 = 777;
	a->node->lag_p50 = 5;
	ui_state ui;
	memset(&ui, 0, sizeof ui);
	assert_float_equal(view_value(a, VS_RSS, &ui, T0 + 29000), 80e6, 1);
	assert_float_equal(view_value(a, PS_lag_p99, &ui, T0 + 29000), 777, 1e-9);
	ui.paused = true;
	assert_float_equal(view_value(a, VS_RSS, &ui, T0 + 29000), 80e6 + 29 * 1000, 1);
	assert_float_equal(view_value(a, VS_CPU, &ui, T0 + 29000), 12.5, 1e-6);
	assert_float_equal(view_value(a, PS_lag_p99, &ui, T0 + 29000), 29, 1e-6);
	assert_true(isnan(view_value(a, PS_lag_p50, &ui, T0 + 29000)));	/* no history kept */
	vproc *b = add_proc(&m, 102, "worker", 1, 40e6, PROBE_NONE);
	assert_true(isnan(view_value(b, PS_heap_used, &ui, T0)));	/* no probe */
	ui.paused = false;
	b->state = PROC_EXITED;
	assert_true(isnan(view_value(b, VS_CPU, &ui, T0)));
	b->rss_bytes = 0;
	assert_true(isnan(view_value(b, VS_RSS, &ui, T0)));
	model_free(&m);
}

static void test_log_pane(void **state)
{
	model m;
	model_init(&m, &small_rc);
	WINDOW *w = newpad(4, 40);
	canvas c = canvas_for(w, false, false);
	for (int i = 0; i < 10; i++) {
		char line[32];
		snprintf(line, sizeof line, i % 3 == 0 ? "! error %d" : "line %d", i);
		model_log_push(&m, line);
	}
	werase(w);
	log_pane_draw(&c, rect_make(0, 0, 3, 40), &m, 0);
	assert_true(strstr(row_text(w, 2, 0, 40), "! error 9") != NULL);	/* newest at the bottom */
	assert_true(role_at(w, 2, 0, ROLE_LOG_ERR));
	assert_true(strstr(row_text(w, 1, 0, 40), "line 8") != NULL);
	assert_true(role_at(w, 1, 0, ROLE_DEFAULT));
	werase(w);
	log_pane_draw(&c, rect_make(0, 0, 3, 40), &m, 1000);	/* clamped to the top */
	assert_true(strstr(row_text(w, 0, 0, 40), "! error 0") != NULL);
	delwin(w);
	model_free(&m);
}

/* ---- views --------------------------------------------------------------- */

static void build_view_model(model *m)
{
	model_init(m, &small_rc);
	m->now_ms = T0 + 59000;
	vproc *a = add_proc(m, 4242, "node", 12.5, 80e6, PROBE_ATTACHED);
	a->cmdline = strdup("node server.js --port 8080");
	make_node(m, a);
	a->node->lag_p99 = 3.4;
	add_proc(m, 4243, "node", 0.5, 40e6, PROBE_NONE);
	push_alert(m, T0 + 1000, 4242, SEV_CRIT, ALERT_FIRING, "stall", "event loop lag p99 820 ms");
	capture cp = { T0 + 2000, "heapsnapshot", "/tmp/out/node-4242.heapsnapshot", 45u << 20 };
	model_capture_add(a, &cp);
	a->launched = true;
	model_log_push(m, "server listening");
	model_log_push(m, "! deprecation warning");
	model_status(m, "attached to 4242");
}

/* The overview as the app paints it: rows filtered and sorted, then drawn. */
static void overview(WINDOW *w, const model *m, const ui_state *ui)
{
	row_list rl = { 0 };
	rows_build(&rl, m, ui);
	view_overview_draw(w, m, ui, &rl);
	rows_free(&rl);
}

static int pid_at(const model *m, const ui_state *ui, int y, int h, int cols)
{
	row_list rl = { 0 };
	rows_build(&rl, m, ui);
	int pid = view_overview_pid_at(m, ui, &rl, y, h, cols);
	rows_free(&rl);
	return pid;
}

static ui_state view_ui(int pid)
{
	ui_state ui;
	memset(&ui, 0, sizeof ui);
	ui.selected_pid = pid;
	ui.end_ms = T0 + 59000;
	ui.sort = SORT_PID;
	ui.th = &th;
	return ui;
}

static void test_view_too_small(void **state)
{
	model m;
	build_view_model(&m);
	ui_state ui = view_ui(4242);
	WINDOW *w = newpad(10, 40);
	overview(w, &m, &ui);
	dump(w, "too small");
	int lines = 0;
	for (int y = 0; y < 10; y++)
		lines += nonblank(w, y, 0, 40) > 0;
	assert_int_equal(lines, 1);
	assert_true(strstr(row_text(w, 4, 0, 40), "too small: need 60x15, have 40x10") != NULL);
	view_detail_draw(w, &m, &ui);
	assert_true(strstr(row_text(w, 4, 0, 40), "too small") != NULL);
	delwin(w);
	w = newpad(14, 100);	/* wide enough for the whole sentence */
	overview(w, &m, &ui);
	assert_true(strstr(row_text(w, 6, 0, 100), "terminal too small: need 60x15, have 100x14") != NULL);
	delwin(w);
	w = newpad(5, 20);	/* narrower still: the size needed, whole */
	overview(w, &m, &ui);
	assert_true(strstr(row_text(w, 2, 0, 20), "too small: 60x15") != NULL);
	delwin(w);
	model_free(&m);
}

static bool screen_has(WINDOW *w, int H, int W, const char *s)
{
	for (int y = 0; y < H; y++)
		if (strstr(row_text(w, y, 0, W), s))
			return true;
	return false;
}

/* ---- line editing ---------------------------------------------------------- */

static void type(char *b, size_t cap, size_t *cur, const wchar_t *s)
{
	for (; *s; s++)
		lineedit_key(b, cap, cur, (wint_t)*s, false, false);
}

static void test_lineedit(void **state)
{
	char b[16] = "";
	size_t cur = 0;
	type(b, sizeof b, &cur, L"node app");
	assert_string_equal(b, "node app");
	assert_int_equal(cur, 8);
	/* cursor keys, insert in the middle */
	assert_int_equal(lineedit_key(b, sizeof b, &cur, KEY_LEFT, true, false), LE_MOVED);
	lineedit_key(b, sizeof b, &cur, KEY_LEFT, true, false);
	lineedit_key(b, sizeof b, &cur, KEY_LEFT, true, false);
	type(b, sizeof b, &cur, L"my");
	assert_string_equal(b, "node myapp");
	/* Ctrl-A, Ctrl-E, Delete at the start */
	lineedit_key(b, sizeof b, &cur, 1, false, false);
	assert_int_equal(cur, 0);
	lineedit_key(b, sizeof b, &cur, KEY_DC, true, false);
	assert_string_equal(b, "ode myapp");
	lineedit_key(b, sizeof b, &cur, 5, false, false);
	assert_int_equal(cur, strlen(b));
	/* Ctrl-W: the word before the cursor */
	lineedit_key(b, sizeof b, &cur, 23, false, false);
	assert_string_equal(b, "ode ");
	/* UTF-8: one character, one step; Backspace removes it whole */
	type(b, sizeof b, &cur, L"\x65e5\x672c");	/* 日本 */
	assert_string_equal(b, "ode \xe6\x97\xa5\xe6\x9c\xac");
	assert_int_equal(lineedit_cursor_col(b, cur), 4 + 4);	/* two wide characters */
	lineedit_key(b, sizeof b, &cur, KEY_LEFT, true, false);
	assert_int_equal(cur, 7);
	lineedit_key(b, sizeof b, &cur, 127, false, false);
	assert_string_equal(b, "ode \xe6\x9c\xac");
	/* full: a character that does not fit is refused whole */
	type(b, sizeof b, &cur, L"abcdef");
	size_t before = strlen(b);
	type(b, sizeof b, &cur, L"\x65e5");
	assert_int_equal(strlen(b), before);
	assert_true(strlen(b) < sizeof b);
	/* Ctrl-U: to the start; controls are not text; Enter is the caller's */
	lineedit_key(b, sizeof b, &cur, 21, false, false);
	assert_int_equal(cur, 0);
	assert_int_equal(lineedit_key(b, sizeof b, &cur, 27, false, false), LE_IGNORED);
	assert_int_equal(lineedit_key(b, sizeof b, &cur, '\n', false, false), LE_IGNORED);
	assert_int_equal(lineedit_key(b, sizeof b, &cur, 0x9b, false, false), LE_IGNORED);	/* C1 CSI */
	/* digits only */
	char d[6] = "";
	size_t dc = 0;
	assert_int_equal(lineedit_key(d, sizeof d, &dc, 'q', false, true), LE_IGNORED);
	type(d, sizeof d, &dc, L"1234567");
	assert_string_equal(d, "12345");
}

/* The footers come from the key table, in their own order; every binding
 * stands for an action. */
static void test_key_hints(void **state)
{
	const key_binding *h[32];
	size_t n = keys_hints(KEYS_OVERVIEW, h, 32);
	assert_int_equal(n, 12);
	assert_string_equal(h[0]->hint.what, "quit");
	assert_string_equal(h[1]->hint.what, "select");
	assert_string_equal(h[8]->hint.key, "1-5");
	assert_string_equal(h[n - 1]->hint.what, "help");
	n = keys_hints(KEYS_DETAIL, h, 32);
	assert_int_equal(n, 11);
	assert_string_equal(h[0]->hint.key, "Esc");
	assert_int_equal(h[1]->act, KA_ATTACH);
	assert_int_equal(keys_hints(KEYS_DETAIL, h, 3), 3);	/* bounded by max */
	for (size_t i = 0; i < key_table_len; i++)
		assert_int_not_equal(key_table[i].act, KA_NONE);
	assert_int_equal(keys_find('1')->act, KA_WINDOW1);
	assert_null(keys_find('Z'));
}

static void test_views(void **state)
{
	model m;
	build_view_model(&m);
	ui_state ui = view_ui(4242);
	static const int sizes[][2] = { { 24, 80 }, { 50, 200 }, { 15, 60 } };
	for (int k = 0; k < 3; k++) {
		int H = sizes[k][0], W = sizes[k][1];
		WINDOW *w = newpad(H, W);
		overview(w, &m, &ui);
		assert_true(strstr(row_text(w, 0, 0, W), "vitals") != NULL);
		if (W >= 80) {
			assert_true(strstr(row_text(w, 0, 0, W), W >= 100 ? "2 processes" : "2 procs") != NULL);
			assert_true(strstr(row_text(w, 0, 0, W), "1 attached") != NULL);
		}
		assert_true(screen_has(w, H, W, "Alerts (1 firing)"));
		assert_true(screen_has(w, H, W, "event loop lag p99"));
		assert_true(strstr(row_text(w, H - 2, 0, W), "attached to 4242") != NULL);
		assert_true(strstr(row_text(w, H - 1, 0, W), "quit") != NULL);
		assert_true(strstr(row_text(w, H - 1, 0, W), "? help") != NULL);	/* always, even at 60 */
		/* the selected row is row 2 (header bar, table header) */
		assert_true(strstr(row_text(w, 2, 0, W), "4242") != NULL);
		assert_true(role_at(w, 2, 0, ROLE_SELECTED));
		assert_int_equal(pid_at(&m, &ui, 2, H, W), 4242);
		assert_int_equal(pid_at(&m, &ui, 3, H, W), 4243);
		assert_int_equal(pid_at(&m, &ui, 0, H, W), 0);
		/* rows to spare under the table (even at 15 for two processes):
		 * the selected process's graphs take them all */
		assert_true(screen_has(w, H, W, " pid 4242 server.js "));
		assert_true(screen_has(w, H, W, "50.0M/2.00G 2.4%"));
		/* no blank band: the graphs start under the last row and end on
		 * the row above the alerts */
		assert_true(strstr(row_text(w, 4, 0, W), " pid 4242 server.js ") != NULL);
		int alerts_y = -1;
		for (int y = 0; y < H; y++)
			if (strstr(row_text(w, y, 0, W), "Alerts (1 firing)"))
				alerts_y = y;
		assert_true(alerts_y > 5);
		assert_true(strncmp(row_text(w, alerts_y - 1, 0, W), "GC", 2) == 0);

		dump(w, "overview");
		view_detail_draw(w, &m, &ui);
		dump(w, "detail");
		assert_true(strstr(row_text(w, 0, 0, W), "pid 4242") != NULL);
		assert_true(screen_has(w, H, W, "RSS"));
		assert_true(screen_has(w, H, W, "limit 2.00G 2.4%"));
		assert_true(screen_has(w, H, W, "p99 3.4ms"));
		if (H >= 24) {
			assert_true(screen_has(w, H, W, "heap/limit"));
			assert_true(screen_has(w, H, W, "Captured files"));
			assert_true(screen_has(w, H, W, "/tmp/out/node-4242.heapsnapshot"));
			assert_true(screen_has(w, H, W, "! deprecation warning"));
		}
		/* paused, filtered, the whole history: marked in the header */
		ui.paused = true;
		ui.window = 4;
		snprintf(ui.filter, sizeof ui.filter, "node");
		overview(w, &m, &ui);
		assert_true(strstr(row_text(w, 0, 0, W), "PAUSED") != NULL);
		assert_true(strstr(row_text(w, 0, 0, W), "window all") != NULL);
		if (W >= 100)
			assert_true(strstr(row_text(w, 0, 0, W), "filter \"node\" (2 shown)") != NULL);
		view_detail_draw(w, &m, &ui);
		assert_true(strstr(row_text(w, 0, 0, W), "PAUSED") != NULL);
		/* a filter nothing matches says so, and how to clear it */
		snprintf(ui.filter, sizeof ui.filter, "zzz");
		overview(w, &m, &ui);
		assert_true(screen_has(w, H, W, "no process matches \"zzz\""));
		ui.paused = false;
		ui.window = 0;
		ui.filter[0] = 0;
		/* ASCII mode: nothing but ASCII on screen, and our own glyphs get
		 * stand-ins, not '?': compared cell by cell with the UTF-8 screen
		 * (but the hint line, whose ASCII keys differ in width) */
		WINDOW *u8 = newpad(H, W);
		for (int v = 0; v < 2; v++) {
			ui.ascii = false;
			if (v == 0)
				overview(u8, &m, &ui);
			else
				view_detail_draw(u8, &m, &ui);
			ui.ascii = true;
			if (v == 0)
				overview(w, &m, &ui);
			else
				view_detail_draw(w, &m, &ui);
			dump(w, "ascii");
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					wchar_t wc = cell(w, y, x, NULL, NULL), wu = cell(u8, y, x, NULL, NULL);
					assert_true(wc < 0x80);
					if (y < H - 1 && wu >= 0x80)
						assert_true(wc != '?');
				}
		}
		delwin(u8);
		ui.ascii = false;
		ui.selected_pid = 4243;
		view_detail_draw(w, &m, &ui);
		assert_true(screen_has(w, H, W, "not attached \xe2\x80\x94 press a to attach"));
		ui.selected_pid = 4242;
		delwin(w);
	}
	model_free(&m);
}

/* The overview colours the table by its thresholds (CPU 90 %, heap 70/90 %
 * of the limit, lag 100/500 ms) and, paused, shows the numbers of the
 * moment scrolled to in the table and the focus strip alike. */
static void test_overview_values(void **state)
{
	model m;
	build_view_model(&m);
	vproc *a = model_find(&m, 4242);
	ui_state ui = view_ui(4243);	/* 4242 not selected: its own colours show */
	WINDOW *w = newpad(24, 80);
	overview(w, &m, &ui);
	const char *hdr = row_text(w, 1, 0, 80);
	int xc = col_of(hdr, "CPU%"), xl = col_of(hdr, "LAG p99");
	assert_true(xc >= 0 && xl >= 0);
	assert_true(role_at(w, 2, xc + 3, ROLE_DEFAULT));
	a->cpu_pct = 95;
	a->node->lag_p99 = 600;
	overview(w, &m, &ui);
	assert_true(role_at(w, 2, xc + 3, ROLE_WARN));
	assert_true(role_at(w, 2, xl + 6, ROLE_CRIT));
	a->node->lag_p99 = 150;
	overview(w, &m, &ui);
	assert_true(role_at(w, 2, xl + 6, ROLE_WARN));
	/* paused 30 s back: the table and the focus strip agree */
	ui.selected_pid = 4242;
	ui.paused = true;
	ui.end_ms = T0 + 29000;
	a->rss_bytes = 999e6;
	overview(w, &m, &ui);
	char want[16], live[16];
	fmt_bytes(want, sizeof want, 80e6 + 29 * 1000);
	fmt_bytes(live, sizeof live, a->rss_bytes);
	assert_true(strstr(row_text(w, 2, 0, 80), want) != NULL);
	assert_false(screen_has(w, 24, 80, live));
	int focus = 0;
	for (int y = 3; y < 24; y++)
		focus += strstr(row_text(w, y, 0, 80), "RSS") && strstr(row_text(w, y, 0, 80), want);
	assert_int_equal(focus, 1);
	/* the detail view too; what has no history (vsz, lag p50) is left out */
	view_detail_draw(w, &m, &ui);
	assert_true(screen_has(w, 24, 80, want));
	assert_false(screen_has(w, 24, 80, live));
	assert_false(screen_has(w, 24, 80, "vsz"));
	assert_false(screen_has(w, 24, 80, "p50"));
	ui.paused = false;
	view_detail_draw(w, &m, &ui);
	assert_true(screen_has(w, 24, 80, "vsz"));
	assert_true(screen_has(w, 24, 80, live));
	delwin(w);
	model_free(&m);
}

/* The tree view: workers under their primary, siblings in sort order;
 * folded, the primary's row carries the totals and a count. */
static void test_tree(void **state)
{
	model m;
	model_init(&m, &small_rc);
	m.now_ms = T0 + 59000;
	vproc *pri = add_proc(&m, 500, "node", 1, 50e6, PROBE_NONE);
	pri->ppid = 1;
	add_proc(&m, 490, "other", 2, 10e6, PROBE_NONE)->ppid = 1;
	vproc *w1 = add_proc(&m, 510, "node", 10, 100e6, PROBE_NONE);
	w1->ppid = 500;
	vproc *w2 = add_proc(&m, 505, "node", 20, 200e6, PROBE_NONE);
	w2->ppid = 500;
	model_groups(&m);
	ui_state ui = view_ui(500);
	ui.tree = true;
	row_list rl = { 0 };
	rows_build(&rl, &m, &ui);
	assert_int_equal(rl.n, 4);
	assert_int_equal(rl.v[0]->pid, 490);	/* roots by PID */
	assert_int_equal(rl.v[1]->pid, 500);
	assert_int_equal(rl.v[2]->pid, 505);	/* its workers right after it, by PID */
	assert_int_equal(rl.v[3]->pid, 510);
	assert_int_equal(rl.depth[2], 1);
	assert_false(rl.last[2]);
	assert_true(rl.last[3]);
	WINDOW *w = newpad(24, 100);
	overview(w, &m, &ui);
	dump(w, "tree");
	assert_true(strstr(row_text(w, 4, 0, 100), "\xe2\x94\x9c\xe2\x94\x80 node") != NULL);	/* ├─ */
	assert_true(strstr(row_text(w, 5, 0, 100), "\xe2\x94\x94\xe2\x94\x80 node") != NULL);	/* └─ */
	/* folded: one row, the totals (RSS 350M, CPU 31%), "+2" */
	ui.folded[ui.nfolded++] = 500;
	rows_build(&rl, &m, &ui);
	assert_int_equal(rl.n, 2);
	assert_int_equal(rl.folded[1], 2);
	overview(w, &m, &ui);
	const char *r = row_text(w, 3, 0, 100);
	char want[16];
	fmt_bytes(want, sizeof want, 350e6);
	assert_true(strstr(r, "node +2") != NULL);
	assert_true(strstr(r, want) != NULL);
	assert_true(strstr(r, "31.0%") != NULL);
	/* flat again: every process, no glyphs */
	ui.tree = false;
	rows_build(&rl, &m, &ui);
	assert_int_equal(rl.n, 4);
	assert_int_equal(rl.depth[3], 0);
	rows_free(&rl);
	delwin(w);
	model_free(&m);
}

/* Hostile values — NaN, infinities, negatives, huge numbers, control
 * characters and invalid UTF-8 in names — at every size: nothing crashes, no
 * control character reaches a cell. */
static void test_views_hostile(void **state)
{
	model m;
	model_init(&m, &small_rc);
	m.now_ms = T0;
	vproc *p = add_proc(&m, 1, "\x1b[2J\x07evil\xff\xfe", NAN, -5, PROBE_ATTACHED);
	p->cmdline = strdup("node \x1b]0;title\x07 \xc3\x28 \xe6\x97\xa5\xe6\x9c\xac.js");
	p->cpu_pct = INFINITY;
	p->threads = -1;
	vnode *n = make_node(&m, p);
	n->heap_used = NAN;
	n->heap_limit = 0;
	n->lag_p99 = 1e300;
	n->elu = -1;
	ring_push(&n->heap_used_r, T0, INFINITY);
	ring_push(&n->lag_p99_r, T0, -INFINITY);
	gc_event ev = { T0 + 5000, NAN, 99, 0 };	/* in the future, unknown kind */
	model_gc_push(n, &ev);
	snprintf(n->spaces[0].name, sizeof n->spaces[0].name, "\x1b[31m_space");
	vproc *q = add_proc(&m, 2, "", 1e18, 1e30, PROBE_FAILED);
	snprintf(q->probe_err, sizeof q->probe_err, "line\nbreak\tand\rreturn");
	model_log_push(&m, "! \x1b[1mbold\x1b[0m");
	push_alert(&m, T0, 1, 7, 9, "\x1b", "\x1b[2Jclear");
	model_status(&m, "status \x1b[2J");
	ui_state ui = view_ui(1);
	static const int sizes[][2] = { { 1, 1 }, { 2, 2 }, { 15, 59 }, { 14, 60 }, { 15, 60 }, { 24, 80 }, { 50, 300 } };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		int H = sizes[k][0], W = sizes[k][1];
		WINDOW *w = newpad(H, W);
		for (int v = 0; v < 2; v++) {
			ui.braille = v == 1;
			overview(w, &m, &ui);
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					wchar_t wc = cell(w, y, x, NULL, NULL);
					assert_true(wc == 0 || wc >= 0x20);
					assert_true(wc != 0x7f && !(wc >= 0x80 && wc < 0xa0));
				}
			view_detail_draw(w, &m, &ui);
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					wchar_t wc = cell(w, y, x, NULL, NULL);
					assert_true(wc == 0 || wc >= 0x20);
					assert_true(wc != 0x7f && !(wc >= 0x80 && wc < 0xa0));
				}
		}
		delwin(w);
	}
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canvas_text),
		cmocka_unit_test(test_canvas_no_stale_attrs),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_spark_widths),
		cmocka_unit_test(test_spark_empty_and_single),
		cmocka_unit_test(test_spark_nan_gap),
		cmocka_unit_test(test_spark_coalesced_hold),
		cmocka_unit_test(test_spark_ascii_and_braille),
		cmocka_unit_test(test_spark_spike_survives_zoom),
		cmocka_unit_test(test_spark_scrolled_back),
		cmocka_unit_test(test_spark_label_whole_window),
		cmocka_unit_test(test_heap_pct_uses_limit),
		cmocka_unit_test(test_alert_pane),
		cmocka_unit_test(test_gc_timeline),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_proc_table),
		cmocka_unit_test(test_proc_table_hosts),
		cmocka_unit_test(test_log_pane),
		cmocka_unit_test(test_view_too_small),
		cmocka_unit_test(test_key_hints),
		cmocka_unit_test(test_lineedit),
		cmocka_unit_test(test_view_value),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_views_hostile),
		cmocka_unit_test(test_overview_values),
		cmocka_unit_test(test_tree),
	};
	return cmocka_run_group_tests(tests, setup_curses, teardown_curses);
}
