/* profview — the CPU profile job and screen; see profview.h.
 *
 * The job owns a->prof_path while it runs and hands its result over in
 * a->prof_next; the worker thread touches nothing else.  The loop owns the
 * profile shown (a->prof) and its rendered table (a->prof_text, pointed to
 * by ui.profile_text): both are replaced by the next profile and freed at
 * exit.  One load at a time: a capture finishing while another loads is
 * left to `vitals profile summary`, and the status line says so. */
#include "tui/profview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "profile/profile_cli.h"
#include "tui/app_priv.h"
#include "tui/view.h"

static void prof_work_cb(uv_work_t *w)
{
	app *a = w->data;
	a->prof_next = profile_load(a->prof_path, a->prof_err, sizeof a->prof_err);
}

static void prof_done_cb(uv_work_t *w, int status)
{
	app *a = w->data;
	a->prof_running = false;
	profile *p = a->prof_next;
	a->prof_next = NULL;
	if (status == UV_ECANCELED || a->quitting) {
		profile_free(p);
		return;
	}
	if (!p) {
		model_status(&a->m, "CPU profile %s: %s", a->prof_path, a->prof_err);
		return;
	}
	profile_free(a->prof);
	a->prof = p;
	a->ui.profile_scroll = 0;
	app_profile_render(a);
	if (!a->ui.profile_text)
		return;
	a->ui.view = VIEW_PROFILE;
	a->repaint = true;
	model_status(&a->m, "CPU profile: %ld samples, %zu functions (< > sort, Esc back)", p->nsamples, p->nfns);
}

void app_profile_open(app *a, const char *path)
{
	if (a->prof_running) {
		model_status(&a->m, "saved %s; another profile is loading (vitals profile summary shows it)", path);
		return;
	}
	snprintf(a->prof_path, sizeof a->prof_path, "%s", path);
	a->prof_work.data = a;
	if (uv_queue_work(a->loop, &a->prof_work, prof_work_cb, prof_done_cb) == 0)
		a->prof_running = true;
}

/* Every row, so the screen scrolls through all of them; the width class of
 * the screen chooses profile_report's narrow table. */
void app_profile_render(app *a)
{
	if (!a->prof)
		return;
	profile_sort_by(a->prof, a->ui.profile_by_total ? PROFILE_SORT_TOTAL : PROFILE_SORT_SELF);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool narrow = COLS < PROFVIEW_WIDE_COLS;
	int rc = f ? profile_report(f, a->prof_path, a->prof, false, a->prof->nfns, narrow) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		free(buf);
		model_status(&a->m, "CPU profile: cannot render the table (out of memory)");
		return;
	}
	free(a->prof_text);
	a->prof_text = buf;
	a->ui.profile_text = buf;
	a->prof_narrow = narrow;
}

void app_profile_free(app *a)
{
	profile_free(a->prof);
	a->prof = NULL;
	free(a->prof_text);
	a->prof_text = NULL;
	a->ui.profile_text = NULL;
}

void profview_draw(WINDOW *w, const model *m, const ui_state *ui)
{
	if (view_too_small(w, ui))
		return;
	int H = getmaxy(w), W = getmaxx(w);
	canvas c = view_canvas(w, ui);
	const char *arrows = ui->ascii ? "Up/Down PgUp/PgDn" : "↑ ↓ PgUp PgDn";
	char title[160];
	snprintf(title, sizeof title, "CPU profile by %s time (< > sort, %s scroll, Esc back)",
		 ui->profile_by_total ? "total" : "self", arrows);
	canvas_text(&c, 0, 0, W, title, ROLE_TITLE);
	int head = view_text(&c, 1, H - 2 < PROFVIEW_HEAD ? H - 2 : PROFVIEW_HEAD, W, ui->profile_text, 0);
	view_text(&c, 1 + head, H - 2 - head, W, ui->profile_text, PROFVIEW_HEAD + ui->profile_scroll);
	view_status(&c, H - 1, W, m);
}
