/* view — what the overview and detail views share: the minimum terminal
 * size, the "too small" screen, the header bar and the key hint line.
 * Views are pure drawing: (WINDOW, const model, const ui_state) → cells. */
#ifndef VITALS_VIEW_H
#define VITALS_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <curses.h>

#include "base/model.h"
#include "tui/keys.h"
#include "tui/ui.h"
#include "widgets/canvas.h"

/* Below this the views draw one line saying so, and nothing else. */
#define VIEW_MIN_COLS 60
#define VIEW_MIN_ROWS 15

/* The canvas for w with the ui's theme and glyph mode. */
canvas view_canvas(WINDOW *w, const ui_state *ui);
/* If w is smaller than the minimum, draw "terminal too small: need 60x15,
 * have 40x10" centred and return true. */
bool view_too_small(WINDOW *w, const ui_state *ui);
/* Right edge of the time axis: ui->end_ms when paused; live, the newest
 * sample in the model (probe samples come between process ticks). */
int64_t view_end_ms(const model *m, const ui_state *ui);
/* Series a view shows as numbers: a probe series (probe_series_id, of
 * base/probe_series.h) or one of /proc's, numbered after them. */
enum { VS_RSS = PS_COUNT, VS_CPU, VS_COUNT };
/* The value of series s of p at the moment the screen shows, the one
 * accessor of the table, the focus strip and the detail view: live, the
 * latest value; paused, ring_value_at(end_ms) of its ring, or NaN for a
 * series without history (a LATEST row: the latest would be of another
 * moment).  NaN where there is none: no probe data, an exited process's
 * CPU, an RSS not read yet. */
double view_value(const vproc *p, int s, const ui_state *ui, int64_t end_ms);
/* Rows of the i-th of n graphs sharing total rows: even shares, the first
 * ones a row more while the division leaves some (no band of blank rows). */
static inline int view_share(int total, int n, int i)
{
	int h = total / n;
	return h + (i < total % n);
}
/* The ui's window in ms (0 = everything kept). */
int64_t view_window_ms(const ui_state *ui);
/* Header bar on row y: "vitals VERSION" + left text ... right text + clock. */
void view_header(const canvas *c, int y, int w, const char *left, const model *m, const ui_state *ui);
/* Key hints on row y: the bindings' footer hints (keys_hints), as many as
 * fit, and the last of them ("? help") always. */
void view_hints(const canvas *c, int y, int w, const key_binding *const *b, size_t n);
/* Status line on row y (the model's status message). */
void view_status(const canvas *c, int y, int w, const model *m);
/* Lines of a text ("a\nb\n" is two; NULL or "" none). */
int view_text_lines(const char *text);
/* Lines first .. first+h-1 of text on rows y .. y+h-1 (the text screens:
 * heap diff, CPU profile); returns the rows drawn. */
int view_text(const canvas *c, int y, int h, int w, const char *text, int first);

#endif
