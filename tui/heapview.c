/* heapview — the explorer job and screen in the dashboard; see heapview.h.
 *
 * Two steps, as `vitals heap explore`: the open (parse, DevTools' view, the
 * class rows with counts and self sizes; with a diff, BEFORE's ids and the
 * comparison) runs on the thread pool, and its done callback shows the
 * first screen; the explorer's own thread then computes the dominators and
 * retained sizes behind it, and wakes the loop when they are ready
 * (explore_notify → uv_async_send on a->explore_wake), whose callback takes
 * them in (explore_ui_tick: the column fills, a key that waited for them is
 * done) and asks for a paint.  No polling.
 *
 * The open's job owns the paths it was given and its result until the done
 * callback: the worker thread touches only a->explore_* (before, after, the
 * explorer it makes, err); the loop thread takes the result in the done
 * callback and wraps it in an explore_ui owned by the app (a->explorer),
 * freed when the view is left (on the thread pool if its thread still
 * computes: app_explore_close), at quit (here, before explore_wake is
 * closed: the free stops and joins the explorer's thread) or at cleanup.  One load at a time: a second `e` while one runs
 * is ignored. */
#include "tui/heapview.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fmt.h"

#include "heap/explore_tui.h"
#include "tui/app_priv.h"

static void explore_work_cb(uv_work_t *w)
{
	app *a = w->data;
	a->explore_err[0] = 0;
	a->explore_x = a->explore_before[0]
			       ? explore_open_diff(a->explore_before, a->explore_after, HEAP_VIEW_DEVTOOLS, a->explore_err,
						   sizeof a->explore_err)
			       : explore_open(a->explore_after, HEAP_VIEW_DEVTOOLS, a->explore_err, sizeof a->explore_err);
	/* the retained sizes follow on the explorer's thread (explore_wake) */
}

/* On the explorer's thread: the retained sizes are ready. */
static void explore_ready(void *arg)
{
	app *a = arg;
	uv_async_send(&a->explore_wake);
}

void app_explore_wake(uv_async_t *h)
{
	app *a = h->data;
	if (a->explorer && explore_ui_tick(a->explorer) && a->ui.view == VIEW_EXPLORE)
		a->repaint = true;
}

static void explore_done_cb(uv_work_t *w, int status)
{
	app *a = w->data;
	explore *x = a->explore_x;
	a->explore_x = NULL;
	a->explore_running = false;
	if (status == UV_ECANCELED || a->quitting) {
		explore_free(x);
		return;
	}
	if (!x) {
		model_status(&a->m, "heap explorer: %s", a->explore_err);
		return;
	}
	/* the title: the file name, not the directory (the status line had it) */
	const char *b = strrchr(a->explore_before, '/'), *f = strrchr(a->explore_after, '/');
	char title[2 * PATH_MAX + 8];
	if (a->explore_before[0])
		snprintf(title, sizeof title, "%s \u2192 %s", b ? b + 1 : a->explore_before, f ? f + 1 : a->explore_after);
	else
		snprintf(title, sizeof title, "%s", f ? f + 1 : a->explore_after);
	explore_ui *u = explore_ui_new(x, title, true);
	if (!u) {
		explore_free(x);
		model_status(&a->m, "heap explorer: out of memory");
		return;
	}
	explore_ui_free(a->explorer);
	a->explorer = u;
	a->ui.view = VIEW_EXPLORE;
	a->repaint = true;
	explore_notify(x, explore_ready, a);	/* at once if they are in already */
}

void app_start_explore(app *a, vproc *p)
{
	const capture *before, *after;
	app_last_snapshots(p, &before, &after);
	if (!after) {
		model_status(&a->m, "no heap snapshot of %d to explore (press s to take one)", p->pid);
		return;
	}
	if (a->explore_running)
		return;
	/* the explorer lives in this process: about 1.6 times the snapshot
	 * (bench/heap.sh: 660 MB of RSS for 417 MB), plus BEFORE's ids; a
	 * dashboard that runs out of memory takes its terminal with it */
	struct stat sa, sb;
	double need = stat(after->path, &sa) == 0 ? 1.6 * (double)sa.st_size : 0;
	if (before && stat(before->path, &sb) == 0)
		need += 0.2 * (double)sb.st_size;
	double avail = procfs_mem_available();
	if (avail >= 0 && need > 0.8 * avail) {
		char nb[32], ab[32];
		fmt_bytes(nb, sizeof nb, need);
		fmt_bytes(ab, sizeof ab, avail);
		model_status(&a->m, "not enough memory to explore it here (~%s needed, %s available): vitals heap explore %s",
			     nb, ab, after->path);
		return;
	}
	snprintf(a->explore_before, sizeof a->explore_before, "%s", before ? before->path : "");
	snprintf(a->explore_after, sizeof a->explore_after, "%s", after->path);
	a->explore_work.data = a;
	if (uv_queue_work(a->loop, &a->explore_work, explore_work_cb, explore_done_cb) == 0) {
		a->explore_running = true;
		model_status(&a->m, before ? "comparing the last two heap snapshots of %d…"
					   : "loading the heap snapshot of %d…", p->pid);
	}
}

void app_explore_draw(app *a)
{
	if (a->explorer)
		explore_ui_draw(a->explorer);
}

void app_explore_key(app *a, wint_t ch, bool is_key)
{
	if (!a->explorer || explore_ui_key(a->explorer, ch, is_key) != EXPLORE_KEY_STAY)
		app_explore_close(a);
	a->repaint = true;
}

/* An explorer left while its thread computes is freed on the thread pool:
 * explore_free stops the thread between two of its phases and joins it,
 * which can take a phase (a few hundred ms at 400 MB), not the loop's time.
 * Told first, here, never to wake the loop again (explore_wake may close
 * before the pool gets to it). */
typedef struct explore_reap {
	uv_work_t work;
	explore_ui *u;
} explore_reap;

static void explore_reap_work(uv_work_t *w)
{
	explore_reap *r = w->data;
	explore_ui_free(r->u);
	r->u = NULL;
}

static void explore_reap_done(uv_work_t *w, int status)
{
	(void)status;
	explore_reap *r = w->data;
	explore_ui_free(r->u);	/* (NULL unless cancelled) */
	free(r);
}

void app_explore_close(app *a)
{
	explore_ui *u = a->explorer;
	a->explorer = NULL;
	if (a->ui.view == VIEW_EXPLORE)
		a->ui.view = VIEW_OVERVIEW;
	if (!u)
		return;
	explore *x = explore_ui_explorer(u);
	explore_notify(x, NULL, NULL);
	explore_reap *r = !a->quitting && explore_pending(x) ? malloc(sizeof *r) : NULL;
	if (r) {
		r->u = u;
		r->work.data = r;
		if (uv_queue_work(a->loop, &r->work, explore_reap_work, explore_reap_done) == 0)
			return;
		free(r);
	}
	explore_ui_free(u);	/* at quit: joined here, before explore_wake closes */
}
