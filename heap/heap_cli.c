/* heap_cli — command line of the heap snapshot analyser; see heap_cli.h.
 *
 * The options are a table (heap_opts[]) so that --help is generated from the
 * same place the parser reads.  Work is done by the library modules:
 * snapshot (load) -> dominators (optional) -> summary -> report, or
 * diff -> report.
 */
#include "heap/heap_cli.h"
#include "base/clock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heap/devtools.h"
#include "heap/diff.h"
#include "heap/dominators.h"
#include "heap/explore_tui.h"
#include "heap/leaks.h"
#include "heap/report.h"
#include "heap/retainers.h"
#include "heap/snapshot.h"
#include "heap/summary.h"

struct cli {
	heap_report_opts rep;
	size_t paths;		/* classes given retainer paths; 0: none */
	bool retained;
	bool timing;
	heap_sort sort;
	heap_parser parser;
	heap_view view;
};

static const struct {
	const char *opt, *arg, *help;
} heap_opts[] = {
	{ "--json", NULL, "machine-readable output" },
	{ "--top", "N", "rows to show (default 20)" },
	{ "--no-retained", NULL, "summary: skip the dominator tree (faster, no retained sizes)" },
	{ "--sort", "KEY", "count, self or retained (summary); count or size (diff)" },
	{ "--paths", "N", "retainer paths for the top N constructors (default 5; 0: none);" },
	{ "", NULL, "diff: paths of the new objects in AFTER" },
	{ "--raw", NULL, "V8's nodes as written, not DevTools' Summary (see doc/HEAP.md)" },
	{ "--timing", NULL, "print the time of each phase on stderr" },
	{ "--parser", "NAME", "stream (default), serial (one thread, read(2)) or jansson (whole-file DOM); for benchmarks" },
	{ "-h, --help", NULL, "this help" },
};

static void usage(FILE *f)
{
	fputs("usage: vitals heap summary [OPTIONS] FILE.heapsnapshot\n"
	      "       vitals heap diff [OPTIONS] BEFORE.heapsnapshot AFTER.heapsnapshot\n"
	      "       vitals heap leaks [OPTIONS] BASELINE TARGET FINAL\n"
	      "       vitals heap explore [--raw] FILE.heapsnapshot [AFTER.heapsnapshot]\n\n"
	      "summary: totals and the constructors that hold the most memory, with retained\n"
	      "  sizes from the dominator tree: by default the numbers of Chrome DevTools'\n"
	      "  Summary view (--raw: V8's nodes as written).\n"
	      "diff: per constructor, objects new and deleted between two snapshots of one\n"
	      "  process (matched by object id), sorted by growth: what leaked.\n"
	      "leaks: objects allocated between BASELINE and TARGET that are still alive in\n"
	      "  FINAL (memlab's method: repeat the suspect action between the snapshots),\n"
	      "  clustered by retainer path and ranked by retained size.\n"
	      "explore: constructors, their objects, and what each holds, what holds it or\n"
	      "  what it dominates, in the terminal (keys on the bottom line); with two\n"
	      "  files, what changed from BEFORE to AFTER, expanding into the new objects.\n"
	      "Paths are the shortest from the GC roots, weak edges skipped (doc/HEAP.md).\n\noptions:\n",
	      f);
	for (size_t i = 0; i < sizeof heap_opts / sizeof heap_opts[0]; i++) {
		char left[32];
		snprintf(left, sizeof left, "%s%s%s", heap_opts[i].opt, heap_opts[i].arg ? " " : "",
			 heap_opts[i].arg ? heap_opts[i].arg : "");
		fprintf(f, "  %-18s %s\n", left, heap_opts[i].help);
	}
}

static double now_s(void)
{
	return (double)clock_mono_ms() / 1e3;
}

/* Load, analyse and render one summary into f. */
static int run_summary(FILE *f, const char *path, const struct cli *c, char *err, size_t errlen)
{
	char msg[400];
	double t0 = now_s();
	heap_snapshot *s = heap_snapshot_load_view(path, c->parser, c->view, msg, sizeof msg);
	if (!s) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	double t1 = now_s();
	heap_dominators *d = NULL;
	if (c->retained) {
		d = heap_dominators_new(s, msg, sizeof msg);
		if (!d) {
			snprintf(err, errlen, "%s: %s", path, msg);
			heap_snapshot_free(s);
			return -1;
		}
	}
	double t2 = now_s();
	heap_retainers *r = NULL;
	if (c->paths) {
		r = heap_retainers_new(s, msg, sizeof msg);
		if (!r) {
			snprintf(err, errlen, "%s: %s", path, msg);
			heap_dominators_free(d);
			heap_snapshot_free(s);
			return -1;
		}
	}
	double t3 = now_s();
	heap_summary_opts so = { .sort = c->sort, .top_objects = c->rep.top, .r = r,
				 .path_classes = c->paths, .paths_per_class = 3 };
	heap_summary *sum = heap_summary_new(s, d, &so, msg, sizeof msg);
	if (sum)
		sum->view = c->view;
	heap_retainers_free(r);
	heap_dominators_free(d);
	heap_snapshot_free(s);
	if (!sum) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	double t4 = now_s();
	int rc = heap_report_summary(f, path, sum, &c->rep);
	heap_summary_free(sum);
	if (c->timing)
		fprintf(stderr, "heap: timing: load %.3f s (%s), dominators %.3f s, retainers %.3f s, summary %.3f s\n",
			t1 - t0, c->parser == HEAP_PARSER_JANSSON ? "jansson" : c->parser == HEAP_PARSER_SERIAL ? "serial" : "stream", t2 - t1, t3 - t2, t4 - t3);
	if (rc < 0)
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
	return rc;
}

/* What grew most from BEFORE to AFTER in one line, malloc'd: the class,
 * its count and size deltas and the last hops of its new objects' commonest
 * path, which name the holder ("Array +29103 (+31474152 B): archive
 * (OrderArchive) › orders (Array) › [n] (LeakedOrder) › lines").  Taken from
 * the diff, not from the id-matched leak clusters: counts do not depend on
 * V8 keeping ids (doc/HEAP.md).  NULL when nothing grew. */
static char *diff_headline(const heap_diff *d)
{
	if (!d->nrows || d->rows[0].after_self <= d->rows[0].before_self)
		return NULL;
	const heap_diff_row *r = &d->rows[0];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s %+lld (%+lld B)", r->name, (long long)r->after_count - (long long)r->before_count,
		(long long)r->after_self - (long long)r->before_self);
	const heap_path *p = r->npaths ? &r->paths[0] : NULL;
	if (p && p->nhops) {
		fputc(':', f);
		size_t from = p->nhops > 4 ? p->nhops - 4 : 0;
		for (size_t k = from; k < p->nhops; k++) {
			const heap_hop *h = &p->hops[k];
			/* element indices of one member say nothing about the group */
			const char *e = h->edge && h->edge[0] == '[' ? "[n]" : h->edge;
			if (k + 1 < p->nhops)
				fprintf(f, " %s%s(%s) \u203a", e ? e : "", e ? " " : "", h->node);
			else
				fprintf(f, " %s", e ? e : h->node);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* headline: if not NULL, gets diff_headline's line (or NULL). */
static int run_diff(FILE *f, const char *before, const char *after, const struct cli *c, char **headline,
		    char *err, size_t errlen)
{
	double t0 = now_s();
	heap_diff *d = heap_diff_new(before, after, c->parser, c->view, c->sort, c->paths, err, errlen);
	if (!d)
		return -1;
	if (c->timing)
		fprintf(stderr, "heap: timing: load and compare %.3f s\n", now_s() - t0);
	if (headline)
		*headline = diff_headline(d);
	int rc = heap_report_diff(f, before, after, d, &c->rep);
	heap_diff_free(d);
	if (rc < 0)
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
	return rc;
}

static int run_leaks(FILE *f, const char *const files[3], const struct cli *c, char *err, size_t errlen)
{
	double t0 = now_s();
	heap_leaks *l = heap_leaks_new(files[0], files[1], files[2], c->parser, c->view, c->rep.top, err, errlen);
	if (!l)
		return -1;
	if (c->timing)
		fprintf(stderr, "heap: timing: load and analyse %.3f s\n", now_s() - t0);
	int rc = heap_report_leaks(f, files, l, &c->rep);
	heap_leaks_free(l);
	if (rc < 0)
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
	return rc;
}

/* Parse options mixed with operands; operands are collected in files[]. */
static int parse_args(int argc, char **argv, bool diff, struct cli *c, const char **files, int *nfiles)
{
	*nfiles = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		char name[32];
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				if (*nfiles == 3)
					goto extra;
				files[(*nfiles)++] = argv[i];
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (*nfiles == 3)
				goto extra;
			files[(*nfiles)++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof name)
			nl = sizeof name - 1;
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (eq)
			val = eq + 1;
		bool takes = strcmp(name, "--top") == 0 || strcmp(name, "--sort") == 0 || strcmp(name, "--parser") == 0 ||
			     strcmp(name, "--paths") == 0;
		if (takes && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vitals: heap: %s needs a value\n", name);
				return -1;
			}
			val = argv[++i];
		} else if (!takes && val) {
			fprintf(stderr, "vitals: heap: %s takes no value\n", name);
			return -1;
		}
		if (strcmp(name, "--json") == 0) {
			c->rep.json = true;
		} else if (strcmp(name, "--no-retained") == 0) {
			c->retained = false;
		} else if (strcmp(name, "--raw") == 0) {
			c->view = HEAP_VIEW_RAW;
		} else if (strcmp(name, "--timing") == 0) {
			c->timing = true;
		} else if (strcmp(name, "--top") == 0 || strcmp(name, "--paths") == 0) {
			char *end;
			errno = 0;
			/* scan-build: val is set: takes is true here and a missing value returned above */
			long n = strtol(val, &end, 10);
			long min = name[2] == 't' ? 1 : 0;
			if (errno || *end || end == val || n < min || n > 1000000) {
				fprintf(stderr, "vitals: heap: %s wants a number from %ld to 1000000, not \"%s\"\n", name,
					min, val);
				return -1;
			}
			if (name[2] == 't')
				c->rep.top = (size_t)n;
			else
				c->paths = (size_t)n;
		} else if (strcmp(name, "--sort") == 0) {
			/* scan-build: val is set: takes is true here and a missing value returned above */
			if (strcmp(val, "count") == 0)
				c->sort = HEAP_SORT_COUNT;
			else if (!diff && strcmp(val, "self") == 0)
				c->sort = HEAP_SORT_SELF;
			else if (!diff && strcmp(val, "retained") == 0)
				c->sort = HEAP_SORT_RETAINED;
			else if (diff && strcmp(val, "size") == 0)
				c->sort = HEAP_SORT_DEFAULT;
			else {
				fprintf(stderr, "vitals: heap: unknown sort key \"%s\"\n", val);
				return -1;
			}
		} else if (strcmp(name, "--parser") == 0) {
			/* scan-build: val is set: takes is true here and a missing value returned above */
			if (strcmp(val, "stream") == 0)
				c->parser = HEAP_PARSER_STREAM;
			else if (strcmp(val, "serial") == 0)
				c->parser = HEAP_PARSER_SERIAL;
			else if (strcmp(val, "jansson") == 0)
				c->parser = HEAP_PARSER_JANSSON;
			else {
				fprintf(stderr, "vitals: heap: unknown parser \"%s\"\n", val);
				return -1;
			}
		} else if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
			usage(stdout);
			return 1;
		} else {
			fprintf(stderr, "vitals: heap: unknown option %s (see vitals heap --help)\n", a);
			return -1;
		}
	}
	return 0;
extra:
	fprintf(stderr, "vitals: heap: too many files (see vitals heap --help)\n");
	return -1;
}

int heap_cli_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* the commands and the files each takes */
	static const struct {
		const char *name, *files;
		int nfiles;
	} cmds[] = {
		{ "summary", "one file", 1 },
		{ "diff", "two files, BEFORE and AFTER", 2 },
		{ "leaks", "three files, BASELINE, TARGET and FINAL", 3 },
		{ "explore", "one file (or two, BEFORE and AFTER, for their diff)", 1 },
	};
	size_t cmd = 0;
	while (cmd < sizeof cmds / sizeof cmds[0] && strcmp(argv[1], cmds[cmd].name) != 0)
		cmd++;
	if (cmd == sizeof cmds / sizeof cmds[0]) {
		fprintf(stderr, "vitals: heap: unknown command \"%s\" (summary, diff, leaks or explore)\n", argv[1]);
		return 2;
	}
	bool diff = cmd == 1 || cmd == 2;
	struct cli c = { .rep = { .top = 20 }, .retained = true, .paths = 5 };
	const char *files[3];
	int nfiles;
	int rc = parse_args(argc, argv, diff, &c, files, &nfiles);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (nfiles != cmds[cmd].nfiles && !(cmd == 3 && nfiles == 2)) {
		fprintf(stderr, "vitals: heap: %s needs %s (see vitals heap --help)\n", argv[1], cmds[cmd].files);
		return 2;
	}
	char err[512];
	switch (cmd) {
	case 0: rc = run_summary(stdout, files[0], &c, err, sizeof err); break;
	case 1: rc = run_diff(stdout, files[0], files[1], &c, NULL, err, sizeof err); break;
	case 2: rc = run_leaks(stdout, files, &c, err, sizeof err); break;
	default: return heap_explore_main(files[0], nfiles == 2 ? files[1] : NULL, c.view);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		snprintf(err, sizeof err, "writing the report: %s", strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		fprintf(stderr, "vitals: heap: %s\n", err);
		return 1;
	}
	return 0;
}

enum text_kind { TEXT_SUMMARY, TEXT_DIFF, TEXT_HUNT };

/* The report of kind on files, rendered into a malloc'd string through a
 * memory stream. */
static int to_text(enum text_kind kind, const char *const files[3], char **headline, char **out_text, char *err,
		   size_t errlen)
{
	struct cli c = { .rep = { .top = kind == TEXT_DIFF ? 30 : kind == TEXT_HUNT ? 10 : 20, .narrow = kind == TEXT_DIFF },
			 .retained = true, .paths = 5 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*out_text = NULL;
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc;
	if (kind == TEXT_SUMMARY) {
		c.rep.narrow = true;
		rc = run_summary(f, files[0], &c, err, errlen);
	} else if (kind == TEXT_DIFF) {
		rc = run_diff(f, files[0], files[1], &c, NULL, err, errlen);
	} else {
		fprintf(f, "vitals leak hunt: three heap snapshots of one process, taken after a heap leak alert.\n"
			   "What the process made between the first two and still holds in the third, by\n"
			   "what holds it (vitals heap leaks); then what grew from the first to the last\n"
			   "(vitals heap diff).  Paths are the shortest from the GC roots.\n\n");
		rc = run_leaks(f, files, &c, err, errlen);
		if (rc == 0) {
			fputs("\n", f);
			c.rep.top = 20;
			rc = run_diff(f, files[0], files[2], &c, headline, err, errlen);
		}
	}
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*out_text = buf;
	return 0;
}

int heap_summary_text(const char *path, char **out_text, char *err, size_t errlen)
{
	const char *files[3] = { path, NULL, NULL };
	return to_text(TEXT_SUMMARY, files, NULL, out_text, err, errlen);
}

int heap_diff_text(const char *before, const char *after, char **out_text, char *err, size_t errlen)
{
	const char *files[3] = { before, after, NULL };
	return to_text(TEXT_DIFF, files, NULL, out_text, err, errlen);
}

int heap_hunt_text(const char *const files[3], char **out_text, char **headline, char *err, size_t errlen)
{
	*headline = NULL;
	int rc = to_text(TEXT_HUNT, files, headline, out_text, err, errlen);
	if (rc < 0) {
		free(*headline);
		*headline = NULL;
	}
	return rc;
}
