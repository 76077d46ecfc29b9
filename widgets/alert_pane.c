/* alert_pane — alert log lines; see alert_pane.h.
 *
 * The model keeps transitions (pending, firing, resolved), newest first by
 * model_alert_get(i).  The pane shows them in that order; counting what is
 * firing now means taking, for each (pid, rule), only its newest entry.
 */
#include "widgets/alert_pane.h"

#include <stdio.h>
#include <string.h>

#include "base/fmt.h"

int alert_pane_firing(const model *m)
{
	int firing = 0;
	for (uint32_t i = 0; i < m->alerts_len; i++) {
		const model_alert *a = model_alert_get(m, i);
		bool newer = false;
		for (uint32_t j = 0; j < i && !newer; j++) {
			const model_alert *b = model_alert_get(m, j);
			newer = b->pid == a->pid && strcmp(b->rule, a->rule) == 0;
		}
		if (!newer && a->state == ALERT_FIRING)
			firing++;
	}
	return firing;
}

void alert_pane_draw(const canvas *c, rect r, const model *m, int skip)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	canvas_clear(c, r, canvas_attr(c, ROLE_DEFAULT));
	if (m->alerts_len == 0) {
		canvas_text(c, r.y, r.x, r.w, "no alerts", ROLE_DIM);
		return;
	}
	if (skip < 0)
		skip = 0;
	for (int row = 0; row < r.h; row++) {
		const model_alert *a = model_alert_get(m, (uint32_t)(row + skip));
		if (!a)
			break;
		static const char *const sev_name[] = { "info", "WARN", "CRIT" };
		static const theme_role sev_role[] = { ROLE_ALERT_INFO, ROLE_ALERT_WARN, ROLE_ALERT_CRIT };
		int sev = a->severity <= SEV_CRIT ? a->severity : SEV_CRIT;
		theme_role role = a->state == ALERT_RESOLVED ? ROLE_DIM : sev_role[sev];
		char t[16], head[64];
		fmt_clock(t, sizeof t, a->t_ms);
		int y = r.y + row, x = r.x, w = r.w, u;
		u = canvas_text(c, y, x, w, t, ROLE_DIM);
		x += u + 1;
		w -= u + 1;
		if (w <= 0)
			continue;
		const char *st = a->state == ALERT_RESOLVED ? "ok  " : a->state == ALERT_PENDING ? "pend" : sev_name[sev];
		snprintf(head, sizeof head, "%-4s", st);
		u = canvas_text(c, y, x, w, head, role);
		x += u + 1;
		w -= u + 1;
		if (w <= 0)
			continue;
		if (r.w >= 50) {
			snprintf(head, sizeof head, "%6d %-10s", a->pid, a->rule);
			u = canvas_text(c, y, x, w, head, ROLE_DIM);
			x += u + 1;
			w -= u + 1;
		} else {
			snprintf(head, sizeof head, "%d", a->pid);
			u = canvas_text(c, y, x, w, head, ROLE_DIM);
			x += u + 1;
			w -= u + 1;
		}
		if (w > 0)
			canvas_text(c, y, x, w, a->msg, a->state == ALERT_RESOLVED ? ROLE_DIM : ROLE_DEFAULT);
	}
}
