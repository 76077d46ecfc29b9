/* dominators — see dominators.h for the rules.  The phases, in order:
 *
 *  1. page flags: one byte per node, PAGE when reachable from the root's
 *     shortcut targets (the globals) through non-weak edges;
 *  2. the retainer index: one pass over the edges counts each node's
 *     counted retainers (an edge counts when it is essential and passes the
 *     page rule: the graph DevTools builds its dominator tree on), giving
 *     the offsets of a reverse CSR;
 *  3. an iterative DFS from the root over counted edges numbers the nodes in
 *     preorder and, as it scans each node's edges once, fills the reverse
 *     CSR with the retainers' preorder numbers; then a DFS from each node
 *     with no counted retainer (held only weakly, or not at all), as if the
 *     root held it; nodes still unnumbered (cycles nothing else holds) are
 *     dominated by the root and hold nothing;
 *  4. semi-NCA (Georgiadis): semidominators in decreasing preorder, each the
 *     least label found by evaluating its retainers on the DFS forest linked
 *     so far (path compression by pointer reversal, so no stack); then each
 *     idom is the nearest ancestor on the idom chain of its DFS parent whose
 *     number is at most the semidominator, in increasing preorder;
 *  5. idoms by ordinal, retained sizes summed leaves first (decreasing
 *     preorder: a node's idom is a DFS ancestor, numbered before it), and
 *     the dominated-children lists.
 * One pass over the edges to count, one DFS, one pass over the retainers:
 * unlike the Cooper-Harvey-Kennedy iteration it replaces, the cost does not
 * depend on how many passes a snapshot needs to settle.  Scratch arrays are
 * reused across phases and freed as soon as a phase is done (peak: five
 * 4-byte arrays per node, the flags byte, 4 bytes per counted edge); the
 * per-node ones are by preorder number unless said to be by ordinal.
 */
#include "heap/dominators.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAGE = 1, HELD = 2, VISITED = 4 };

#define NONE UINT32_MAX

/* Is edge e of node `from` one the dominator tree is built on?  DevTools'
 * essential edges: not weak, not a WeakMap table's edge to a value, not a
 * node's edge to itself, shortcuts only from the root; and from any node but
 * the root, not from a non-page node into a page node. */
static inline bool counted(const heap_snapshot *s, const uint8_t *flags, uint32_t from, uint32_t e)
{
	int type = s->edge_type[e];
	uint32_t to = s->edge_to[e];
	if (type == s->t.e_weak || to == from || (s->edge_skip && s->edge_skip[e]))
		return false;
	if (from == s->root)
		return true;
	return type != s->t.e_shortcut && !((flags[to] & PAGE) && !(flags[from] & PAGE));
}

/* Mark page-owned nodes: entry points are the root's shortcut targets and a
 * synthetic "(Document DOM trees)" reached by an element edge; then every
 * node reachable from them through non-weak edges. */
static void mark_page(const heap_snapshot *s, uint8_t *flags, uint32_t *stack)
{
	uint32_t top = 0, r = s->root;
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

/* The DFS state: the node and DFS parent of each preorder number, the
 * next edge to scan of each number on the current path, the reverse CSR
 * being filled (ret_first by ordinal: each entry is the next free slot of
 * that node's retainers); VISITED in flags marks the numbered. */
struct dfs {
	const heap_snapshot *s;
	uint8_t *flags;
	uint32_t *vertex, *parent, *next, *ret_first, *ret_src;
	uint32_t count;
};

/* Number everything reachable from `start` (whose DFS parent is number
 * `par`), writing every counted edge of each node reached into the reverse
 * CSR.  The path is walked back through the parents, so the only stack is
 * `next`, by preorder number. */
static void dfs_from(struct dfs *g, uint32_t start, uint32_t par)
{
	const heap_snapshot *s = g->s;
	uint32_t cur = g->count++, top = cur;
	g->flags[start] |= VISITED;
	g->vertex[cur] = start;
	g->parent[cur] = par;
	g->next[cur] = s->first_edge[start];
	for (;;) {
		uint32_t v = g->vertex[cur], e = g->next[cur], end = s->first_edge[v + 1];
		for (; e < end; e++) {
			if (!counted(s, g->flags, v, e))
				continue;
			uint32_t c = s->edge_to[e];
			g->ret_src[g->ret_first[c]++] = cur;
			if (!(g->flags[c] & VISITED))
				break;
		}
		if (e < end) {
			uint32_t c = s->edge_to[e], num = g->count++;
			g->next[cur] = e + 1;
			g->flags[c] |= VISITED;
			g->vertex[num] = c;
			g->parent[num] = cur;
			g->next[num] = s->first_edge[c];
			cur = num;
		} else if (cur == top) {
			return;
		} else {
			cur = g->parent[cur];
		}
	}
}

/* The least label on the path from v up to (not including) the root of its
 * tree in the forest of nodes numbered above `linked` - 1, each already
 * linked to its DFS parent; compresses the path.  anc is the forest, label
 * the least semidominator seen below each link.  The path is walked up with
 * its links reversed and down again restoring them as shortcuts to the top. */
static uint32_t eval(uint32_t *anc, uint32_t *label, uint32_t v, uint32_t linked)
{
	if (anc[v] < linked)
		return label[v];
	uint32_t prev = NONE, x = v;
	while (anc[x] >= linked) {
		uint32_t up = anc[x];
		anc[x] = prev;
		prev = x;
		x = up;
	}
	/* x is the top: its ancestor is the tree's root */
	uint32_t root = anc[x], best = label[x];
	for (uint32_t y = prev; y != NONE;) {
		uint32_t down = anc[y];
		if (best < label[y])
			label[y] = best;
		else
			best = label[y];
		anc[y] = root;
		y = down;
	}
	return label[v];
}

/* Whether the caller asked to stop. */
static bool stop(const atomic_int *cancel)
{
	return cancel && atomic_load_explicit(cancel, memory_order_relaxed);
}

heap_dominators *heap_dominators_new(const heap_snapshot *s, char *err, size_t errlen)
{
	return heap_dominators_new_cancel(s, NULL, err, errlen);
}

heap_dominators *heap_dominators_new_cancel(const heap_snapshot *s, const atomic_int *cancel, char *err,
					    size_t errlen)
{
	uint32_t n = s->node_count, root = s->root;
	heap_dominators *d = calloc(1, sizeof *d);
	uint8_t *flags = heap_big_calloc(n, 1);
	uint32_t *vertex = heap_big_malloc((size_t)n * sizeof *vertex);
	uint32_t *parent = heap_big_malloc((size_t)n * sizeof *parent);
	uint32_t *next = heap_big_malloc((size_t)n * sizeof *next);
	uint32_t *ret_first = NULL, *ret_src = NULL, *label = NULL;
	if (!d || !flags || !vertex || !parent || !next)
		goto oom;
	d->node_count = n;

	mark_page(s, flags, next);
	if (stop(cancel))
		goto cancelled;

	/* retainer counts by ordinal, then offsets: ret_first[v] is where v's
	 * retainers start (the fill below advances it to where they end) */
	ret_first = heap_big_calloc((size_t)n + 1, sizeof *ret_first);
	if (!ret_first)
		goto oom;
	uint64_t nret = 0;
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++)
			if (counted(s, flags, v, e)) {
				ret_first[s->edge_to[e] + 1]++;
				flags[s->edge_to[e]] |= HELD;
				nret++;
			}
	for (uint32_t v = 0; v < n; v++)
		ret_first[v + 1] += ret_first[v];
	ret_src = heap_big_malloc((nret ? nret : 1) * sizeof *ret_src);
	if (!ret_src)
		goto oom;
	if (stop(cancel))
		goto cancelled;

	/* preorder from the root, then from each node that no counted edge
	 * holds (DevTools' second pass: held only weakly, or not at all) */
	struct dfs g = { .s = s, .flags = flags, .vertex = vertex, .parent = parent, .next = next,
			 .ret_first = ret_first, .ret_src = ret_src };
	dfs_from(&g, root, 0);
	for (uint32_t v = 0; g.count < n && v < n; v++)
		if (!(flags[v] & (VISITED | HELD)))
			dfs_from(&g, v, 0);
	uint32_t count = g.count;
	/* what is left only cycles hold: the root dominates each of them, and
	 * they are nobody's dominators (their slots are filled with NONE) */
	uint64_t unreached_self = 0;
	for (uint32_t v = 0; count < n && v < n; v++)
		if (!(flags[v] & VISITED)) {
			unreached_self += s->node_self[v];
			for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++)
				if (counted(s, flags, v, e))
					ret_src[ret_first[s->edge_to[e]]++] = NONE;
		}
	free(flags);
	flags = NULL;
	/* the fill advanced each start to the next one's: shift back */
	memmove(ret_first + 1, ret_first, (size_t)n * sizeof *ret_first);
	ret_first[0] = 0;

	/* semidominators, in decreasing preorder; the forest links every node
	 * numbered above i to its DFS parent (anc, in next's memory); label[v]
	 * is v's own number until v is done, then its semidominator, lowered
	 * by path compression.  A node's retainers are read once, here, so its
	 * semidominator is kept in its first retainer slot (every numbered
	 * node but the root's direct DFS children from the second pass has
	 * one; those have the root, 0). */
	if (stop(cancel))
		goto cancelled;
	label = heap_big_malloc((size_t)n * sizeof *label);
	if (!label)
		goto oom;
	uint32_t *anc = next;
	next = NULL;
	memcpy(anc, parent, (size_t)count * sizeof *anc);
	for (uint32_t i = 0; i < count; i++)
		label[i] = i;
	for (uint32_t i = count; i-- > 1;) {
		uint32_t w = vertex[i], sd = parent[i];
		uint32_t lo = ret_first[w], hi = ret_first[w + 1];
		for (uint32_t k = lo; k < hi; k++) {
			uint32_t v = ret_src[k];
			if (v == NONE)
				continue;
			uint32_t c = eval(anc, label, v, i + 1);
			if (c < sd)
				sd = c;
		}
		if (lo < hi)
			ret_src[lo] = sd;
		label[i] = sd;
	}
	free(anc);
	free(label);
	label = NULL;
	if (stop(cancel))
		goto cancelled;

	/* idoms in increasing preorder, in place of the parents: the nearest
	 * node on the parent's idom chain numbered at most the semidominator */
	for (uint32_t i = 1; i < count; i++) {
		uint32_t w = vertex[i], c = parent[i];
		uint32_t sd = ret_first[w] < ret_first[w + 1] ? ret_src[ret_first[w]] : 0;
		while (c > sd)
			c = parent[c];
		parent[i] = c;
	}
	free(ret_first);
	free(ret_src);
	ret_first = ret_src = NULL;
	if (stop(cancel))
		goto cancelled;

	/* idom by ordinal; retained sizes leaves first */
	d->idom = heap_big_malloc((size_t)n * sizeof *d->idom);
	d->retained = heap_big_malloc((size_t)n * sizeof *d->retained);
	if (!d->idom || !d->retained)
		goto oom;
	for (uint32_t v = 0; v < n; v++) {
		d->idom[v] = root;
		d->retained[v] = s->node_self[v];
	}
	for (uint32_t i = 1; i < count; i++)
		d->idom[vertex[i]] = vertex[parent[i]];
	for (uint32_t i = count; i-- > 1;)
		d->retained[vertex[parent[i]]] += d->retained[vertex[i]];
	d->retained[root] += unreached_self;
	free(vertex);
	free(parent);
	vertex = parent = NULL;

	/* dominated children, CSR */
	d->dom_first = heap_big_calloc((size_t)n + 1, sizeof *d->dom_first);
	d->dom_child = heap_big_malloc((size_t)n * sizeof *d->dom_child);
	if (!d->dom_first || !d->dom_child)
		goto oom;
	for (uint32_t v = 0; v < n; v++)
		if (v != root)
			d->dom_first[d->idom[v] + 1]++;
	for (uint32_t v = 0; v < n; v++)
		d->dom_first[v + 1] += d->dom_first[v];
	for (uint32_t v = 0; v < n; v++)
		if (v != root)
			d->dom_child[d->dom_first[d->idom[v]]++] = v;
	memmove(d->dom_first + 1, d->dom_first, (size_t)n * sizeof *d->dom_first);
	d->dom_first[0] = 0;
	return d;

cancelled:
oom:
	free(flags);
	free(vertex);
	free(parent);
	free(next);
	free(label);
	free(ret_first);
	free(ret_src);
	heap_dominators_free(d);
	if (stop(cancel))
		snprintf(err, errlen, "cancelled");
	else
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
