/* fuzz_heap_snapshot — the heap snapshot loader on arbitrary bytes: whatever
 * loads must also survive the dominator tree, retainer paths, the summary and
 * the report, in V8's raw view and then in DevTools' view.
 * The same bytes are also taken as the body of a JSON string literal and
 * unescaped by heap_json_unescape, and compared with jansson: when jansson
 * accepts the literal, our unescaper must too and give the same UTF-8. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/devtools.h"
#include "heap/dominators.h"
#include "heap/report.h"
#include "heap/snapshot.h"
#include "heap/summary.h"

static void check_unescape(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return;
	char *doc = malloc(size + 3);
	size_t cap = size * 3 + 16;	/* \uXXXX never grows, a bad byte grows to 3 */
	char *out = malloc(cap);
	if (!doc || !out)
		abort();
	doc[0] = '"';
	memcpy(doc + 1, data, size);
	doc[size + 1] = '"';
	long n = heap_json_unescape(doc + 1, size, out, cap);
	json_error_t je;
	json_t *j = json_loadb(doc, size + 2, JSON_DECODE_ANY, &je);
	if (j && json_is_string(j)) {
		if (n < 0 || (size_t)n != json_string_length(j) || memcmp(out, json_string_value(j), (size_t)n) != 0) {
			fprintf(stderr, "unescape differs from jansson (ours %ld, jansson %zu)\n", n,
				json_string_length(j));
			abort();
		}
	}
	json_decref(j);
	free(doc);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	check_unescape(data, size);
	heap_snapshot *s = heap_snapshot_load_mem(data, size, err, sizeof err);
	if (!s) {
		if (!err[0] || strchr(err, '\n'))
			abort();	/* every failure has a one-line message */
		return 0;
	}
	heap_dominators *d = heap_dominators_new(s, err, sizeof err);
	if (d) {
		uint64_t total = 0;
		for (uint32_t i = 0; i < s->node_count; i++)
			total += s->node_self[i];
		if (d->retained[s->root] != total)
			abort();	/* the root retains everything */
	}
	heap_retainers *r = heap_retainers_new(s, err, sizeof err);
	heap_summary_opts so = { .top_objects = 5, .r = r, .path_classes = 5, .paths_per_class = 3 };
	heap_summary *sum = heap_summary_new(s, d, &so, err, sizeof err);
	if (sum) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			heap_report_opts o = { .top = 5 };
			heap_report_summary(f, "fuzz", sum, &o);
			o.json = true;
			heap_report_summary(f, "fuzz", sum, &o);
			fclose(f);
		}
		free(buf);
	}
	heap_summary_free(sum);
	heap_retainers_free(r);
	heap_dominators_free(d);
	/* the same through DevTools' view: sizes move, never appear or vanish */
	uint64_t before = 0, after = 0;
	for (uint32_t i = 0; i < s->node_count; i++)
		before += s->node_self[i];
	if (heap_devtools_apply(s, err, sizeof err) == 0) {
		for (uint32_t i = 0; i < s->node_count; i++)
			after += s->node_self[i];
		if (after != before)
			abort();
		d = heap_dominators_new(s, err, sizeof err);
		r = heap_retainers_new(s, err, sizeof err);
		so.r = r;
		sum = heap_summary_new(s, d, &so, err, sizeof err);
		if (sum) {
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);
			if (f) {
				heap_report_opts o = { .top = 5, .json = true };
				heap_report_summary(f, "fuzz", sum, &o);
				fclose(f);
			}
			free(buf);
		}
		heap_summary_free(sum);
		heap_retainers_free(r);
		heap_dominators_free(d);
	}
	heap_snapshot_free(s);
	return 0;
}
