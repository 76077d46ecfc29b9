/* profile — .cpuprofile parsing and the Bottom-Up analysis; see profile.h.
 *
 * Why jansson and not a streaming tokenizer as heap/ has: a heap snapshot is
 * hundreds of MB of flat integers, a CPU profile a few MB (1 ms sampling:
 * ~60,000 samples a minute; node's own profiles of a 10-minute server run
 * stay under 40 MB), so a DOM costs little, and a well-kept parser is less
 * outside input handled by hand (the fuzz harness then covers our checks of
 * the structure, not JSON lexing).
 *
 * How the numbers are computed — DevTools' Performance panel on a loaded
 * .cpuprofile (CPUProfileDataModel + forEachFrame + BottomUpRootNode):
 *  - timestamps are startTime + the running sum of timeDeltas; samples are
 *    stably sorted by them (V8 can emit a negative delta); one extra
 *    timestamp, last + the average interval, ends the last sample;
 *  - a single "(program)" sample between two stacks that share their
 *    outermost frame is taken as the previous sample (the sampler failed to
 *    walk the stack: fixMissingSamples);
 *  - sample i lasts until sample i+1; "(garbage collector)" samples sit on
 *    top of the stack of the sample before them;
 *  - self time of a function: the time it was on top; total time: the time
 *    it was anywhere on the stack, counted once however often it recurses;
 *  - a function is (name, scriptId or else url, line, column), as DevTools
 *    groups Bottom-Up rows.
 * This differs from the old JavaScript Profiler panel, which spread the
 * profile's duration evenly over hitCount; with uneven sampling (idle
 * periods) the two disagree by several percent.
 * Verified against DevTools' own code: bench/profile_devtools.sh runs
 * CPUProfileDataModel.ts of chrome-devtools-frontend 1.0.1705227
 * (transpiled, under node) on profiles recorded by node --cpu-prof and
 * compares every row: worst difference 0.0002 ms (our JSON rounds to the
 * microsecond), on a hot loop and on an allocating, recursive, timer-driven
 * program; the hand-made profile of tests/test_profile.c gives DevTools
 * exactly the numbers worked out there.
 */
#include "profile/profile.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/text.h"
#include "base/xalloc.h"

/* A bound on the size of file profile_load reads, so a wrong file ends in
 * an error line instead of eating memory: 10x the largest profile seen. */
#define PROFILE_MAX_BYTES (512L << 20)

/* One call-tree node, by index into the nodes array (0 is the root). */
struct pnode {
	long long id;
	int parent;		/* -1: none yet (the root, or not in the tree) */
	int first_child, next_sibling;
	int fn;			/* row index, -1 for the root */
	bool reached;		/* reached from the root */
	const char *name, *url, *script;	/* borrowed from the JSON */
	int line, column;	/* 0-based as in the file; -1 unknown */
};

struct idx {
	long long id;
	int node;
};

static int cmp_idx(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Node index of id, or -1. */
static int find_node(const struct idx *ids, size_t n, long long id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid].id < id)
			lo = mid + 1;
		else if (ids[mid].id > id)
			hi = mid;
		else
			return ids[mid].node;
	}
	return -1;
}

/* DevTools' function identity: location is the scriptId, else the url. */
static const char *node_location(const struct pnode *n)
{
	return n->script && *n->script ? n->script : n->url;
}

/* qsort_r comparator of node indices by function identity; ctx: the nodes. */
static int cmp_fn(const void *a, const void *b, void *ctx)
{
	const struct pnode *n = ctx;
	const struct pnode *x = &n[*(const int *)a], *y = &n[*(const int *)b];
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(node_location(x), node_location(y));
	if (!c)
		c = x->line != y->line ? (x->line < y->line ? -1 : 1) : 0;
	if (!c)
		c = x->column != y->column ? (x->column < y->column ? -1 : 1) : 0;
	return c;
}

struct sample {
	double t;	/* µs, then ms */
	int node;
	int order;	/* position in the file: makes the sort stable */
};

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order - y->order;
}

/* Larger first. */
static int desc(double a, double b)
{
	return a > b ? -1 : a < b;
}

static int cmp_self(const void *a, const void *b)
{
	const profile_fn *x = a, *y = b;
	int c = desc(x->self_ms, y->self_ms);
	return c ? c : (c = desc(x->total_ms, y->total_ms)) ? c : strcmp(x->name, y->name);
}

static int cmp_total(const void *a, const void *b)
{
	const profile_fn *x = a, *y = b;
	int c = desc(x->total_ms, y->total_ms);
	return c ? c : (c = desc(x->self_ms, y->self_ms)) ? c : strcmp(x->name, y->name);
}

void profile_sort_by(profile *p, profile_sort key)
{
	if (p->nfns > 1)
		qsort(p->fns, p->nfns, sizeof *p->fns, key == PROFILE_SORT_TOTAL ? cmp_total : cmp_self);
}

void profile_free(profile *p)
{
	if (!p)
		return;
	free(p->fns);
	free(p->strings);
	free(p);
}

/* Integer member, or def when absent; -1 (error) when present and not one. */
static int get_int(json_t *obj, const char *key, long long def, long long *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* Read nodes[] into n (ids indexed in ids, sorted).  Strings are borrowed. */
static int read_nodes(json_t *jnodes, struct pnode *n, struct idx *ids, char *err, size_t errlen)
{
	size_t nn = json_array_size(jnodes);
	for (size_t i = 0; i < nn; i++) {
		json_t *jn = json_array_get(jnodes, i);
		json_t *cf = json_object_get(jn, "callFrame");
		long long id, line, col;
		if (!json_is_object(jn) || get_int(jn, "id", LLONG_MIN, &id) < 0 || id == LLONG_MIN) {
			snprintf(err, errlen, "node %zu has no integer id", i);
			return -1;
		}
		if (!json_is_object(cf)) {
			snprintf(err, errlen, "node %lld has no callFrame", id);
			return -1;
		}
		json_t *name = json_object_get(cf, "functionName"), *url = json_object_get(cf, "url");
		json_t *script = json_object_get(cf, "scriptId");
		if (!json_is_string(name) || (url && !json_is_string(url)) ||
		    (script && !json_is_string(script) && !json_is_integer(script)) ||
		    get_int(cf, "lineNumber", -1, &line) < 0 || get_int(cf, "columnNumber", -1, &col) < 0) {
			snprintf(err, errlen, "node %lld: callFrame has a missing or mistyped field", id);
			return -1;
		}
		n[i] = (struct pnode){ .id = id, .parent = -1, .first_child = -1, .next_sibling = -1, .fn = -1 };
		n[i].name = json_string_value(name);
		n[i].url = url ? json_string_value(url) : "";
		/* an integer scriptId never equals a string one in DevTools' key
		 * either; "#" keeps the two apart */
		n[i].script = json_is_string(script) ? json_string_value(script) : script ? "#" : "";
		n[i].line = line < -1 || line > INT32_MAX - 1 ? -1 : (int)line;
		n[i].column = col < -1 || col > INT32_MAX - 1 ? -1 : (int)col;
		ids[i] = (struct idx){ id, (int)i };
	}
	qsort(ids, nn, sizeof *ids, cmp_idx);
	for (size_t i = 1; i < nn; i++)
		if (ids[i].id == ids[i - 1].id) {
			snprintf(err, errlen, "node id %lld appears twice", ids[i].id);
			return -1;
		}
	return 0;
}

/* Link children to parents and mark what the root reaches (breadth first,
 * into order[]); returns the number reached or -1. */
static long link_tree(json_t *jnodes, struct pnode *n, const struct idx *ids, int *order, char *err,
		      size_t errlen)
{
	size_t nn = json_array_size(jnodes);
	for (size_t i = 0; i < nn; i++) {
		json_t *kids = json_object_get(json_array_get(jnodes, i), "children");
		if (!kids)
			continue;
		if (!json_is_array(kids)) {
			snprintf(err, errlen, "node %lld: children is not an array", n[i].id);
			return -1;
		}
		/* backwards, so first_child keeps the file's order */
		for (size_t k = json_array_size(kids); k-- > 0;) {
			json_t *c = json_array_get(kids, k);
			int ci = json_is_integer(c) ? find_node(ids, nn, json_integer_value(c)) : -1;
			if (ci < 0) {
				snprintf(err, errlen, "node %lld has a child that is not a node", n[i].id);
				return -1;
			}
			if (ci == 0 || n[ci].parent >= 0) {
				snprintf(err, errlen, "node %lld has two parents", n[ci].id);
				return -1;
			}
			n[ci].parent = (int)i;
			n[ci].next_sibling = n[i].first_child;
			n[i].first_child = ci;
		}
	}
	long head = 0, tail = 0;
	order[tail++] = 0;
	n[0].reached = true;
	while (head < tail) {
		int v = order[head++];
		for (int c = n[v].first_child; c >= 0; c = n[c].next_sibling)
			if (!n[c].reached) {	/* always: one parent each */
				n[c].reached = true;
				order[tail++] = c;
			}
	}
	return tail;
}

/* Give every reached node but the root a function row index; returns the
 * number of functions. */
static size_t assign_functions(struct pnode *n, const int *order, long nreached, int *tmp)
{
	long k = 0;
	for (long i = 1; i < nreached; i++)
		tmp[k++] = order[i];
	qsort_r(tmp, (size_t)k, sizeof *tmp, cmp_fn, n);
	size_t nf = 0;
	for (long i = 0; i < k; i++) {
		if (i > 0 && cmp_fn(&tmp[i - 1], &tmp[i], n) != 0)
			nf++;
		n[tmp[i]].fn = (int)nf;
	}
	return k ? nf + 1 : 0;
}

/* samples[] and timeDeltas[] into s (ms, sorted), with s[ns].t the end of
 * the last sample.  DevTools' normalizeTimestamps. */
static int read_samples(json_t *root, const struct pnode *n, const struct idx *ids, size_t nn,
			struct sample **out, size_t *out_n, char *err, size_t errlen)
{
	json_t *js = json_object_get(root, "samples"), *jd = json_object_get(root, "timeDeltas");
	json_t *jstart = json_object_get(root, "startTime"), *jend = json_object_get(root, "endTime");
	*out = NULL;
	*out_n = 0;
	if (!json_is_array(js)) {
		snprintf(err, errlen, "no samples array (a profile without samples has nothing to show)");
		return -1;
	}
	/* DevTools cannot show a profile without timeDeltas either */
	if (!json_is_array(jd)) {
		snprintf(err, errlen, "no timeDeltas array: not a profile from node or Chrome");
		return -1;
	}
	if (!json_is_number(jstart) || !json_is_number(jend)) {
		snprintf(err, errlen, "startTime or endTime missing or not a number");
		return -1;
	}
	size_t ns = json_array_size(js);
	if (json_array_size(jd) != ns) {
		snprintf(err, errlen, "%zu samples but %zu timeDeltas (file cut short?)", ns, json_array_size(jd));
		return -1;
	}
	double start = json_number_value(jstart), end = json_number_value(jend);
	/* 1e15 µs is 31 years: beyond it sums could overflow to infinity */
	if (fabs(start) > 1e15 || fabs(end) > 1e15) {
		snprintf(err, errlen, "startTime or endTime out of range");
		return -1;
	}
	struct sample *s = xcalloc(ns + 1, sizeof *s);
	double t = start;
	bool sorted = true;
	for (size_t i = 0; i < ns; i++) {
		json_t *id = json_array_get(js, i);
		json_t *d = json_array_get(jd, i);
		int v = json_is_integer(id) ? find_node(ids, nn, json_integer_value(id)) : -1;
		if (v < 0 || !n[v].reached) {
			if (json_is_integer(id))
				snprintf(err, errlen, "sample %zu refers to node %lld, which is not in the call tree", i,
					 json_integer_value(id));
			else
				snprintf(err, errlen, "sample %zu is not a node id", i);
			free(s);
			return -1;
		}
		if (!json_is_number(d)) {
			snprintf(err, errlen, "timeDeltas[%zu] is not a number", i);
			free(s);
			return -1;
		}
		t += json_number_value(d);
		if (fabs(t) > 1e15) {
			snprintf(err, errlen, "sample %zu: time out of range", i);
			free(s);
			return -1;
		}
		s[i] = (struct sample){ t, v, (int)i };
		if (i > 0 && s[i].t < s[i - 1].t)
			sorted = false;
	}
	if (!sorted)
		qsort(s, ns, sizeof *s, cmp_sample);
	for (size_t i = 0; i < ns; i++)
		s[i].t /= 1000;
	if (ns > 1)
		s[ns].t = s[ns - 1].t + (s[ns - 1].t - s[0].t) / (double)(ns - 1);
	else if (ns == 1)	/* DevTools' average of no interval is NaN: it falls back to endTime */
		s[ns].t = end / 1000 > s[0].t ? end / 1000 : s[0].t;
	*out = s;
	*out_n = ns;
	return 0;
}

/* The top-level child of the root with this name, or -1.  DevTools looks
 * in its own child order, which is the file's order reversed. */
static int meta_node(const struct pnode *n, const char *name)
{
	int found = -1;
	for (int c = n[0].first_child; c >= 0; c = n[c].next_sibling)
		if (strcmp(n[c].name, name) == 0)
			found = c;
	return found;
}

/* The outermost frame under the root of node v (the root for the root). */
static int bottom(const struct pnode *n, int v)
{
	while (n[v].parent >= 0 && n[n[v].parent].parent >= 0)
		v = n[v].parent;
	return v;
}

/* DevTools' fixMissingSamples: see the top of the file. */
static void fix_missing(const struct pnode *n, struct sample *s, size_t ns, int program, int gc, int idle)
{
	if (program < 0 || ns < 3)
		return;
	int prev = s[0].node, cur = s[1].node;
#define SYSTEM(v) ((v) == program || (v) == gc || (v) == idle)
	for (size_t i = 1; i + 1 < ns; i++) {
		int next = s[i + 1].node;
		if (cur == program && !SYSTEM(prev) && !SYSTEM(next) && bottom(n, prev) == bottom(n, next))
			s[i].node = prev;
		prev = cur;	/* the original, as DevTools does */
		cur = next;
	}
#undef SYSTEM
}

/* Self and total per function from the time per node: own[v] is the time
 * v was on top, gc_on[v] the garbage collection stacked on v.  Totals walk
 * the tree depth first, counting a function only where no caller of it is
 * the same function (recursion counts once). */
static void accumulate(const struct pnode *n, size_t nn, const int *order, long nreached, const double *own,
		      const double *gc_on, int gcfn, profile_fn *fns, size_t nfns)
{
	double *sub = xcalloc(nn, sizeof *sub);
	int *active = xcalloc(nfns + 1, sizeof *active);
	int *stack = xmalloc(2 * (size_t)nreached * sizeof *stack);
	for (long i = nreached - 1; i >= 0; i--) {
		int v = order[i];
		sub[v] += own[v] + gc_on[v];
		if (n[v].parent >= 0)
			sub[n[v].parent] += sub[v];
		if (n[v].fn >= 0)
			fns[n[v].fn].self_ms += own[v];
		if (gc_on[v] > 0)
			fns[gcfn].self_ms += gc_on[v];
	}
	long top = 0;
	stack[top++] = 0;
	while (top > 0) {
		int v = stack[--top];
		if (v < 0) {	/* leaving -v-1 */
			active[n[-v - 1].fn]--;
			continue;
		}
		int f = n[v].fn;
		if (f >= 0) {
			if (active[f]++ == 0)
				fns[f].total_ms += sub[v];
			stack[top++] = -v - 1;
		}
		if (gc_on[v] > 0 && active[gcfn] == 0)
			fns[gcfn].total_ms += gc_on[v];
		for (int c = n[v].first_child; c >= 0; c = n[c].next_sibling)
			stack[top++] = c;
	}
	free(sub);
	free(active);
	free(stack);
}

/* Copy the name and url of every row into p->strings, one allocation. */
static void copy_strings(profile *p, const struct pnode *n, const int *row_node)
{
	size_t need = 1;
	for (size_t f = 0; f < p->nfns; f++)
		need += strlen(n[row_node[f]].name) + strlen(n[row_node[f]].url) + 2;
	p->strings = xmalloc(need);
	char *w = p->strings;
	for (size_t f = 0; f < p->nfns; f++) {
		const struct pnode *v = &n[row_node[f]];
		size_t a = strlen(v->name) + 1, b = strlen(v->url) + 1;
		memcpy(w, v->name, a);
		p->fns[f].name = *v->name ? w : "(anonymous)";
		w += a;
		memcpy(w, v->url, b);
		p->fns[f].url = w;
		w += b;
		p->fns[f].line = v->line + 1;
		p->fns[f].column = v->column + 1;
	}
}

static profile *profile_from_json(json_t *root, char *err, size_t errlen);

/* One line on why jansson refused the text.  Its message quotes the input
 * ("near '...'"), which may hold any byte: control characters become '?'. */
static void json_failure(const json_error_t *je, size_t len, char *err, size_t errlen)
{
	if (len == 0)
		snprintf(err, errlen, "empty file");
	else if ((size_t)je->position >= len)
		snprintf(err, errlen, "cut short: the JSON ends at byte %zu, inside a value (%s)", len, je->text);
	else
		snprintf(err, errlen, "not JSON: %s (line %d, column %d)", je->text, je->line, je->column);
	text_clean(err, errlen, err, strlen(err), 0);
}

profile *profile_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root) {
		json_failure(&je, len, err, errlen);
		return NULL;
	}
	return profile_from_json(root, err, errlen);
}

/* The analysis of a parsed document; takes root's reference. */
static profile *profile_from_json(json_t *root, char *err, size_t errlen)
{
	profile *p = NULL;
	struct pnode *n = NULL;
	struct idx *ids = NULL;
	int *order = NULL, *tmp = NULL, *row_node = NULL;
	struct sample *s = NULL;
	double *own = NULL, *gc_on = NULL;
	size_t ns = 0;
	json_t *jnodes = json_object_get(root, "nodes");
	if (!json_is_object(root) || !json_is_array(jnodes) || json_array_size(jnodes) == 0) {
		if (json_is_object(root) && json_object_get(root, "head"))
			snprintf(err, errlen, "an old-format profile (\"head\" tree): save it again from a current DevTools or node");
		else if (json_is_object(root) && json_object_get(root, "traceEvents"))
			snprintf(err, errlen, "a trace file, not a .cpuprofile");
		else if (json_is_object(root) && json_object_get(root, "snapshot"))
			snprintf(err, errlen, "a heap snapshot, not a .cpuprofile (try vitals heap summary)");
		else
			snprintf(err, errlen, "not a CPU profile: no \"nodes\" array");
		goto fail;
	}
	size_t nn = json_array_size(jnodes);
	if (nn > INT32_MAX / 2) {
		snprintf(err, errlen, "too many nodes (%zu)", nn);
		goto fail;
	}
	n = xcalloc(nn, sizeof *n);
	ids = xcalloc(nn, sizeof *ids);
	order = xcalloc(nn, sizeof *order);
	tmp = xcalloc(nn, sizeof *tmp);
	own = xcalloc(nn, sizeof *own);
	gc_on = xcalloc(nn, sizeof *gc_on);
	p = xcalloc(1, sizeof *p);
	if (read_nodes(jnodes, n, ids, err, errlen) < 0)
		goto fail;
	long nreached = link_tree(jnodes, n, ids, order, err, errlen);
	if (nreached < 0)
		goto fail;
	p->nfns = assign_functions(n, order, nreached, tmp);
	if (read_samples(root, n, ids, nn, &s, &ns, err, errlen) < 0)
		goto fail;
	if (ns > INT32_MAX) {
		snprintf(err, errlen, "too many samples (%zu)", ns);
		goto fail;
	}
	p->fns = xcalloc(p->nfns + 1, sizeof *p->fns);
	row_node = xcalloc(p->nfns + 1, sizeof *row_node);
	for (long i = 1; i < nreached; i++)
		row_node[n[order[i]].fn] = order[i];

	int program = meta_node(n, "(program)"), gc = meta_node(n, "(garbage collector)");
	int idle = meta_node(n, "(idle)");
	fix_missing(n, s, ns, program, gc, idle);
	int prev = 0, gc_parent = 0;
	for (size_t i = 0; i < ns; i++) {
		int v = s[i].node;
		double d = s[i + 1].t - s[i].t;
		if (v == gc) {
			if (prev != gc)
				gc_parent = prev;
			gc_on[gc_parent] += d;
		} else {
			own[v] += d;
		}
		if (n[v].fn >= 0)
			p->fns[n[v].fn].samples++;
		prev = v;
	}
	accumulate(n, nn, order, nreached, own, gc_on, gc >= 0 ? n[gc].fn : 0, p->fns, p->nfns);
	copy_strings(p, n, row_node);
	/* rows never on any stack (all their samples had zero length) go */
	size_t w = 0;
	for (size_t f = 0; f < p->nfns; f++)
		if (p->fns[f].total_ms > 0 || p->fns[f].samples > 0)
			p->fns[w++] = p->fns[f];
	p->nfns = w;
	p->nnodes = nn;
	p->nsamples = (long)ns;
	p->duration_ms = ns ? s[ns].t - s[0].t : 0;
	profile_sort_by(p, PROFILE_SORT_SELF);
	goto done;
fail:
	profile_free(p);
	p = NULL;
done:
	free(n);
	free(ids);
	free(order);
	free(tmp);
	free(row_node);
	free(s);
	free(own);
	free(gc_on);
	json_decref(root);
	return p;
}

profile *profile_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	/* a regular file only: its size bounds what jansson will read */
	struct stat st;
	const char *why = NULL;
	if (fstat(fileno(f), &st) != 0)
		why = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = "is a directory";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > PROFILE_MAX_BYTES)
		why = "larger than 512 MiB: not a profile vitals reads";
	if (why) {
		snprintf(err, errlen, "%s", why);
		fclose(f);
		return NULL;
	}
	/* read whole, at the size fstat gave (a file that shrinks meanwhile just
	 * reads short; mmap would turn that into SIGBUS) */
	size_t cap = (size_t)st.st_size, len = 0;
	char *buf = xmalloc(cap ? cap : 1);
	while (len < cap) {
		size_t got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	int rerr = ferror(f) ? errno : 0;
	fclose(f);
	if (rerr) {
		snprintf(err, errlen, "cannot read: %s", strerror(rerr));
		free(buf);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!root) {
		json_failure(&je, len, err, errlen);
		return NULL;
	}
	return profile_from_json(root, err, errlen);
}
