/* fuzz_heap_diff — `heap diff` and `heap leaks` on arbitrary bytes.  The input
 * is up to three snapshots separated by the byte 0x1e (ASCII record
 * separator): BEFORE/BASELINE, AFTER/TARGET, FINAL; a missing part repeats the
 * last one, so a single snapshot is compared with itself.  Whatever loads
 * must survive the diff with retainer paths, the leak clusters and both
 * reports, and keep their invariants: per class, new - deleted equals the
 * change in count; leaked objects are a subset of those new in TARGET.
 * Seeds (fuzz/corpus/heap_diff) are cut from real snapshots of
 * tests/fixtures/heap_leak3.js by tests/fixtures/heap_seed.js. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/devtools.h"
#include "heap/diff.h"
#include "heap/leaks.h"
#include "heap/report.h"
#include "heap/snapshot.h"

static void report(const heap_diff *d, const heap_leaks *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	static const char *const files[3] = { "a", "b", "c" };
	for (int json = 0; json < 2; json++) {
		heap_report_opts o = { .top = 5, .json = json, .narrow = !json };
		if (d)
			heap_report_diff(f, "a", "b", d, &o);
		if (l)
			heap_report_leaks(f, files, l, &o);
	}
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	heap_snapshot *s[3] = { NULL, NULL, NULL };
	char err[512];
	size_t start = 0;
	int n = 0;
	while (n < 3 && start <= size) {
		const uint8_t *sep = memchr(data + start, 0x1e, size - start);
		size_t end = sep ? (size_t)(sep - data) : size;
		s[n] = heap_snapshot_load_mem(data + start, end - start, err, sizeof err);
		if (!s[n])
			goto out;
		/* odd-sized inputs in DevTools' view, even ones raw */
		if ((size & 1) && heap_devtools_apply(s[n], err, sizeof err) < 0)
			goto out;
		n++;
		if (!sep)
			break;
		start = end + 1;
	}
	if (n == 0)
		goto out;
	const heap_snapshot *b = s[0], *t = s[n > 1 ? 1 : 0], *f = s[n - 1];
	heap_diff *d = heap_diff_snapshots(b, t, HEAP_SORT_DEFAULT, 3, err, sizeof err);
	if (d)
		for (size_t i = 0; i < d->nrows; i++) {
			const heap_diff_row *r = &d->rows[i];
			if ((int64_t)r->added - (int64_t)r->removed != (int64_t)r->after_count - (int64_t)r->before_count)
				abort();
		}
	heap_leaks *l = heap_leaks_snapshots(b, t, f, 5, err, sizeof err);
	if (l && (l->outer > l->leaked || l->leaked > l->added || l->nshown > l->nclusters))
		abort();
	report(d, l);
	heap_leaks_free(l);
	heap_diff_free(d);
out:
	for (int i = 0; i < 3; i++)
		heap_snapshot_free(s[i]);
	return 0;
}
