/* dominators — see dominators.h for the rules.  The phases, in order:
 *
 *  1. flags: one byte per node holding VISITED (postorder DFS), PAGE
 *     (reachable from the root's shortcut targets) and STRONG (has a
 *     retainer that is neither weak nor shortcut);
 *  2. postorder: iterative DFS over essential edges from the root; then the
 *     nodes with only weak retainers and their subgraphs; whatever is left
 *     gets numbers before the root, which is always last;
 *  3. reverse graph of the essential edges (CSR) and the flags, both by
 *     postorder number, the idom iteration in postorder numbers, then idoms by ordinal and retained sizes summed
 *     leaves first;
 *  4. the dominated-children lists for callers that walk the tree.
 * Scratch arrays are freed as soon as a phase is done to keep the peak low.
 */
#include "heap/dominators.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VISITED = 1, PAGE = 2, STRONG = 4 };

/* Upper bound on idom passes; real snapshots settle in a handful. */
#define MAX_PASSES 1000

static bool essential(const heap_snapshot *s, uint32_t from, uint32_t e)
{
	int type = s->edge_type[e];
	return type != s->t.e_weak && (type != s->t.e_shortcut || from == s->root) && !(s->edge_skip && s->edge_skip[e]);
}

/* Mark page-owned nodes: entry points are the root's shortcut targets and a
 * synthetic "(Document DOM trees)" reached by an element edge; then every
 * node reachable from them through non-weak edges.  Also marks STRONG. */
static void mark_flags(const heap_snapshot *s, uint8_t *flags, uint32_t *stack)
{
	uint32_t n = s->node_count, top = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t e = s->first_edge[i]; e < s->first_edge[i + 1]; e++) {
			int t = s->edge_type[e];
			if (t != s->t.e_weak && t != s->t.e_shortcut)
				flags[s->edge_to[e]] |= STRONG;
		}
	uint32_t r = s->root;
	for (uint32_t e = s->first_edge[r]; e < s->first_edge[r + 1]; e++) {
		uint32_t to = s->edge_to[e];
		int t = s->edge_type[e];
		if (t == s->t.e_element) {
			if (s->node_type[to] != s->t.n_synthetic ||
			    strcmp(heap_snapshot_string(s, s->node_name[to]), "(Document DOM trees)") != 0)
				continue;
		} else if (t != s->t.e_shortcut) {
			continue;
		}
		if (flags[to] & PAGE)
			continue;
		flags[to] |= PAGE;
		stack[top++] = to;
	}
	while (top) {
		uint32_t v = stack[--top];
		for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++) {
			uint32_t to = s->edge_to[e];
			if ((flags[to] & PAGE) || s->edge_type[e] == s->t.e_weak)
				continue;
			flags[to] |= PAGE;
			stack[top++] = to;
		}
	}
}

/* DFS postorder; fills post2node/node2post. */
static void postorder(const heap_snapshot *s, uint8_t *flags, uint32_t *snode, uint32_t *sedge,
		      uint32_t *post2node, uint32_t *node2post)
{
	uint32_t n = s->node_count, root = s->root, po = 0;
	long top = 0;
	snode[0] = root;
	sedge[0] = s->first_edge[root];
	flags[root] |= VISITED;
	for (int iteration = 1;; iteration++) {
		while (top >= 0) {
			uint32_t v = snode[top];
			uint32_t e = sedge[top];
			if (e < s->first_edge[v + 1]) {
				sedge[top]++;
				if (!essential(s, v, e))
					continue;
				uint32_t c = s->edge_to[e];
				if (flags[c] & VISITED)
					continue;
				if (v != root && (flags[c] & PAGE) && !(flags[v] & PAGE))
					continue;
				top++;
				snode[top] = c;
				sedge[top] = s->first_edge[c];
				flags[c] |= VISITED;
			} else {
				node2post[v] = po;
				post2node[po++] = v;
				top--;
			}
		}
		if (po == n || iteration > 1)
			break;
		/* Second pass: take the root out again and put it at the bottom of
		 * the stack so it is numbered after the weakly held subgraphs. */
		po--;
		top = 0;
		snode[0] = root;
		sedge[0] = s->first_edge[root + 1];
		for (uint32_t i = 0; i < n; i++) {
			if ((flags[i] & VISITED) || (flags[i] & STRONG))
				continue;
			top++;
			snode[top] = i;
			sedge[top] = s->first_edge[i];
			flags[i] |= VISITED;
		}
	}
	if (po != n) {
		po--;	/* the root again */
		for (uint32_t i = 0; i < n; i++) {
			if (flags[i] & VISITED)
				continue;
			node2post[i] = po;
			post2node[po++] = i;
		}
		node2post[root] = po;
		post2node[po++] = root;
	}
}

/* Walk two idom chains up to their meeting point.  On a well-formed run the
 * chains strictly ascend in postorder; if not (a crafted graph), give up on
 * this pair and answer the root rather than loop. */
static uint32_t intersect(const uint32_t *dom, uint32_t a, uint32_t b, uint32_t rootpo)
{
	while (a != b) {
		while (a < b) {
			uint32_t nx = dom[a];
			if (nx <= a || nx > rootpo)
				return rootpo;
			a = nx;
		}
		while (b < a) {
			uint32_t nx = dom[b];
			if (nx <= b || nx > rootpo)
				return rootpo;
			b = nx;
		}
	}
	return a;
}

heap_dominators *heap_dominators_new(const heap_snapshot *s, char *err, size_t errlen)
{
	uint32_t n = s->node_count, root = s->root;
	heap_dominators *d = calloc(1, sizeof *d);
	uint8_t *flags = calloc(n, 1);
	uint32_t *post2node = malloc((size_t)n * sizeof *post2node);
	uint32_t *node2post = malloc((size_t)n * sizeof *node2post);
	uint32_t *snode = malloc((size_t)n * sizeof *snode);
	uint32_t *sedge = malloc((size_t)n * sizeof *sedge);
	uint32_t *ret_first = NULL, *ret_src = NULL, *dom = NULL;
	if (!d || !flags || !post2node || !node2post || !snode || !sedge)
		goto oom;
	d->node_count = n;

	mark_flags(s, flags, snode);
	postorder(s, flags, snode, sedge, post2node, node2post);
	free(snode);
	free(sedge);
	snode = sedge = NULL;

	/* reverse graph of essential edges, in postorder numbers (the
	 * iteration below then reads retainers and their idoms without a
	 * lookup through node2post per edge: a third less time on large
	 * snapshots, whose arrays do not fit in the cache) */
	ret_first = calloc((size_t)n + 1, sizeof *ret_first);
	if (!ret_first)
		goto oom;
	uint64_t ness = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t e = s->first_edge[i]; e < s->first_edge[i + 1]; e++)
			if (essential(s, i, e)) {
				ret_first[node2post[s->edge_to[e]] + 1]++;
				ness++;
			}
	for (uint32_t i = 0; i < n; i++)
		ret_first[i + 1] += ret_first[i];
	ret_src = malloc((ness ? ness : 1) * sizeof *ret_src);
	if (!ret_src)
		goto oom;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t e = s->first_edge[i]; e < s->first_edge[i + 1]; e++)
			if (essential(s, i, e))
				ret_src[ret_first[node2post[s->edge_to[e]]]++] = node2post[i];
	/* the fill advanced each start to the next one's: shift back */
	for (uint32_t i = n; i > 0; i--)
		ret_first[i] = ret_first[i - 1];
	ret_first[0] = 0;
	/* the flags by postorder number from here on */
	uint8_t *pflags = malloc(n ? n : 1);
	if (!pflags)
		goto oom;
	for (uint32_t po = 0; po < n; po++)
		pflags[po] = flags[post2node[po]];
	free(flags);
	flags = pflags;

	/* idoms in postorder numbers; noentry = not yet known */
	uint32_t rootpo = n - 1, noentry = n;
	dom = malloc((size_t)n * sizeof *dom);
	if (!dom)
		goto oom;
	for (uint32_t i = 0; i < rootpo; i++)
		dom[i] = noentry;
	dom[rootpo] = rootpo;
	uint8_t *aff = calloc(n, 1);	/* by postorder number: idom to recompute */
	if (!aff)
		goto oom;
	for (uint32_t e = s->first_edge[root]; e < s->first_edge[root + 1]; e++)
		if (essential(s, root, e))
			aff[node2post[s->edge_to[e]]] = 1;
	/* DevTools stops when no marked node changed; but a node is marked only
	 * when its own idom changes, not when one further up a retainer's idom
	 * chain does, so that can stop short of the fixed point (seen on real
	 * snapshots: a few objects credited with 16-32 bytes they do not
	 * dominate).  We then run full passes until one changes nothing, which
	 * gives the exact dominators. */
	bool full = false;
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		bool changed = false;
		for (uint32_t po = rootpo; po-- > 0;) {
			if (!aff[po])
				continue;
			aff[po] = 0;
			if (dom[po] == rootpo)
				continue;
			bool vpage = flags[po] & PAGE;
			uint32_t nd = noentry;
			bool orphan = true;
			for (uint32_t k = ret_first[po]; k < ret_first[po + 1]; k++) {
				uint32_t rpo = ret_src[k];
				orphan = false;
				if (rpo != rootpo && vpage && !(flags[rpo] & PAGE))
					continue;
				if (dom[rpo] == noentry)
					continue;
				nd = nd == noentry ? rpo : intersect(dom, rpo, nd, rootpo);
				if (nd == rootpo)
					break;
			}
			if (orphan)
				nd = rootpo;
			if (nd != noentry && dom[po] != nd) {
				uint32_t v = post2node[po];
				dom[po] = nd;
				changed = true;
				for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++)
					aff[node2post[s->edge_to[e]]] = 1;
			}
		}
		if (changed) {
			full = false;
			continue;
		}
		if (full)
			break;
		memset(aff, 1, n);
		full = true;
	}
	free(aff);
	free(ret_first);
	free(ret_src);
	ret_first = ret_src = NULL;
	free(flags);
	flags = NULL;

	/* idom by ordinal; an unknown or out-of-order idom means the root */
	d->idom = malloc((size_t)n * sizeof *d->idom);
	d->retained = malloc((size_t)n * sizeof *d->retained);
	if (!d->idom || !d->retained)
		goto oom;
	for (uint32_t po = 0; po < n; po++) {
		uint32_t v = post2node[po];
		d->idom[v] = (dom[po] < n && dom[po] > po) ? post2node[dom[po]] : root;
	}
	d->idom[root] = root;
	free(dom);
	dom = NULL;
	free(node2post);
	node2post = NULL;
	for (uint32_t i = 0; i < n; i++)
		d->retained[i] = s->node_self[i];
	for (uint32_t po = 0; po + 1 < n; po++) {
		uint32_t v = post2node[po];
		d->retained[d->idom[v]] += d->retained[v];
	}
	free(post2node);
	post2node = NULL;

	/* dominated children, CSR */
	d->dom_first = calloc((size_t)n + 1, sizeof *d->dom_first);
	d->dom_child = malloc((size_t)n * sizeof *d->dom_child);
	if (!d->dom_first || !d->dom_child)
		goto oom;
	for (uint32_t i = 0; i < n; i++)
		if (i != root)
			d->dom_first[d->idom[i] + 1]++;
	for (uint32_t i = 0; i < n; i++)
		d->dom_first[i + 1] += d->dom_first[i];
	for (uint32_t i = 0; i < n; i++)
		if (i != root)
			d->dom_child[d->dom_first[d->idom[i]]++] = i;
	for (uint32_t i = n; i > 0; i--)
		d->dom_first[i] = d->dom_first[i - 1];
	d->dom_first[0] = 0;
	return d;

oom:
	free(flags);
	free(post2node);
	free(node2post);
	free(snode);
	free(sedge);
	free(ret_first);
	free(ret_src);
	free(dom);
	heap_dominators_free(d);
	snprintf(err, errlen, "out of memory computing dominators (%u nodes)", n);
	return NULL;
}

void heap_dominators_free(heap_dominators *d)
{
	if (!d)
		return;
	free(d->idom);
	free(d->retained);
	free(d->dom_first);
	free(d->dom_child);
	free(d);
}
