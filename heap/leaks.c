/* leaks — three-snapshot leak clusters; see leaks.h.
 *
 * Id sets are sorted uint32 arrays searched by bisection: a 400 MB snapshot
 * has a few million nodes, so a set is ~10 MB and no hashing is needed.  The
 * "under a leaked object" flag is pushed down the dominator tree in one
 * preorder walk with an explicit stack.
 */
#include "heap/leaks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/devtools.h"

#include "heap/dominators.h"

struct idset {
	uint32_t *ids;
	size_t n;
};

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return (a > b) - (a < b);
}

static bool idset_has(const struct idset *set, uint32_t id)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->ids[mid] == id)
			return true;
		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* What a program allocates (the rest is V8's own bookkeeping). */
static bool candidate(const heap_snapshot *s, uint32_t i)
{
	int t = s->node_type[i];
	if (t == s->t.n_hidden || t == s->t.n_code || t == s->t.n_synthetic)
		return false;
	const char *tn = s->node_type_name[t];
	return strcmp(tn, "object shape") != 0 && strcmp(tn, "number") != 0;
}

static heap_snapshot *load(const char *path, heap_parser parser, heap_view view, char *err, size_t errlen)
{
	char msg[400];
	heap_snapshot *s = heap_snapshot_load_view(path, parser, view, msg, sizeof msg);
	if (!s)
		snprintf(err, errlen, "%s: %s", path, msg);
	return s;
}

/* The ids of s (when base is NULL), or its candidates whose id is not in base. */
static int idset_of(struct idset *out, const heap_snapshot *s, const struct idset *base)
{
	out->ids = malloc(((size_t)s->node_count ? s->node_count : 1) * sizeof *out->ids);
	out->n = 0;
	if (!out->ids)
		return -1;
	for (uint32_t i = 0; i < s->node_count; i++) {
		if (base && (!candidate(s, i) || idset_has(base, s->node_id[i])))
			continue;
		out->ids[out->n++] = s->node_id[i];
	}
	qsort(out->ids, out->n, sizeof *out->ids, cmp_u32);
	return 0;
}

/* In FINAL: mark the leaked, keep the outer ones, cluster them. */
static int analyse_final(heap_leaks *l, const heap_snapshot *s, const struct idset *added, size_t top, char *err,
			 size_t errlen)
{
	uint32_t n = s->node_count;
	heap_dominators *d = heap_dominators_new(s, err, errlen);
	if (!d)
		return -1;
	heap_retainers *r = heap_retainers_new(s, err, errlen);
	uint8_t *under = calloc(n, 1);	/* bit 0: leaked; bit 1: under a leaked object */
	uint32_t *stack = malloc((size_t)n * sizeof *stack);
	uint32_t *outer = NULL;
	int rc = -1;
	if (!r || !under || !stack)
		goto oom;
	for (uint32_t i = 0; i < n; i++)
		if (candidate(s, i) && idset_has(added, s->node_id[i])) {
			under[i] = 1;
			l->leaked++;
		}
	size_t top_ = 0, nouter = 0;
	stack[top_++] = s->root;
	while (top_) {
		uint32_t v = stack[--top_];
		uint8_t pass = (under[v] & 3) ? 2 : 0;
		for (uint32_t c = d->dom_first[v]; c < d->dom_first[v + 1]; c++) {
			under[d->dom_child[c]] |= pass;
			stack[top_++] = d->dom_child[c];
		}
	}
	for (uint32_t i = 0; i < n; i++)
		nouter += under[i] == 1;
	outer = malloc((nouter ? nouter : 1) * sizeof *outer);
	if (!outer)
		goto oom;
	for (uint32_t i = 0; i < n; i++)
		if (under[i] == 1) {
			outer[l->outer++] = i;
			l->retained += d->retained[i];
		}
	long k = heap_paths_group(s, r, outer, l->outer, d->retained, top, &l->clusters, &l->nclusters);
	if (k < 0)
		goto oom;
	l->nshown = (size_t)k;
	rc = 0;
	goto out;
oom:
	if (r)
		snprintf(err, errlen, "out of memory clustering leaks (%u nodes)", n);
out:
	free(outer);
	free(stack);
	free(under);
	heap_retainers_free(r);
	heap_dominators_free(d);
	return rc;
}

heap_leaks *heap_leaks_new(const char *baseline, const char *target, const char *final, heap_parser parser,
			   heap_view view, size_t top, char *err, size_t errlen)
{
	heap_leaks *l = calloc(1, sizeof *l);
	struct idset base = { 0 }, added = { 0 };
	char msg[400];
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	heap_snapshot *s = load(baseline, parser, view, err, errlen);
	if (!s)
		goto fail;
	l->baseline_nodes = s->node_count;
	int rc = idset_of(&base, s, NULL);
	heap_snapshot_free(s);
	if (rc < 0)
		goto oom;
	if (!(s = load(target, parser, view, err, errlen)))
		goto fail;
	l->target_nodes = s->node_count;
	rc = idset_of(&added, s, &base);
	heap_snapshot_free(s);
	free(base.ids);
	base.ids = NULL;
	if (rc < 0)
		goto oom;
	l->added = added.n;
	if (!(s = load(final, parser, view, err, errlen)))
		goto fail;
	l->final_nodes = s->node_count;
	rc = analyse_final(l, s, &added, top, msg, sizeof msg);
	heap_snapshot_free(s);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", final, msg);
		goto fail;
	}
	free(added.ids);
	return l;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(base.ids);
	free(added.ids);
	heap_leaks_free(l);
	return NULL;
}

heap_leaks *heap_leaks_snapshots(const heap_snapshot *baseline, const heap_snapshot *target,
				 const heap_snapshot *final, size_t top, char *err, size_t errlen)
{
	heap_leaks *l = calloc(1, sizeof *l);
	struct idset base = { 0 }, added = { 0 };
	if (!l || idset_of(&base, baseline, NULL) < 0 || idset_of(&added, target, &base) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	l->baseline_nodes = baseline->node_count;
	l->target_nodes = target->node_count;
	l->final_nodes = final->node_count;
	l->added = added.n;
	if (analyse_final(l, final, &added, top, err, errlen) < 0)
		goto fail;
	free(base.ids);
	free(added.ids);
	return l;
fail:
	free(base.ids);
	free(added.ids);
	heap_leaks_free(l);
	return NULL;
}

void heap_leaks_free(heap_leaks *l)
{
	if (!l)
		return;
	heap_paths_free(l->clusters, l->nshown);
	free(l);
}
