/* profile_cli — command line of the CPU profile summary; see profile_cli.h.
 *
 * The work is profile_load (parse + Bottom-Up numbers); this file only
 * parses options and renders rows, as a table or as JSON (built with
 * jansson, so names and paths are escaped by the library).  Names and URLs
 * come from the profiled program: control characters are shown as '?' in
 * the table so a hostile name cannot move the cursor.
 */
#include "profile/profile_cli.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/xalloc.h"
#include "profile/profile.h"

struct opts {
	bool json;
	size_t top;
	profile_sort sort;
};

static const struct {
	const char *opt, *arg, *help;
} profile_opts[] = {
	{ "--json", NULL, "machine-readable output" },
	{ "--top", "N", "rows to show (default 20)" },
	{ "--sort", "KEY", "self (default) or total" },
	{ "-h, --help", NULL, "this help" },
};

static void usage(FILE *f)
{
	fputs("usage: vitals profile summary [OPTIONS] FILE.cpuprofile\n\n"
	      "summary: the functions that took the most CPU time, with file:line, as\n"
	      "  Chrome DevTools' Bottom-Up view shows them: self time (on top of the stack)\n"
	      "  and total time (anywhere on it, once however deep it recurses).\n"
	      "  FILE is a V8 CPU profile: node --cpu-prof, DevTools' Save profile, or a\n"
	      "  capture from the dashboard's p key.\n\noptions:\n",
	      f);
	for (size_t i = 0; i < sizeof profile_opts / sizeof profile_opts[0]; i++) {
		char left[32];
		snprintf(left, sizeof left, "%s%s%s", profile_opts[i].opt, profile_opts[i].arg ? " " : "",
			 profile_opts[i].arg ? profile_opts[i].arg : "");
		fprintf(f, "  %-18s %s\n", left, profile_opts[i].help);
	}
}

/* s cleaned of control characters and bad UTF-8 (text_clean), cut to max
 * bytes (0: no limit) with '~' marking the cut, padded to pad columns. */
static void put_clean(FILE *f, const char *s, size_t max, int pad)
{
	size_t len = strlen(s);
	bool cut = max && len > max;
	char *buf = xmalloc(len + 1);
	size_t n = text_clean(buf, cut ? max : len + 1, s, len, TEXT_UTF8);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += ((unsigned char)buf[i] & 0xC0) != 0x80;
	fputs(buf, f);
	free(buf);
	if (cut) {
		fputc('~', f);
		cols++;
	}
	for (; cols < pad; cols++)
		fputc(' ', f);
}

/* The path as a person reads it: file:// dropped. */
static const char *short_url(const char *url)
{
	return strncmp(url, "file://", 7) == 0 ? url + 7 : url;
}

static double pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0;
}

static int report_text(FILE *f, const char *path, const profile *p, size_t top, bool narrow)
{
	fputs("profile ", f);
	put_clean(f, path, 0, 0);
	fprintf(f, "\n%.1f ms sampled, %ld samples", p->duration_ms, p->nsamples);
	if (p->nsamples > 1)
		fprintf(f, " (%.2f ms apart)", p->duration_ms / (double)p->nsamples);
	fprintf(f, ", %zu functions\n\n", p->nfns);
	if (p->nsamples == 0) {
		fputs("no samples: the profile is empty\n", f);
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "%10s %6s %10s %6s  %-*s %s\n", "Self ms", "Self%", "Total ms", "Total%", narrow ? 18 : 28,
		"Function", "Location");
	for (size_t i = 0; i < p->nfns && i < top; i++) {
		const profile_fn *fn = &p->fns[i];
		fprintf(f, "%10.1f %5.1f%% %10.1f %5.1f%%  ", fn->self_ms, pct(fn->self_ms, p->duration_ms),
			fn->total_ms, pct(fn->total_ms, p->duration_ms));
		put_clean(f, fn->name, narrow ? 18 : 0, narrow ? 18 : 28);
		fputc(' ', f);
		const char *url = short_url(fn->url);
		if (*url) {
			char ln[16] = "";
			if (fn->line > 0)
				snprintf(ln, sizeof ln, ":%d", fn->line);
			/* narrow: keep the end of the path, where the file name is,
			 * and the line number, within the 24 columns left of 80 */
			size_t len = strlen(url), room = 24 - strlen(ln);
			if (narrow && len > room) {
				url += len - (room - 1);
				while (((unsigned char)*url & 0xC0) == 0x80)
					url++;
				fputc('~', f);
			}
			put_clean(f, url, 0, 0);
			fputs(ln, f);
		}
		fputc('\n', f);
	}
	if (p->nfns > top)
		fprintf(f, "(%zu more; --top N shows more)\n", p->nfns - top);
	return ferror(f) ? -1 : 0;
}

/* ms to the microsecond: the input has no finer resolution. */
static json_t *ms(double v)
{
	return json_real(round(v * 1000) / 1000);
}

static int report_json(FILE *f, const char *path, const profile *p, size_t top)
{
	json_t *fns = json_array();
	for (size_t i = 0; i < p->nfns && i < top; i++) {
		const profile_fn *fn = &p->fns[i];
		json_array_append_new(fns, json_pack("{s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:I}", "name", fn->name,
						     "url", fn->url, "line", fn->line, "column", fn->column,
						     "self_ms", ms(fn->self_ms), "self_pct",
						     ms(pct(fn->self_ms, p->duration_ms)), "total_ms",
						     ms(fn->total_ms), "total_pct", ms(pct(fn->total_ms, p->duration_ms)),
						     "samples", (json_int_t)fn->samples));
	}
	json_t *doc = json_pack("{s:s, s:o, s:I, s:I, s:I, s:o}", "file", path, "duration_ms", ms(p->duration_ms),
				"samples", (json_int_t)p->nsamples, "nodes", (json_int_t)p->nnodes, "function_count",
				(json_int_t)p->nfns, "functions", fns);
	if (!doc)	/* json_pack: only a path that is not UTF-8 */
		return -2;
	int rc = json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	json_decref(doc);
	fputc('\n', f);
	return rc < 0 || ferror(f) ? -1 : 0;
}

int profile_report(FILE *f, const char *path, const profile *p, bool json, size_t top, bool narrow)
{
	return json ? report_json(f, path, p, top) : report_text(f, path, p, top, narrow);
}

/* Load and render one summary into f. */
static int run_summary(FILE *f, const char *path, const struct opts *o, char *err, size_t errlen)
{
	char msg[400];
	profile *p = profile_load(path, msg, sizeof msg);
	if (!p) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	profile_sort_by(p, o->sort);
	int rc = profile_report(f, path, p, o->json, o->top, false);
	profile_free(p);
	if (rc == -2)
		snprintf(err, errlen, "%s: --json needs a file name that is UTF-8", path);
	else if (rc < 0)
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
	return rc < 0 ? -1 : 0;
}

/* Options mixed with the one operand.  1 = help shown, -1 = error. */
static int parse_args(int argc, char **argv, struct opts *o, const char **file)
{
	*file = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		bool operand = a[0] != '-' || a[1] == '\0';
		if (strcmp(a, "--") == 0 && i + 1 < argc) {
			a = argv[++i];
			operand = true;
		}
		if (operand) {
			if (*file) {
				fprintf(stderr, "vitals: profile: one file at a time (see vitals profile --help)\n");
				return -1;
			}
			*file = a;
			continue;
		}
		char name[16];
		size_t nl = strcspn(a, "=");
		snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), a);
		if (a[nl] == '=')
			val = a + nl + 1;
		bool is_top = strcmp(name, "--top") == 0, is_sort = strcmp(name, "--sort") == 0;
		if ((is_top || is_sort) && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vitals: profile: %s needs a value\n", name);
				return -1;
			}
			val = argv[++i];
		} else if (!is_top && !is_sort && val) {
			fprintf(stderr, "vitals: profile: %s takes no value\n", name);
			return -1;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (is_top) {
			char *end;
			errno = 0;
			long n = strtol(val, &end, 10);
			if (errno || *end || end == val || n < 1 || n > 1000000) {
				fprintf(stderr, "vitals: profile: --top wants a number from 1 to 1000000, not \"%s\"\n", val);
				return -1;
			}
			o->top = (size_t)n;
		} else if (is_sort) {
			if (strcmp(val, "self") == 0)
				o->sort = PROFILE_SORT_SELF;
			else if (strcmp(val, "total") == 0)
				o->sort = PROFILE_SORT_TOTAL;
			else {
				fprintf(stderr, "vitals: profile: --sort wants self or total, not \"%s\"\n", val);
				return -1;
			}
		} else {
			fprintf(stderr, "vitals: profile: unknown option %s (see vitals profile --help)\n", a);
			return -1;
		}
	}
	return 0;
}

int profile_cli_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "summary") != 0) {
		fprintf(stderr, "vitals: profile: unknown command \"%s\" (summary)\n", argv[1]);
		return 2;
	}
	struct opts o = { .top = 20 };
	const char *file;
	int rc = parse_args(argc, argv, &o, &file);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (!file) {
		fprintf(stderr, "vitals: profile: summary needs a .cpuprofile file (see vitals profile --help)\n");
		return 2;
	}
	char err[512];
	rc = run_summary(stdout, file, &o, err, sizeof err);
	if (fflush(stdout) != 0 && rc == 0) {
		snprintf(err, sizeof err, "writing the report: %s", strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		/* the message may quote the file (jansson's "near '...'") */
		fputs("vitals: profile: ", stderr);
		put_clean(stderr, err, 0, 0);
		fputc('\n', stderr);
		return 1;
	}
	return 0;
}
