/* alert_pane — the model's alert log, newest first, one line per alert:
 * "12:34:56 CRIT  1234 heap_leak  heap grows 3.1 MB/min ...".  Severity
 * decides the role; resolved alerts are dimmed and marked "ok".  A message
 * that does not fit is cut with '…', never wrapped. */
#ifndef VITALS_ALERT_PANE_H
#define VITALS_ALERT_PANE_H

#include "base/model.h"
#include "widgets/canvas.h"

/* Alerts currently firing: (pid, rule) pairs whose newest entry is FIRING. */
int alert_pane_firing(const model *m);
/* Draw alerts from the newest, skipping the first `skip`. */
void alert_pane_draw(const canvas *c, rect r, const model *m, int skip);

#endif
