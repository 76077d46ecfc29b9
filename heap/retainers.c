/* retainers — the breadth-first retainer tree and path rendering; see
 * retainers.h.  One queue array serves both BFS phases (user roots, then the
 * root); nodes are enqueued at most once, so it never holds more than
 * node_count entries.  Shape keys are computed when a node is discovered,
 * from its parent's key, so the tree is hashed in the same single pass.
 */
#include "heap/retainers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/summary.h"

/* Looked up once: strings the DevTools distance filter compares against
 * (index or UINT32_MAX), and type numbers (or -1). */
struct filter_names {
	uint32_t sloppy_map, native_context, map_descriptors;
	int t_closure, t_array;
	/* [string_count] 1: the string is digits only, decided once per
	 * string, where the search would read a tree edge's name for each of
	 * millions of nodes, twice a cache miss each */
	uint8_t *numeric;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static bool type_named(const heap_snapshot *s, const struct filter_names *fn, int t)
{
	return t == s->t.n_object || t == s->t.n_native || t == s->t.n_synthetic || t == s->t.n_hidden ||
	       t == fn->t_closure || t == fn->t_array;
}

static int type_number(const heap_snapshot *s, const char *name)
{
	for (int t = 0; t < s->ntypes_node; t++)
		if (strcmp(s->node_type_name[t], name) == 0)
			return t;
	return -1;
}

/* A name made of digits only: a slot of a hash table or a stack frame, as
 * anonymous as an element index. */
static bool numeric(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static uint64_t edge_key(const heap_snapshot *s, const struct filter_names *fn, uint32_t e)
{
	int t = s->edge_type[e];
	bool named = s->edge_str_named[t] && s->edge_name[e] < s->string_count && !fn->numeric[s->edge_name[e]];
	return ((uint64_t)(t + 1) << 32) | (named ? s->edge_name[e] : 0xffffffffu);
}

/* The numeric value DevTools' parseInt would give an edge name, or -1. */
static long edge_index(const heap_snapshot *s, uint32_t e)
{
	if (!s->edge_str_named[s->edge_type[e]])
		return (long)s->edge_name[e];
	const char *p = heap_snapshot_string(s, s->edge_name[e]);
	if (*p < '0' || *p > '9')
		return -1;
	long v = 0;
	for (; *p >= '0' && *p <= '9' && v < 100000000; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* DevTools' distance filter (JSHeapSnapshot's calculateDistances). */
static bool follow(const heap_snapshot *s, const struct filter_names *fn, uint32_t from, uint32_t e)
{
	int ft = s->node_type[from];
	if (ft == s->t.n_hidden)
		return s->edge_name[e] != fn->sloppy_map || !s->edge_str_named[s->edge_type[e]] ||
		       s->node_name[from] != fn->native_context;
	if (s->node_name[from] == fn->map_descriptors && ft == fn->t_array) {
		long idx = edge_index(s, e);
		return idx < 0 || idx < 2 || idx % 3 != 1;
	}
	return true;
}

/* One pass over the strings: the filter's three names (the first of each)
 * and the digits-only flags.  -1 when out of memory. */
static int filter_strings(const heap_snapshot *s, struct filter_names *fn)
{
	fn->sloppy_map = fn->native_context = fn->map_descriptors = UINT32_MAX;
	fn->numeric = malloc(s->string_count ? s->string_count : 1);
	if (!fn->numeric)
		return -1;
	for (uint32_t i = s->string_count; i-- > 0;) {
		const char *p = heap_snapshot_string(s, i);
		fn->numeric[i] = numeric(p);
		if (*p == 's' && strcmp(p, "sloppy_function_map") == 0)
			fn->sloppy_map = i;
		else if (*p == 's' && strcmp(p, "system / NativeContext") == 0)
			fn->native_context = i;
		else if (*p == '(' && strcmp(p, "(map descriptors)") == 0)
			fn->map_descriptors = i;
	}
	return 0;
}

/* Breadth-first from the queue's first n entries; returns the new length. */
static uint32_t bfs(const heap_snapshot *s, const struct filter_names *fn, heap_retainers *r, uint32_t *queue,
		    uint32_t head, uint32_t len)
{
	while (head < len) {
		uint32_t v = queue[head++];
		for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++) {
			uint32_t c = s->edge_to[e];
			if ((int)s->edge_type[e] == s->t.e_weak || r->key[c] != 0)
				continue;
			if (!follow(s, fn, v, e))
				continue;
			r->parent[c] = v;
			r->via[c] = e;
			r->dist[c] = r->dist[v] + 1;
			int t = s->node_type[c];
			uint64_t ck = ((uint64_t)(t + 1) << 32) | (type_named(s, fn, t) ? s->node_name[c] : 0xffffffffu);
			uint64_t k = mix(mix(r->key[v], edge_key(s, fn, e)), ck);
			r->key[c] = k ? k : 1;
			queue[len++] = c;
		}
	}
	return len;
}

heap_retainers *heap_retainers_new(const heap_snapshot *s, char *err, size_t errlen)
{
	uint32_t n = s->node_count, root = s->root;
	heap_retainers *r = calloc(1, sizeof *r);
	uint32_t *queue = heap_big_malloc((size_t)n * sizeof *queue);
	if (!r || !queue)
		goto oom;
	r->node_count = n;
	r->parent = heap_big_malloc((size_t)n * sizeof *r->parent);
	r->via = heap_big_malloc((size_t)n * sizeof *r->via);
	r->dist = heap_big_calloc(n, sizeof *r->dist);
	r->key = heap_big_calloc(n, sizeof *r->key);
	if (!r->parent || !r->via || !r->dist || !r->key)
		goto oom;
	memset(r->parent, 0xff, (size_t)n * sizeof *r->parent);
	memset(r->via, 0xff, (size_t)n * sizeof *r->via);
	struct filter_names fn = {
		.t_closure = type_number(s, "closure"),
		.t_array = type_number(s, "array"),
	};
	if (filter_strings(s, &fn) < 0)
		goto oom;
	r->key[root] = 1;
	/* user roots first, one hop below the root */
	uint32_t len = 0;
	for (uint32_t e = s->first_edge[root]; e < s->first_edge[root + 1]; e++) {
		uint32_t c = s->edge_to[e];
		if ((int)s->edge_type[e] == s->t.e_weak || s->node_type[c] == s->t.n_synthetic || r->key[c])
			continue;
		r->parent[c] = root;
		r->via[c] = e;
		r->dist[c] = 1;
		r->key[c] = mix(mix(1, edge_key(s, &fn, e)), ((uint64_t)(s->node_type[c] + 1) << 32) | s->node_name[c]);
		if (!r->key[c])
			r->key[c] = 1;
		queue[len++] = c;
	}
	len = bfs(s, &fn, r, queue, 0, len);
	/* then everything else the root reaches */
	queue[len] = root;
	bfs(s, &fn, r, queue, len, len + 1);
	free(queue);
	free(fn.numeric);
	return r;
oom:
	free(queue);
	heap_retainers_free(r);
	snprintf(err, errlen, "out of memory computing retainer paths (%u nodes)", n);
	return NULL;
}

void heap_retainers_free(heap_retainers *r)
{
	if (!r)
		return;
	free(r->parent);
	free(r->via);
	free(r->dist);
	free(r->key);
	free(r);
}

static char *xfmt_name(const char *name, const char *suffix, const char *fallback)
{
	char *p = NULL;
	if (asprintf(&p, "%s%s", *name ? name : fallback, *name ? suffix : "") < 0)
		return NULL;
	return p;
}

char *heap_node_label(const heap_snapshot *s, uint32_t i)
{
	int t = s->node_type[i];
	const char *name = heap_snapshot_string(s, s->node_name[i]);
	if (t == s->t.n_object && s->node_class)
		return strdup(heap_snapshot_string(s, s->node_class[i]));	/* "{user, items}" */
	if (t == s->t.n_object || t == s->t.n_native)
		return xfmt_name(name, "", "(object)");
	if (strcmp(s->node_type_name[t], "closure") == 0)
		return xfmt_name(name, "()", "(anonymous function)");
	if (t == s->t.n_synthetic || t == s->t.n_hidden || strcmp(s->node_type_name[t], "array") == 0)
		if (*name)
			return strdup(name);
	return heap_class_name_dup(s, i);
}

static char *edge_label(const heap_snapshot *s, uint32_t e)
{
	char *p = NULL;
	int rc;
	if (s->edge_str_named[s->edge_type[e]])
		rc = asprintf(&p, "%s", heap_snapshot_string(s, s->edge_name[e]));
	else
		rc = asprintf(&p, "[%u]", s->edge_name[e]);
	return rc < 0 ? NULL : p;
}

void heap_path_close(heap_path *p)
{
	for (size_t i = 0; i < p->nhops; i++) {
		free(p->hops[i].edge);
		free(p->hops[i].node);
	}
	free(p->hops);
	memset(p, 0, sizeof *p);
}

void heap_paths_free(heap_path *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		heap_path_close(&p[i]);
	free(p);
}

int heap_path_of(const heap_snapshot *s, const heap_retainers *r, uint32_t i, uint64_t retained, heap_path *p)
{
	memset(p, 0, sizeof *p);
	p->count = 1;
	p->self = s->node_self[i];
	p->retained = retained;
	if (r->key[i] == 0 || i == s->root)
		return 0;
	size_t depth = r->dist[i];
	size_t keep = depth < HEAP_PATH_MAX_HOPS ? depth : HEAP_PATH_MAX_HOPS;
	p->hops = calloc(keep, sizeof *p->hops);
	if (!p->hops)
		return -1;
	p->nhops = keep;
	p->elided = depth - keep;
	uint32_t v = i;
	for (size_t k = keep; k-- > 0; v = r->parent[v]) {
		heap_hop *h = &p->hops[k];
		h->node = heap_node_label(s, v);
		h->id = s->node_id[v];
		h->synthetic = s->node_type[v] == s->t.n_synthetic;
		if (k > 0 || p->elided > 0)
			h->edge = edge_label(s, r->via[v]);
		if (!h->node || ((k > 0 || p->elided > 0) && !h->edge)) {
			heap_path_close(p);
			return -1;
		}
	}
	return 0;
}

struct group {
	uint64_t sum, self, count;
	uint32_t rep;
	uint64_t rep_size;
};

static int cmp_group(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	if (a->sum != b->sum)
		return a->sum > b->sum ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->rep > b->rep) - (a->rep < b->rep);
}

long heap_paths_group(const heap_snapshot *s, const heap_retainers *r, const uint32_t *nodes, size_t n,
		      const uint64_t *retained, size_t max, heap_path **out, size_t *ngroups)
{
	*out = NULL;
	*ngroups = 0;
	if (n == 0)
		return 0;
	/* open addressing on the shape key (never 0 for a reached node; the
	 * unreached, key 0, form one group too), at most half full */
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *slot = heap_big_malloc(cap * sizeof *slot);	/* group index + 1; 0 empty */
	uint64_t *skey = heap_big_malloc(cap * sizeof *skey);
	struct group *g = heap_big_malloc(n * sizeof *g);
	if (!slot || !skey || !g) {
		free(slot);
		free(skey);
		free(g);
		return -1;
	}
	memset(slot, 0, cap * sizeof *slot);
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = nodes[i];
		uint64_t key = r->key[v], size = retained ? retained[v] : s->node_self[v];
		size_t h = (size_t)mix(key, 0x5bd1e995u) & (cap - 1);
		while (slot[h] && skey[h] != key)
			h = (h + 1) & (cap - 1);
		if (!slot[h]) {
			skey[h] = key;
			slot[h] = (uint32_t)++ng;
			g[ng - 1] = (struct group){ .rep = v, .rep_size = size };
		}
		struct group *cur = &g[slot[h] - 1];
		/* the representative: the largest member, the lowest ordinal among equals */
		if (size > cur->rep_size || (size == cur->rep_size && v < cur->rep)) {
			cur->rep = v;
			cur->rep_size = size;
		}
		cur->sum += size;
		cur->self += s->node_self[v];
		cur->count++;
	}
	free(slot);
	free(skey);
	qsort(g, ng, sizeof *g, cmp_group);
	*ngroups = ng;
	size_t k = ng < max ? ng : max;
	heap_path *p = calloc(k ? k : 1, sizeof *p);
	if (!p) {
		free(g);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		if (heap_path_of(s, r, g[i].rep, retained ? retained[g[i].rep] : 0, &p[i]) < 0) {
			heap_paths_free(p, k);
			free(g);
			return -1;
		}
		p[i].count = g[i].count;
		p[i].self = g[i].self;
		p[i].retained = retained ? g[i].sum : 0;
	}
	free(g);
	*out = p;
	return (long)k;
}
