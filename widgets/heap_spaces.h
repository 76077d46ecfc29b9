/* heap_spaces — V8 heap spaces as bars, and the heap against its limit.
 *
 * One row per space: name, a bar of used/size, and "used/size".  The last
 * row is the whole heap: used against the heap LIMIT (v8 heap_size_limit —
 * the point where the process dies), with the committed total marked on the
 * bar.  "Usage %" everywhere in vitals means used / limit, not used / total:
 * total grows and shrinks with the heap and says nothing about danger.
 */
#ifndef VITALS_HEAP_SPACES_H
#define VITALS_HEAP_SPACES_H

#include "base/model.h"
#include "widgets/canvas.h"

/* Heap used as % of the heap limit; NaN when the limit is unknown. */
double heap_usage_pct(const vnode *n);
/* The same for any used/limit pair (NaN when the limit is unknown). */
double heap_pct(double used, double limit);
/* Rows the widget wants for n (spaces + the limit row). */
int heap_spaces_rows(const vnode *n);
void heap_spaces_draw(const canvas *c, rect r, const vnode *n);

#endif
