/* test_profile — the .cpuprofile analysis on hand-made profiles whose
 * Bottom-Up numbers are worked out by hand below (recursion counted once,
 * garbage collection on top of the stack it interrupted, the (program)
 * sample fix, the last sample's length, out-of-order samples), and the one
 * line each broken file gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "profile/profile.h"
#include "profile/profile_cli.h"

#define NODES                                                                                                  \
	"\"nodes\":["                                                                                          \
	"{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"scriptId\":\"0\",\"url\":\"\","               \
	"\"lineNumber\":-1,\"columnNumber\":-1},\"children\":[2,3,4,5]},"                                     \
	"{\"id\":2,\"callFrame\":{\"functionName\":\"(program)\",\"scriptId\":\"0\",\"url\":\"\","            \
	"\"lineNumber\":-1,\"columnNumber\":-1}},"                                                             \
	"{\"id\":3,\"callFrame\":{\"functionName\":\"(garbage collector)\",\"scriptId\":\"0\",\"url\":\"\","  \
	"\"lineNumber\":-1,\"columnNumber\":-1}},"                                                             \
	"{\"id\":4,\"callFrame\":{\"functionName\":\"(idle)\",\"scriptId\":\"0\",\"url\":\"\","               \
	"\"lineNumber\":-1,\"columnNumber\":-1}},"                                                             \
	"{\"id\":5,\"callFrame\":{\"functionName\":\"main\",\"scriptId\":\"7\",\"url\":\"file:///a.js\","     \
	"\"lineNumber\":0,\"columnNumber\":0},\"children\":[6]},"                                              \
	"{\"id\":6,\"callFrame\":{\"functionName\":\"rec\",\"scriptId\":\"7\",\"url\":\"file:///a.js\","      \
	"\"lineNumber\":9,\"columnNumber\":2},\"children\":[7,8]},"                                            \
	"{\"id\":7,\"callFrame\":{\"functionName\":\"rec\",\"scriptId\":\"7\",\"url\":\"file:///a.js\","      \
	"\"lineNumber\":9,\"columnNumber\":2},\"children\":[9]},"                                              \
	"{\"id\":8,\"callFrame\":{\"functionName\":\"leaf\",\"scriptId\":\"7\",\"url\":\"file:///a.js\","     \
	"\"lineNumber\":19,\"columnNumber\":2}},"                                                              \
	"{\"id\":9,\"callFrame\":{\"functionName\":\"leaf\",\"scriptId\":\"7\",\"url\":\"file:///a.js\","     \
	"\"lineNumber\":19,\"columnNumber\":2}}]"

/* Samples (node id @ µs):  6@1000 7@2000 9@3000 gc@5000 gc@6000 8@7000
 * program@8000 9@10000 idle@11000.  The last sample ends at 11000 + the
 * average interval (10000/8 = 1250): 12250, so the profile lasts 11.25 ms.
 * The program sample sits between leaf(8) and leaf(9), both under main: it
 * becomes leaf(8).  Times (ms):
 *   rec  self 1 (6) + 1 (7) = 2; total: every sample under main = 10
 *        (per node it would be 10 + 6: recursion counts once);
 *   leaf self 2 (9) + 1 (8) + 2 (program→8) + 1 (9) = 6; total 6 + the
 *        2 of garbage collection stacked on it = 8;
 *   gc   2, on top of leaf; idle 1.25; main self 0, total 10. */
static const char hand[] = "{" NODES ",\"startTime\":1000,\"endTime\":12000,"
			   "\"samples\":[6,7,9,3,3,8,2,9,4],"
			   "\"timeDeltas\":[0,1000,1000,2000,1000,1000,1000,2000,1000]}";

static const profile_fn *row(const profile *p, const char *name)
{
	for (size_t i = 0; i < p->nfns; i++)
		if (strcmp(p->fns[i].name, name) == 0)
			return &p->fns[i];
	return NULL;
}

static void check_hand(const profile *p)
{
	assert_true(p->duration_ms > 11.25 - 1e-9 && p->duration_ms < 11.25 + 1e-9);
	assert_int_equal(p->nsamples, 9);
	const profile_fn *rec = row(p, "rec"), *leaf = row(p, "leaf"), *gc = row(p, "(garbage collector)");
	const profile_fn *idle = row(p, "(idle)"), *main_ = row(p, "main");
	assert_non_null(rec);
	assert_non_null(leaf);
	assert_non_null(gc);
	assert_non_null(idle);
	assert_non_null(main_);
	assert_null(row(p, "(program)"));	/* its one sample was taken as leaf */
	assert_true(rec->self_ms == 2 && rec->total_ms == 10);
	assert_true(leaf->self_ms == 6 && leaf->total_ms == 8);
	assert_true(gc->self_ms == 2 && gc->total_ms == 2);
	assert_true(idle->self_ms == 1.25 && idle->total_ms == 1.25);
	assert_true(main_->self_ms == 0 && main_->total_ms == 10);
	assert_int_equal(leaf->samples, 4);
	assert_int_equal(rec->samples, 2);
	assert_int_equal(leaf->line, 20);	/* 1-based, as DevTools shows it */
	assert_int_equal(leaf->column, 3);
	assert_string_equal(leaf->url, "file:///a.js");
}

static void test_hand(void **state)
{
	(void)state;
	char err[256] = "";
	profile *p = profile_parse(hand, strlen(hand), err, sizeof err);
	assert_non_null(p);
	check_hand(p);
	assert_string_equal(p->fns[0].name, "leaf");	/* by self */
	profile_sort_by(p, PROFILE_SORT_TOTAL);
	assert_true(p->fns[0].total_ms == 10);
	assert_true(p->fns[2].total_ms == 8);
	profile_free(p);
}

/* The same samples written out of order (one negative delta) give the same
 * numbers: DevTools sorts them by time first. */
static void test_unsorted(void **state)
{
	(void)state;
	static const char doc[] = "{" NODES ",\"startTime\":1000,\"endTime\":12000,"
				  "\"samples\":[6,7,3,9,3,8,2,9,4],"
				  "\"timeDeltas\":[0,1000,3000,-2000,3000,1000,1000,2000,1000]}";
	char err[256] = "";
	profile *p = profile_parse(doc, strlen(doc), err, sizeof err);
	assert_non_null(p);
	check_hand(p);
	profile_free(p);
}

/* One sample: its length runs to endTime (DevTools' fallback). */
static void test_one_sample(void **state)
{
	(void)state;
	static const char doc[] = "{" NODES ",\"startTime\":1000,\"endTime\":4000,"
				  "\"samples\":[8],\"timeDeltas\":[500]}";
	char err[256] = "";
	profile *p = profile_parse(doc, strlen(doc), err, sizeof err);
	assert_non_null(p);
	assert_true(p->duration_ms == 2.5);
	assert_true(row(p, "leaf")->self_ms == 2.5);
	assert_true(row(p, "rec")->total_ms == 2.5);
	profile_free(p);

	static const char none[] = "{" NODES ",\"startTime\":1,\"endTime\":2,\"samples\":[],\"timeDeltas\":[]}";
	p = profile_parse(none, strlen(none), err, sizeof err);
	assert_non_null(p);
	assert_int_equal(p->nsamples, 0);
	assert_int_equal(p->nfns, 0);
	profile_free(p);
}

static void bad(const char *doc, const char *want)
{
	char err[256] = "";
	profile *p = profile_parse(doc, strlen(doc), err, sizeof err);
	if (p || !strstr(err, want))
		fail_msg("for %.60s: wanted an error with \"%s\", got \"%s\"", doc, want, p ? "(loaded)" : err);
	assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
	(void)state;
	bad("", "empty");
	bad("{\"nodes\":[{\"id\":1,", "cut short");
	char cut[sizeof hand];
	memcpy(cut, hand, sizeof hand);
	cut[sizeof hand / 2] = '\0';
	bad(cut, "cut short");
	bad("{\"nodes\": nope}", "not JSON");
	bad("[1,2]", "no \"nodes\"");
	bad("{\"head\":{}}", "old-format");
	bad("{\"snapshot\":{},\"nodes\":[]}", "heap snapshot");
	bad("{\"nodes\":[{\"id\":\"1\"}]}", "no integer id");
	bad("{\"nodes\":[{\"id\":1}]}", "no callFrame");
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":3}}]}", "mistyped");
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"}},"
	    "{\"id\":1,\"callFrame\":{\"functionName\":\"b\"}}]}", "appears twice");
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"},\"children\":[9]}]}", "not a node");
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"},\"children\":[1]}]}", "two parents");
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"},\"children\":[2]},"
	    "{\"id\":2,\"callFrame\":{\"functionName\":\"b\"}},{\"id\":3,\"callFrame\":{\"functionName\":\"c\"},"
	    "\"children\":[2]}]}", "two parents");
	/* a cycle away from the root: its nodes are not in the tree */
	bad("{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"}},"
	    "{\"id\":2,\"callFrame\":{\"functionName\":\"b\"},\"children\":[3]},"
	    "{\"id\":3,\"callFrame\":{\"functionName\":\"c\"},\"children\":[2]}],"
	    "\"startTime\":0,\"endTime\":1,\"samples\":[3],\"timeDeltas\":[1]}", "not in the call tree");
	bad("{" NODES ",\"startTime\":0,\"endTime\":1,\"samples\":[42],\"timeDeltas\":[1]}", "node 42");
	bad("{" NODES ",\"startTime\":0,\"endTime\":1,\"samples\":[5,5],\"timeDeltas\":[1]}", "2 samples but 1");
	bad("{" NODES ",\"startTime\":0,\"endTime\":1,\"samples\":[5],\"timeDeltas\":[\"x\"]}", "timeDeltas[0]");
	bad("{" NODES ",\"samples\":[5],\"timeDeltas\":[1]}", "startTime");
	bad("{" NODES ",\"startTime\":0,\"endTime\":1}", "no samples");
}

static void test_text(void **state)
{
	(void)state;
	char path[] = "/tmp/test_profile.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(hand, f);
	fclose(f);
	char err[256];
	profile *p = profile_load(path, err, sizeof err);
	assert_non_null(p);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	assert_int_equal(profile_report(m, path, p, false, 20, true), 0);
	fclose(m);
	profile_free(p);
	/* leaf first (most self time), its file:line, 6 ms of 11.25 = 53.3% */
	const char *leaf = strstr(text, "leaf");
	assert_non_null(leaf);
	assert_true(leaf < strstr(text, "rec"));
	assert_non_null(strstr(text, "/a.js:20"));
	assert_non_null(strstr(text, "53.3%"));
	free(text);
	unlink(path);
	assert_null(profile_load(path, err, sizeof err));
	assert_non_null(strstr(err, "cannot open"));
}

/* The narrow table (the TUI's at 80 columns) keeps a long path's end and
 * the line number inside 80 columns: "~ed/file.js:12345", not cut. */
static void test_narrow(void **state)
{
	(void)state;
	static const char doc[] =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"scriptId\":\"0\",\"url\":\"\","
		"\"lineNumber\":-1,\"columnNumber\":-1},\"children\":[2]},{\"id\":2,\"callFrame\":{\"functionName\":"
		"\"aVeryLongFunctionNameIndeed\",\"scriptId\":\"7\",\"url\":\"file:///srv/app/node_modules/pkg/lib/"
		"deeply/nested/file.js\",\"lineNumber\":12344,\"columnNumber\":0}}],\"startTime\":0,\"endTime\":2000,"
		"\"samples\":[2,2],\"timeDeltas\":[0,1000]}";
	char err[256];
	profile *p = profile_parse(doc, strlen(doc), err, sizeof err);
	assert_non_null(p);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	assert_int_equal(profile_report(m, "x.cpuprofile", p, false, 20, true), 0);
	fclose(m);
	profile_free(p);
	const char *row = strstr(text, "aVeryLongFunction");
	assert_non_null(row);
	const char *eol = strchr(row, '\n');
	const char *bol = row;
	while (bol > text && bol[-1] != '\n')
		bol--;
	assert_true(eol - bol <= 80);
	assert_true(strstr(row, "/file.js:12345") && strstr(row, "/file.js:12345") < eol);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand),	   cmocka_unit_test(test_unsorted), cmocka_unit_test(test_one_sample),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_text),	   cmocka_unit_test(test_narrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
