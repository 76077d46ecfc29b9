/* heapdiff — the heap-diff job and screen; see heapdiff.h.
 *
 * The job owns two paths and its result (a->diff_text, freed when the next
 * diff starts or at cleanup).  The worker thread touches only a->diff_*
 * (before, after, text, err); everything else happens in the done callback
 * on the loop.  One diff at a time: a second request while one runs is
 * ignored. */
#include "tui/heapdiff.h"

#include <stdlib.h>
#include <string.h>

#include "heap/heap_cli.h"
#include "tui/app_priv.h"
#include "tui/view.h"

static void diff_work_cb(uv_work_t *w)
{
	app *a = w->data;
	a->diff_err[0] = 0;
	if (heap_diff_text(a->diff_before, a->diff_after, &a->diff_text, a->diff_err, sizeof a->diff_err) < 0)
		a->diff_text = NULL;
}

static void diff_done_cb(uv_work_t *w, int status)
{
	app *a = w->data;
	a->diff_running = false;
	if (status == UV_ECANCELED || a->quitting)
		return;
	if (!a->diff_text) {
		model_status(&a->m, "heap diff failed: %s", a->diff_err);
		return;
	}
	a->ui.heapdiff_text = a->diff_text;
	a->ui.heapdiff_scroll = 0;
	a->ui.view = VIEW_HEAPDIFF;
	a->repaint = true;
	model_status(&a->m, "heap diff ready (↑ ↓ PgUp PgDn scroll, Esc back)");
}

void app_last_snapshots(const vproc *p, const capture **before, const capture **after)
{
	*before = *after = NULL;
	for (int i = p->ncaptures; i-- > 0 && !*before;) {
		if (strcmp(p->captures[i].kind, "heapsnapshot") != 0)
			continue;
		if (!*after)
			*after = &p->captures[i];
		else
			*before = &p->captures[i];
	}
}

void app_start_diff(app *a, vproc *p)
{
	const capture *before, *after;
	app_last_snapshots(p, &before, &after);
	if (!before) {
		model_status(&a->m, "diff needs two heap snapshots of %d (press s twice, some time apart)", p->pid);
		return;
	}
	if (a->diff_running)
		return;
	free(a->diff_text);
	a->diff_text = NULL;
	a->ui.heapdiff_text = NULL;
	snprintf(a->diff_before, sizeof a->diff_before, "%s", before->path);
	snprintf(a->diff_after, sizeof a->diff_after, "%s", after->path);
	a->diff_work.data = a;
	if (uv_queue_work(a->loop, &a->diff_work, diff_work_cb, diff_done_cb) == 0) {
		a->diff_running = true;
		model_status(&a->m, "comparing heap snapshots of %d…", p->pid);
	}
}

void heapdiff_draw(WINDOW *w, const model *m, const ui_state *ui)
{
	int H = getmaxy(w), W = getmaxx(w);
	canvas c = view_canvas(w, ui);
	canvas_text(&c, 0, 0, W, "heap snapshot diff (Esc back, ↑ ↓ PgUp PgDn scroll)", ROLE_TITLE);
	view_text(&c, 1, H - 2, W, ui->heapdiff_text, ui->heapdiff_scroll);
	view_status(&c, H - 1, W, m);
}
