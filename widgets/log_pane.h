/* log_pane — the launched program's output (model_log_get), newest at the
 * bottom.  `scroll` is how many lines up from the bottom the view is;
 * it is clamped, so any value is safe.  Lines the launch collector marked as
 * stderr ("! " prefix) are drawn in ROLE_LOG_ERR; long lines are cut with '…'. */
#ifndef VITALS_LOG_PANE_H
#define VITALS_LOG_PANE_H

#include "base/model.h"
#include "widgets/canvas.h"

void log_pane_draw(const canvas *c, rect r, const model *m, int scroll);

#endif
