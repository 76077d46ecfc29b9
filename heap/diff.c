/* diff — per-class comparison of two snapshots; see diff.h.
 *
 * A side is an array of classes sorted by name, each holding its objects as
 * (id, self) pairs sorted by id.  Merging two sides is a merge of the two
 * name-sorted class arrays, and inside a class a merge of the id lists.
 */
#include "heap/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/devtools.h"

void heap_side_close(heap_side *sd)
{
	for (size_t i = 0; i < sd->nclasses; i++) {
		free(sd->classes[i].name);
		free(sd->classes[i].objs);
	}
	free(sd->classes);
	memset(sd, 0, sizeof *sd);
}

static int cmp_obj(const void *pa, const void *pb)
{
	const heap_side_obj *a = pa, *b = pb;
	return (a->id > b->id) - (a->id < b->id);
}

static int cmp_side_class(const void *pa, const void *pb)
{
	const heap_side_class *a = pa, *b = pb;
	return strcmp(a->name, b->name);
}

int heap_side_init(heap_side *sd, const heap_snapshot *s)
{
	size_t nkeys = heap_class_keys(s);
	uint32_t *slot = malloc(nkeys * sizeof *slot);
	size_t cap = 0;
	memset(sd, 0, sizeof *sd);
	if (!slot)
		return -1;
	memset(slot, 0xff, nkeys * sizeof *slot);
	sd->nodes = s->node_count;
	/* pass 1: classes and their sizes */
	for (uint32_t i = 0; i < s->node_count; i++) {
		sd->self_total += s->node_self[i];
		if (!heap_node_counted(s, i))
			continue;
		size_t key = heap_class_key(s, i);
		if (slot[key] == UINT32_MAX) {
			if (sd->nclasses == cap) {
				size_t nc = cap ? cap * 2 : 256;
				heap_side_class *c = realloc(sd->classes, nc * sizeof *c);
				if (!c)
					goto oom;
				sd->classes = c;
				cap = nc;
			}
			slot[key] = (uint32_t)sd->nclasses;
			heap_side_class *c = &sd->classes[sd->nclasses++];
			memset(c, 0, sizeof *c);
			c->name = heap_class_name_dup(s, i);
			if (!c->name)
				goto oom;
		}
		sd->classes[slot[key]].n++;
	}
	for (size_t k = 0; k < sd->nclasses; k++) {
		sd->classes[k].objs = malloc(sd->classes[k].n * sizeof(heap_side_obj));
		if (!sd->classes[k].objs)
			goto oom;
		sd->classes[k].n = 0;
	}
	/* pass 2: fill */
	for (uint32_t i = 0; i < s->node_count; i++) {
		if (!heap_node_counted(s, i))
			continue;
		heap_side_class *c = &sd->classes[slot[heap_class_key(s, i)]];
		c->objs[c->n].id = s->node_id[i];
		c->objs[c->n].node = i;
		c->objs[c->n].self = s->node_self[i];
		c->self += s->node_self[i];
		c->n++;
	}
	free(slot);
	for (size_t k = 0; k < sd->nclasses; k++)
		qsort(sd->classes[k].objs, sd->classes[k].n, sizeof(heap_side_obj), cmp_obj);
	/* Two string indexes may carry the same text (V8 dedups, a crafted file
	 * need not): classes are matched by name, so merge equal names. */
	if (sd->nclasses)
		qsort(sd->classes, sd->nclasses, sizeof *sd->classes, cmp_side_class);
	size_t w = 0;
	for (size_t k = 0; k < sd->nclasses; k++) {
		if (w > 0 && strcmp(sd->classes[w - 1].name, sd->classes[k].name) == 0) {
			heap_side_class *a = &sd->classes[w - 1], *b = &sd->classes[k];
			heap_side_obj *m = realloc(a->objs, (a->n + b->n) * sizeof *m);
			if (!m) {
				for (size_t r = k; r < sd->nclasses; r++) {
					free(sd->classes[r].name);
					free(sd->classes[r].objs);
				}
				sd->nclasses = w;
				goto oom_nofree;
			}
			memcpy(m + a->n, b->objs, b->n * sizeof *m);
			a->objs = m;
			a->n += b->n;
			a->self += b->self;
			qsort(a->objs, a->n, sizeof *m, cmp_obj);
			free(b->name);
			free(b->objs);
			continue;
		}
		sd->classes[w++] = sd->classes[k];
	}
	sd->nclasses = w;
	return 0;
oom:
	free(slot);
oom_nofree:
	heap_side_close(sd);
	return -1;
}

/* Load path and reduce it to a side; the snapshot is handed back in *keep
 * when keep is not NULL, else freed. */
static int load_side(heap_side *sd, const char *path, heap_parser parser, heap_view view, heap_snapshot **keep,
		     char *err, size_t errlen)
{
	char msg[400];
	heap_snapshot *s = heap_snapshot_load_view(path, parser, view, msg, sizeof msg);
	if (!s) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	int rc = heap_side_init(sd, s);
	if (rc < 0)
		snprintf(err, errlen, "%s: out of memory", path);
	if (keep && rc == 0)
		*keep = s;
	else
		heap_snapshot_free(s);
	return rc;
}

static const heap_side_class *side_find(const heap_side *sd, const char *name)
{
	size_t lo = 0, hi = sd->nclasses;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sd->classes[mid].name, name);
		if (c == 0)
			return &sd->classes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Retainer paths of the new objects of the first path_rows rows that grew. */
static int diff_paths(heap_diff *d, const heap_side *a, const heap_side *b, const heap_snapshot *sb,
		      size_t path_rows, char *err, size_t errlen)
{
	heap_retainers *r = heap_retainers_new(sb, err, errlen);
	if (!r)
		return -1;
	uint32_t *nodes = NULL;
	size_t cap = 0;
	int rc = 0;
	for (size_t k = 0, done = 0; k < d->nrows && done < path_rows; k++) {
		heap_diff_row *row = &d->rows[k];
		if (!row->added)
			continue;
		done++;
		const heap_side_class *ca = side_find(a, row->name), *cb = side_find(b, row->name);
		if (!cb)
			continue;
		if (cap < cb->n) {
			free(nodes);
			cap = cb->n;
			nodes = malloc(cap * sizeof *nodes);
			if (!nodes) {
				rc = -1;
				break;
			}
		}
		size_t n = 0, i = 0, na = ca ? ca->n : 0;
		for (size_t j = 0; j < cb->n; j++) {
			while (i < na && ca->objs[i].id < cb->objs[j].id)
				i++;
			if (i < na && ca->objs[i].id == cb->objs[j].id)
				continue;
			nodes[n++] = cb->objs[j].node;
		}
		long np = heap_paths_group(sb, r, nodes, n, NULL, 3, &row->paths, &row->ngroups);
		if (np < 0) {
			rc = -1;
			break;
		}
		row->npaths = (size_t)np;
	}
	if (rc < 0)
		snprintf(err, errlen, "out of memory finding retainer paths");
	free(nodes);
	heap_retainers_free(r);
	return rc;
}

static int64_t delta(uint64_t a, uint64_t b)
{
	return (int64_t)a - (int64_t)b;
}

static int cmp_row_r(const void *pa, const void *pb, void *ctx)
{
	const heap_diff_row *a = pa, *b = pb;
	heap_sort k = *(const heap_sort *)ctx;
	int64_t sa = delta(a->added_size, a->removed_size), sb = delta(b->added_size, b->removed_size);
	int64_t ca = delta(a->added, a->removed), cb = delta(b->added, b->removed);
	int r;
	if (k == HEAP_SORT_COUNT)
		r = ca != cb ? (ca < cb ? 1 : -1) : sa != sb ? (sa < sb ? 1 : -1) : 0;
	else
		r = sa != sb ? (sa < sb ? 1 : -1) : ca != cb ? (ca < cb ? 1 : -1) : 0;
	return r ? r : strcmp(a->name, b->name);
}

/* Compare one class present on one or both sides. */
static void compare_class(heap_diff_row *row, const heap_side_class *a, const heap_side_class *b)
{
	size_t i = 0, j = 0, na = a ? a->n : 0, nb = b ? b->n : 0;
	row->before_count = na;
	row->before_self = a ? a->self : 0;
	row->after_count = nb;
	row->after_self = b ? b->self : 0;
	while (i < na && j < nb) {
		if (a->objs[i].id < b->objs[j].id) {
			row->removed++;
			row->removed_size += a->objs[i++].self;
		} else if (a->objs[i].id > b->objs[j].id) {
			row->added++;
			row->added_size += b->objs[j++].self;
		} else {
			i++;
			j++;
		}
	}
	for (; i < na; i++) {
		row->removed++;
		row->removed_size += a->objs[i].self;
	}
	for (; j < nb; j++) {
		row->added++;
		row->added_size += b->objs[j].self;
	}
}

/* Compare two reduced sides; with sb (AFTER itself), add the paths.  NULL
 * with a message (without file name) in err. */
static heap_diff *diff_sides(const heap_side *a, const heap_side *b, const heap_snapshot *sb, heap_sort sort,
			     size_t path_rows, char *err, size_t errlen)
{
	heap_diff *d = calloc(1, sizeof *d);
	if (!d)
		goto oom;
	d->before_nodes = a->nodes;
	d->after_nodes = b->nodes;
	d->before_self = a->self_total;
	d->after_self = b->self_total;
	d->rows = calloc(a->nclasses + b->nclasses + 1, sizeof *d->rows);
	if (!d->rows)
		goto oom;
	size_t i = 0, j = 0;
	while (i < a->nclasses || j < b->nclasses) {
		int c = i == a->nclasses ? 1 : j == b->nclasses ? -1 : strcmp(a->classes[i].name, b->classes[j].name);
		const heap_side_class *ca = c <= 0 ? &a->classes[i++] : NULL;
		const heap_side_class *cb = c >= 0 ? &b->classes[j++] : NULL;
		heap_diff_row row = { 0 };
		compare_class(&row, ca, cb);
		if (!row.added && !row.removed && row.before_self == row.after_self)
			continue;
		/* scan-build: ca or cb is set (c < 0, c > 0 or both), each into a non-empty array */
		row.name = strdup(ca ? ca->name : cb->name);
		if (!row.name)
			goto oom;
		d->rows[d->nrows++] = row;
	}
	if (d->nrows)
		qsort_r(d->rows, d->nrows, sizeof *d->rows, cmp_row_r, &sort);
	if (sb && path_rows) {
		if (diff_paths(d, a, b, sb, path_rows, err, errlen) < 0) {
			heap_diff_free(d);
			return NULL;
		}
		d->has_paths = true;
	}
	return d;
oom:
	heap_diff_free(d);
	snprintf(err, errlen, "out of memory comparing the snapshots");
	return NULL;
}

heap_diff *heap_diff_new(const char *before, const char *after, heap_parser parser, heap_view view,
			 heap_sort sort, size_t path_rows, char *err, size_t errlen)
{
	heap_side a, b;
	heap_snapshot *sb = NULL;
	char msg[300];
	if (load_side(&a, before, parser, view, NULL, err, errlen) < 0)
		return NULL;
	if (load_side(&b, after, parser, view, path_rows ? &sb : NULL, err, errlen) < 0) {
		heap_side_close(&a);
		return NULL;
	}
	heap_diff *d = diff_sides(&a, &b, sb, sort, path_rows, msg, sizeof msg);
	if (d)
		d->view = view;
	else
		snprintf(err, errlen, "%s: %s", after, msg);
	heap_snapshot_free(sb);
	heap_side_close(&a);
	heap_side_close(&b);
	return d;
}

heap_diff *heap_diff_snapshots(const heap_snapshot *before, const heap_snapshot *after, heap_sort sort,
			       size_t path_rows, char *err, size_t errlen)
{
	heap_side a, b;
	if (heap_side_init(&a, before) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (heap_side_init(&b, after) < 0) {
		heap_side_close(&a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	heap_diff *d = diff_sides(&a, &b, after, sort, path_rows, err, errlen);
	if (d)
		d->view = after->node_class ? HEAP_VIEW_DEVTOOLS : HEAP_VIEW_RAW;
	heap_side_close(&a);
	heap_side_close(&b);
	return d;
}

void heap_diff_free(heap_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nrows; i++) {
		free(d->rows[i].name);
		heap_paths_free(d->rows[i].paths, d->rows[i].npaths);
	}
	free(d->rows);
	free(d);
}
