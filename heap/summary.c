/* summary — aggregation by class; see summary.h for the naming and retained
 * size rules.
 *
 * A class is identified by a key: the name's string index for object/native
 * nodes, string_count + type for the others (as DevTools' classIndex).  Keys
 * map to dense slots through one array, so aggregation is a single pass with
 * no hashing.  The class retained sizes walk the dominator tree depth first
 * with an explicit stack; an entry with the top bit set is an "exit" marker
 * that clears the seen flag of the class that was entered.
 */
#include "heap/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_MARK 0x80000000u


bool heap_node_counted(const heap_snapshot *s, uint32_t i)
{
	/* current DevTools counts no empty node; V8's raw view (and DevTools
	 * before 2024) keeps native ones */
	return s->node_self[i] != 0 || (!s->node_class && s->node_type[i] == s->t.n_native);
}

size_t heap_class_keys(const heap_snapshot *s)
{
	return (size_t)s->string_count + (size_t)s->ntypes_node + (size_t)s->nloc_keys;
}

size_t heap_class_key(const heap_snapshot *s, uint32_t i)
{
	if (s->node_class)
		return s->node_loc && s->node_loc[i]
			       ? (size_t)s->string_count + (size_t)s->ntypes_node + (size_t)s->node_loc[i] - 1
			       : s->node_class[i];
	int t = s->node_type[i];
	return (t == s->t.n_object || t == s->t.n_native) ? s->node_name[i] : (size_t)s->string_count + (size_t)t;
}

/* "(type)" name for a non-object type, "(system)" and "(compiled code)" as DevTools. */
static char *type_class_name(const heap_snapshot *s, int t)
{
	if (t == s->t.n_hidden)
		return strdup("(system)");
	if (t == s->t.n_code)
		return strdup("(compiled code)");
	char *p = NULL;
	if (asprintf(&p, "(%s)", s->node_type_name[t]) < 0)
		return NULL;
	return p;
}

char *heap_class_name_dup(const heap_snapshot *s, uint32_t i)
{
	if (s->node_class)
		return strdup(heap_snapshot_string(s, s->node_class[i]));
	int t = s->node_type[i];
	if (t == s->t.n_object || t == s->t.n_native)
		return strdup(heap_snapshot_string(s, s->node_name[i]));
	return type_class_name(s, t);
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* qsort_r (glibc) carries the sort key, so no global and the module stays
 * usable from a uv_queue_work thread. */
static int cmp_class_r(const void *pa, const void *pb, void *ctx)
{
	const heap_class *a = pa, *b = pb;
	heap_sort k = *(const heap_sort *)ctx;
	int r = 0;
	switch (k) {
	case HEAP_SORT_COUNT: r = cmp_u64_desc(a->count, b->count); break;
	case HEAP_SORT_RETAINED: r = cmp_u64_desc(a->retained, b->retained); break;
	default: r = cmp_u64_desc(a->self, b->self); break;
	}
	if (!r)
		r = cmp_u64_desc(a->self, b->self);
	return r ? r : strcmp(a->name, b->name);
}

/* Min-heap of node ordinals by retained size, for the largest objects. */
static void heap_sift_down(uint32_t *h, size_t n, size_t i, const uint64_t *ret)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && ret[h[l]] < ret[h[m]])
			m = l;
		if (l + 1 < n && ret[h[l + 1]] < ret[h[m]])
			m = l + 1;
		if (m == i)
			return;
		uint32_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_sift_up(uint32_t *h, size_t i, const uint64_t *ret)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (ret[h[p]] <= ret[h[i]])
			return;
		uint32_t t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static int cmp_object(const void *pa, const void *pb)
{
	const heap_object *a = pa, *b = pb;
	int r = cmp_u64_desc(a->retained, b->retained);
	return r ? r : (a->id > b->id) - (a->id < b->id);
}

static int largest_objects(heap_summary *sum, const heap_snapshot *s, const heap_dominators *d,
			   const heap_retainers *r, size_t top)
{
	if (top == 0)
		return 0;
	uint32_t *h = malloc(top * sizeof *h);
	if (!h)
		return -1;
	size_t n = 0;
	for (uint32_t i = 0; i < s->node_count; i++) {
		if (i == s->root || s->node_type[i] == s->t.n_synthetic)
			continue;
		if (n < top) {
			h[n] = i;
			heap_sift_up(h, n++, d->retained);
		} else if (d->retained[i] > d->retained[h[0]]) {
			h[0] = i;
			heap_sift_down(h, n, 0, d->retained);
		}
	}
	sum->objects = heap_big_calloc(n ? n : 1, sizeof *sum->objects);
	if (!sum->objects) {
		free(h);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t i = h[k];
		heap_object *o = &sum->objects[k];
		o->class_name = heap_class_name_dup(s, i);
		o->name = strdup(heap_snapshot_string(s, s->node_name[i]));
		o->id = s->node_id[i];
		o->self = s->node_self[i];
		o->retained = d->retained[i];
		sum->nobjects = k + 1;
		if (r && heap_path_of(s, r, i, o->retained, &o->path) < 0) {
			free(h);
			return -1;
		}
		if (!o->class_name || !o->name) {
			free(h);
			return -1;
		}
	}
	free(h);
	qsort(sum->objects, sum->nobjects, sizeof *sum->objects, cmp_object);
	return 0;
}

/* Retainer paths of the first path_classes classes (in their final order):
 * their "outer" objects, grouped by path shape. */
static int class_paths(heap_summary *sum, const heap_snapshot *s, const heap_dominators *d,
		       const heap_summary_opts *o, const uint32_t *node_slot, const uint8_t *outer)
{
	size_t k = o->path_classes < sum->nclasses ? o->path_classes : sum->nclasses;
	if (k == 0 || o->paths_per_class == 0)
		return 0;
	/* rank of each slot among the first k, CSR lists of their objects */
	uint32_t *rank = malloc(sum->nclasses * sizeof *rank);
	size_t *first = calloc(k + 1, sizeof *first);
	uint32_t *nodes = NULL;
	int rc = -1;
	if (!rank || !first)
		goto out;
	memset(rank, 0xff, sum->nclasses * sizeof *rank);
	for (size_t c = 0; c < k; c++)
		rank[sum->classes[c].slot] = (uint32_t)c;
	for (uint32_t i = 0; i < s->node_count; i++)
		if (outer[i] && node_slot[i] != UINT32_MAX && rank[node_slot[i]] != UINT32_MAX)
			first[rank[node_slot[i]] + 1]++;
	for (size_t c = 0; c < k; c++)
		first[c + 1] += first[c];
	nodes = malloc((first[k] ? first[k] : 1) * sizeof *nodes);
	if (!nodes)
		goto out;
	for (uint32_t i = 0; i < s->node_count; i++)
		if (outer[i] && node_slot[i] != UINT32_MAX && rank[node_slot[i]] != UINT32_MAX)
			nodes[first[rank[node_slot[i]]]++] = i;
	for (size_t c = k; c > 0; c--)
		first[c] = first[c - 1];
	first[0] = 0;
	for (size_t c = 0; c < k; c++) {
		heap_class *hc = &sum->classes[c];
		long np = heap_paths_group(s, o->r, nodes + first[c], first[c + 1] - first[c],
					   d ? d->retained : NULL, o->paths_per_class, &hc->paths, &hc->ngroups);
		if (np < 0)
			goto out;
		hc->npaths = (size_t)np;
	}
	rc = 0;
out:
	free(rank);
	free(first);
	free(nodes);
	return rc;
}

/* DevTools' aggregate: a walk down the dominator tree that adds each
 * object's retained size to its class unless an object of the same class
 * is above it (seen[] marks the classes on the path; an exit mark on the
 * stack clears it on the way back up). */
int heap_class_retained(const heap_snapshot *s, const heap_dominators *d, const uint32_t *node_class,
			size_t nclasses, uint64_t *ret, uint8_t *outer)
{
	uint8_t *seen = calloc(nclasses ? nclasses : 1, 1);
	uint32_t *stack = heap_big_malloc(2 * (size_t)s->node_count * sizeof *stack);
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return -1;
	}
	size_t top = 0;
	stack[top++] = s->root;
	while (top) {
		uint32_t v = stack[--top];
		if (v & EXIT_MARK) {
			seen[v & ~EXIT_MARK] = 0;
			continue;
		}
		uint32_t k = node_class[v];
		if (k != UINT32_MAX && !seen[k]) {
			/* scan-build: node_class[] holds UINT32_MAX or an index below nclasses */
			ret[k] += d->retained[v];
			if (outer)
				outer[v] = 1;
			if (d->dom_first[v] != d->dom_first[v + 1]) {
				seen[k] = 1;
				stack[top++] = k | EXIT_MARK;
			}
		}
		for (uint32_t c = d->dom_first[v]; c < d->dom_first[v + 1]; c++)
			stack[top++] = d->dom_child[c];
	}
	free(seen);
	free(stack);
	return 0;
}

heap_summary *heap_summary_new(const heap_snapshot *s, const heap_dominators *d, const heap_summary_opts *o,
			       char *err, size_t errlen)
{
	heap_sort sort = o->sort;
	heap_summary *sum = calloc(1, sizeof *sum);
	size_t nkeys = heap_class_keys(s);
	uint32_t *slot = malloc(nkeys * sizeof *slot);
	uint32_t *node_slot = NULL;
	uint8_t *outer = NULL;
	size_t cap = 0;
	if (!sum || !slot)
		goto oom;
	memset(slot, 0xff, nkeys * sizeof *slot);
	sum->nodes = s->node_count;
	sum->edges = s->edge_count;
	if (d || o->r || o->node_class) {
		node_slot = heap_big_malloc((size_t)s->node_count * sizeof *node_slot);
		if (!node_slot)
			goto oom;
	}
	if (o->r) {
		/* the objects a class's paths describe: all of them without d */
		outer = heap_big_malloc(s->node_count);
		if (!outer)
			goto oom;
		memset(outer, d ? 0 : 1, s->node_count);
	}
	for (uint32_t i = 0; i < s->node_count; i++) {
		sum->self_total += s->node_self[i];
		if (node_slot)
			node_slot[i] = UINT32_MAX;
		if (!heap_node_counted(s, i))
			continue;
		size_t key = heap_class_key(s, i);
		uint32_t k = slot[key];
		if (k == UINT32_MAX) {
			if (sum->nclasses == cap) {
				size_t nc = cap ? cap * 2 : 256;
				heap_class *c = realloc(sum->classes, nc * sizeof *c);
				if (!c)
					goto oom;
				sum->classes = c;
				cap = nc;
			}
			k = slot[key] = (uint32_t)sum->nclasses;
			heap_class *c = &sum->classes[sum->nclasses++];
			memset(c, 0, sizeof *c);
			c->slot = k;
			c->name = heap_class_name_dup(s, i);
			if (!c->name)
				goto oom;
		}
		/* scan-build: slot[key] != UINT32_MAX only after a class was added for it */
		sum->classes[k].count++;
		sum->classes[k].self += s->node_self[i];
		if (node_slot)
			node_slot[i] = k;
	}
	free(slot);
	slot = NULL;

	if (d) {
		sum->has_retained = true;
		sum->reachable = d->retained[s->root];
		uint64_t *ret = calloc(sum->nclasses ? sum->nclasses : 1, sizeof *ret);
		if (!ret || heap_class_retained(s, d, node_slot, sum->nclasses, ret, outer) < 0) {
			free(ret);
			goto oom;
		}
		for (size_t k = 0; k < sum->nclasses; k++)
			sum->classes[k].retained = ret[k];
		free(ret);
		if (largest_objects(sum, s, d, o->r, o->top_objects) < 0)
			goto oom;
	}
	if (sort == HEAP_SORT_DEFAULT)
		sort = d ? HEAP_SORT_RETAINED : HEAP_SORT_SELF;
	if (sum->nclasses)
		qsort_r(sum->classes, sum->nclasses, sizeof *sum->classes, cmp_class_r, &sort);
	if (o->r && class_paths(sum, s, d, o, node_slot, outer) < 0)
		goto oom;
	sum->has_paths = o->r != NULL;
	if (o->node_class) {
		/* slots -> final rows, in place */
		uint32_t *rank = malloc((sum->nclasses ? sum->nclasses : 1) * sizeof *rank);
		if (!rank)
			goto oom;
		for (size_t c = 0; c < sum->nclasses; c++)
			rank[sum->classes[c].slot] = (uint32_t)c;
		for (uint32_t i = 0; i < s->node_count; i++)
			if (node_slot[i] != UINT32_MAX)
				node_slot[i] = rank[node_slot[i]];
		free(rank);
		*o->node_class = node_slot;
		node_slot = NULL;
	}
	free(node_slot);
	free(outer);
	return sum;
oom:
	free(slot);
	free(node_slot);
	free(outer);
	heap_summary_free(sum);
	snprintf(err, errlen, "out of memory summarising %u nodes", s->node_count);
	return NULL;
}

void heap_summary_free(heap_summary *sum)
{
	if (!sum)
		return;
	for (size_t i = 0; i < sum->nclasses; i++) {
		free(sum->classes[i].name);
		heap_paths_free(sum->classes[i].paths, sum->classes[i].npaths);
	}
	free(sum->classes);
	for (size_t i = 0; i < sum->nobjects; i++) {
		free(sum->objects[i].class_name);
		free(sum->objects[i].name);
		heap_path_close(&sum->objects[i].path);
	}
	free(sum->objects);
	free(sum);
}
