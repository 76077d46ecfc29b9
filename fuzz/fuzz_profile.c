/* fuzz_profile — the .cpuprofile parser and analysis on arbitrary bytes:
 * whatever loads must keep the invariants of profile.h (times finite, not
 * negative, total >= self, total <= duration) through both sorts, and render
 * as a table and as JSON; whatever fails must say why in one line. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "profile/profile_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const profile *p)
{
	double eps = 1e-9 * (p->duration_ms + 1);
	if (!isfinite(p->duration_ms) || p->duration_ms < 0 || p->nsamples < 0)
		abort();
	for (size_t i = 0; i < p->nfns; i++) {
		const profile_fn *f = &p->fns[i];
		if (!f->name || !f->url || !isfinite(f->self_ms) || !isfinite(f->total_ms) || f->self_ms < 0 ||
		    f->total_ms < f->self_ms - eps || f->total_ms > p->duration_ms + eps || f->samples < 0 ||
		    f->samples > p->nsamples || f->line < 0 || f->column < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	err[0] = '\0';
	profile *p = profile_parse((const char *)data, size, err, sizeof err);
	if (!p) {
		if (!err[0] || strchr(err, '\n'))
			abort();	/* a failure says why, in one line */
		return 0;
	}
	check(p);
	FILE *out = fopen("/dev/null", "w");
	if (!out)
		abort();
	for (int key = 0; key < 2; key++) {
		profile_sort_by(p, key ? PROFILE_SORT_TOTAL : PROFILE_SORT_SELF);
		check(p);
		for (size_t i = 1; i < p->nfns; i++)
			if ((key ? p->fns[i].total_ms > p->fns[i - 1].total_ms : p->fns[i].self_ms > p->fns[i - 1].self_ms))
				abort();	/* not sorted */
		if (profile_report(out, "fuzz", p, key, 50, key) == -1)
			abort();
	}
	fclose(out);
	profile_free(p);
	return 0;
}
