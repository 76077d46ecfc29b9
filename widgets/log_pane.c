/* log_pane — launch-mode output lines; see log_pane.h. */
#include "widgets/log_pane.h"

#include <string.h>

void log_pane_draw(const canvas *c, rect r, const model *m, int scroll)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	canvas_clear(c, r, canvas_attr(c, ROLE_DEFAULT));
	int n = (int)m->log_len;
	if (n == 0) {
		canvas_text(c, r.y, r.x, r.w, "no output yet", ROLE_DIM);
		return;
	}
	int max_scroll = n > r.h ? n - r.h : 0;
	if (scroll > max_scroll)
		scroll = max_scroll;
	if (scroll < 0)
		scroll = 0;
	int last = n - 1 - scroll;	/* newest line shown */
	int first = last - r.h + 1;
	if (first < 0)
		first = 0;
	for (int i = first, y = r.y; i <= last; i++, y++) {
		const char *line = model_log_get(m, (uint32_t)i);
		if (!line)
			continue;
		bool err = strncmp(line, "! ", 2) == 0;
		canvas_text(c, y, r.x, r.w, line, err ? ROLE_LOG_ERR : ROLE_DEFAULT);
	}
	if (scroll > 0 && r.w > 12)
		canvas_text_right(c, r.y, r.x, r.w, "[scrolled]", canvas_attr(c, ROLE_DIM));
}
