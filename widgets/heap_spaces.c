/* heap_spaces — bars of V8 heap spaces; see heap_spaces.h.
 *
 * Bar cells: used part '█' in ROLE_BAR_USED, the rest '░' in ROLE_BAR_FREE
 * ('#' and '.' in ASCII).  In the limit row the committed heap (heap total)
 * beyond `used` is drawn '▒' ('=') so one can see how much V8 has reserved.
 * When there is no room for bars (narrow rects), only the numbers are shown.
 */
#include "widgets/heap_spaces.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/fmt.h"

double heap_pct(double used, double limit)
{
	if (!(limit > 0) || isnan(used))
		return NAN;
	return used / limit * 100.0;
}

double heap_usage_pct(const vnode *n)
{
	return n ? heap_pct(n->heap_used, n->heap_limit) : NAN;
}

/* Short display name of a V8 space: "new_space" -> "new", "large_object_space" -> "large object". */
static void heap_space_label(const char *name, char *buf, size_t n)
{
	char tmp[NAME_LEN + 8];
	snprintf(tmp, sizeof tmp, "%s", name);
	size_t l = strlen(tmp);
	if (l > 6 && strcmp(tmp + l - 6, "_space") == 0)
		tmp[l - 6] = 0;
	for (char *p = tmp; *p; p++)
		if (*p == '_')
			*p = ' ';
	snprintf(buf, n, "%s", tmp);
}

/* Spaces this V8 build has but does not use (read-only and shared spaces,
 * the code/shared large-object spaces are usually 0/0) take no row. */
static bool space_shown(const heap_space *s)
{
	return s->size > 0 || s->used > 0;
}

int heap_spaces_rows(const vnode *n)
{
	if (!n)
		return 1;
	int rows = 1;
	for (int i = 0; i < n->nspaces; i++)
		rows += space_shown(&n->spaces[i]);
	return rows;
}

/* A bar of w cells: [0, used) full, [used, mid) medium, rest light. */
static void draw_bar(const canvas *c, int y, int x, int w, double used_f, double mid_f,
		     theme_role used_role)
{
	if (w <= 0)
		return;
	if (isnan(used_f) || used_f < 0)
		used_f = 0;
	if (used_f > 1)	/* also infinity: nothing past the bar, no overflowing cast */
		used_f = 1;
	if (isnan(mid_f) || mid_f < used_f)
		mid_f = used_f;
	if (mid_f > 1)
		mid_f = 1;
	int u = (int)lround(used_f * w), m = (int)lround(mid_f * w);
	if (u > w)
		u = w;
	if (m > w)
		m = w;
	if (used_f > 0 && u == 0)
		u = 1;	/* something used is never an empty bar */
	attr_t au = canvas_attr(c, used_role), af = canvas_attr(c, ROLE_BAR_FREE);
	for (int i = 0; i < w; i++) {
		if (i < u)
			canvas_glyph(c, y, x + i, L'\x2588', '#', au);
		else if (i < m)
			canvas_glyph(c, y, x + i, L'\x2592', '=', af);
		else
			canvas_glyph(c, y, x + i, L'\x2591', '.', af);
	}
}

void heap_spaces_draw(const canvas *c, rect r, const vnode *n)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	canvas_clear(c, r, canvas_attr(c, ROLE_DEFAULT));
	if (!n) {
		canvas_text(c, r.y, r.x, r.w, "heap: no probe data", ROLE_DIM);
		return;
	}
	int namew = r.w >= 90 ? 20 : r.w >= 70 ? 18 : r.w >= 50 ? 13 : 8, numw = 17;
	int barw = r.w - namew - numw - 2;
	if (barw < 4)
		barw = 0;
	char a[16], b[16], num[64], label[40];
	/* limit row first when space is short: it is the one that matters */
	int rows_for_spaces = r.h - 1;
	int y = r.y;
	for (int i = 0; i < n->nspaces && y < r.y + rows_for_spaces; i++) {
		const heap_space *s = &n->spaces[i];
		if (!space_shown(s))
			continue;
		heap_space_label(s->name, label, sizeof label);
		canvas_text(c, y, r.x, namew, label, ROLE_DIM);
		fmt_bytes(a, sizeof a, s->used);
		fmt_bytes(b, sizeof b, s->size);
		snprintf(num, sizeof num, "%s/%s", a, b);
		if (barw) {
			draw_bar(c, y, r.x + namew, barw, s->size > 0 ? s->used / s->size : 0, NAN,
				 ROLE_BAR_USED);
			canvas_text_right(c, y, r.x + namew + barw + 1, numw, num, canvas_attr(c, ROLE_DEFAULT));
		} else {
			canvas_text(c, y, r.x + namew, r.w - namew, num, ROLE_DEFAULT);
		}
		y++;
	}
	/* the heap against its limit */
	double pct = heap_usage_pct(n);
	char p[16];
	fmt_bytes(a, sizeof a, n->heap_used);
	fmt_bytes(b, sizeof b, n->heap_limit);
	fmt_pct(p, sizeof p, pct);
	theme_role pr = pct >= 90 ? ROLE_CRIT : pct >= 70 ? ROLE_WARN : ROLE_TITLE;
	canvas_text(c, y, r.x, namew, namew >= 11 ? "heap/limit" : "heap", pr);
	snprintf(num, sizeof num, "%s/%s %s", a, b, p);
	if (barw) {
		draw_bar(c, y, r.x + namew, barw, n->heap_limit > 0 ? n->heap_used / n->heap_limit : 0,
			 n->heap_limit > 0 ? n->heap_total / n->heap_limit : NAN,
			 pct >= 90 ? ROLE_BAR_LIMIT : ROLE_BAR_USED);
		canvas_text_right(c, y, r.x + namew + barw + 1, numw, num, canvas_attr(c, pr));
	} else {
		canvas_text(c, y, r.x + namew, r.w - namew, num, pr);
	}
}
