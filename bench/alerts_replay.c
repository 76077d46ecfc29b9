/* alerts_replay — the leak rules of base/alerts replayed over recorded
 * `vitals --json` output (e.g. bench/alerts_scenarios.sh's
 * out/{healthy,leaks}/NAME.jsonl), deterministically and in seconds: each
 * line is applied to a fresh model as `vitals replay` would (rec_lines) and
 * alerts_eval runs at every sample's time with the default [alerts] config.
 *
 * --json output carries no GC log, only each sample's "gc_interval" counts:
 * a sample with major GCs in it gets that many GC_MAJOR events 1 ms before
 * it, so the rule sees it as the heap right after a major GC (what the
 * probe's real GC events give it live, to within one sample).
 *
 * Prints one line per file: seconds from the first heap sample to the first
 * heap_leak firing ("-" none), firings, resolutions, the first message.
 * --skip S drops the first S seconds of each trace: an attach S seconds
 * later, to a process with a heap history the rule has not seen.
 * --live: the rule as it runs live, with a probe to ask for major GCs (the
 * GCs it asks for are counted, not run: those the live run asked for are in
 * its trace), as for a trace recorded live with leak_gc events.
 *
 * usage: bench/alerts_replay [--skip S] [--live] FILE.jsonl...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alerts.h"
#include "record/rec_lines.h"

typedef struct tally {
	int fired, resolved, asked;
	int64_t first_ms;
	char msg[200];
} tally;

static void on_alert(void *ud, const model_alert *a)
{
	tally *t = ud;
	if (strcmp(a->rule, "heap_leak") != 0)
		return;
	if (a->state == ALERT_FIRING) {
		if (!t->fired++) {
			t->first_ms = a->t_ms;
			snprintf(t->msg, sizeof t->msg, "%s", a->msg);
		}
	} else if (a->state == ALERT_RESOLVED) {
		t->resolved++;
	}
}

static void on_gc(void *ud, vproc *p)
{
	tally *t = ud;
	(void)p;
	t->asked++;
}

/* Major GCs of a sample line, from its "gc_interval": a small scan rather
 * than a second parser (rec_line keeps its json private). */
static int line_majors(const char *line)
{
	const char *g = strstr(line, "\"gc_interval\"");
	const char *k = g ? strstr(g, "\"major\":") : NULL;
	return k ? atoi(k + 8) : 0;
}

static int replay(const char *path, int skip_s, bool live)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	model m;
	model_init(&m, NULL);
	tally t = { 0 };
	alerts *a = alerts_new(NULL, on_alert, &t);
	if (live)
		alerts_set_gc_cb(a, on_gc, &t);
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t len;
	int64_t t0 = 0, tfirst = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (strstr(line, "\"t\":\"alert\""))
			continue;	/* the recorded run's own alerts */
		rec_line *l = rec_line_parse(line, (size_t)len, err, sizeof err);
		if (!l)
			continue;
		int64_t ts = rec_line_ts(l);
		if (!tfirst)
			tfirst = ts;
		if (ts - tfirst < (int64_t)skip_s * 1000 && strstr(line, "\"t\":\"sample\"")) {
			rec_line_free(l);
			continue;
		}
		rec_line_apply(l, &m, NULL, err, sizeof err);
		rec_line_free(l);
		if (!strstr(line, "\"t\":\"sample\"") || !strstr(line, "\"heap_used\""))
			continue;
		if (!t0)
			t0 = ts;
		int pid = atoi(strstr(line, "\"pid\":") + 6);
		vproc *p = model_find(&m, pid);
		vnode *n = p ? p->node : NULL;
		int majors = line_majors(line);
		if (n) {
			uint64_t total = n->gc_total;
			for (int i = 0; i < majors; i++)
				model_gc_push(n, &(gc_event){ .t_ms = ts - 1, .dur_ms = 10, .kind = GC_MAJOR });
			n->gc_total = total + (uint64_t)majors;
		}
		m.now_ms = ts;
		alerts_eval(a, &m, ts);
	}
	free(line);
	fclose(f);
	const char *base = strrchr(path, '/');
	char when[24] = "-";
	if (t.fired)
		snprintf(when, sizeof when, "%lld", (long long)((t.first_ms - t0) / 1000));
	printf("%-28s %4d %6s %3d %3d %3d  %s\n", base ? base + 1 : path, skip_s, when, t.fired, t.resolved,
	       t.asked, t.msg);
	alerts_free(a);
	model_free(&m);
	return 0;
}

int main(int argc, char **argv)
{
	int skip = 0, i = 1;
	bool live = false;
	for (; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--skip") == 0)
			skip = atoi(argv[++i]);
		else if (strcmp(argv[i], "--live") == 0)
			live = true;
		else
			break;
	}
	if (i >= argc || skip < 0) {
		fprintf(stderr, "usage: alerts_replay [--skip S] [--live] FILE.jsonl...\n");
		return 2;
	}
	printf("%-28s %4s %6s %3s %3s %3s  %s\n", "trace", "skip", "fire_s", "n", "res", "gc", "first message");
	int rc = 0;
	for (; i < argc; i++)
		rc |= replay(argv[i], skip, live) != 0;
	return rc;
}
