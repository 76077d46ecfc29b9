/* devtools — DevTools' presentation rules applied to a loaded snapshot; see
 * devtools.h for what and in which order.
 *
 * Everything is a pass over the flat columns.  Strings DevTools makes up
 * ("(system)", "Function", "{a, b}", "Detached X") are appended to the
 * snapshot's string table through a small table of their own (struct
 * strtab), deduplicated among themselves but not with the snapshot's
 * strings, as DevTools' getIndexForString does -- so an object named
 * "Function" and a closure are two rows, as there.
 */
#include "heap/devtools.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nodes from which rule 2 runs on a second thread */
#define SHALLOW_THREAD_MIN 100000
#define UNVISITED 0xffffffffu
#define MULTIPLE 0xfffffffeu
#define MAX_INTERFACE_NAME 120
#define MIN_INTERFACE_OBJECTS 2
#define MIN_INTERFACE_PROPORTION 1000

static uint64_t hash_bytes(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		/* scan-build: callers hash keys built from s->loc records, all 4 words of
		 * which are written when a record is appended (snapshot.c) */
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* Added strings by text -> string index (open addressing, grows). */
struct strtab {
	size_t cap, n;
	uint32_t *idx;	/* string index + 1; 0 empty */
};

static long strtab_get(struct strtab *t, heap_snapshot *s, const char *text)
{
	if (2 * (t->n + 1) > t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		uint32_t *ni = calloc(nc, sizeof *ni);
		if (!ni)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->idx[i])
				continue;
			const char *k = heap_snapshot_string(s, t->idx[i] - 1);
			size_t h = (size_t)hash_bytes(k, strlen(k), 0xcbf29ce484222325ULL) & (nc - 1);
			while (ni[h])
				h = (h + 1) & (nc - 1);
			ni[h] = t->idx[i];
		}
		free(t->idx);
		t->idx = ni;
		t->cap = nc;
	}
	size_t h = (size_t)hash_bytes(text, strlen(text), 0xcbf29ce484222325ULL) & (t->cap - 1);
	while (t->idx[h]) {
		if (strcmp(heap_snapshot_string(s, t->idx[h] - 1), text) == 0)
			return (long)t->idx[h] - 1;
		h = (h + 1) & (t->cap - 1);
	}
	long k = heap_snapshot_add_string(s, text);
	if (k < 0)
		return -1;
	t->idx[h] = (uint32_t)k + 1;
	t->n++;
	return k;
}

static int type_of(const heap_snapshot *s, const char *name)
{
	for (int t = 0; t < s->ntypes_node; t++)
		if (strcmp(s->node_type_name[t], name) == 0)
			return t;
	return -1;
}

static int edge_type_of(const heap_snapshot *s, const char *name)
{
	for (int t = 0; t < s->ntypes_edge; t++)
		if (strcmp(s->edge_type_name[t], name) == 0)
			return t;
	return -1;
}

/* 1. Attached/detached state through native nodes; detached ones renamed. */
static int propagate_dom_state(heap_snapshot *s, struct strtab *st)
{
	uint32_t n = s->node_count;
	uint8_t *det = s->node_detached, *visited = heap_big_calloc(n ? n : 1, 1);
	uint32_t *att = heap_big_malloc((size_t)(n ? n : 1) * sizeof *att), *dq = malloc((size_t)(n ? n : 1) * sizeof *dq);
	size_t na = 0, nd = 0;
	int rc = -1, e_invisible = edge_type_of(s, "invisible");
	if (!visited || !att || !dq)
		goto out;
	for (int phase = 0; phase < 3; phase++) {
		/* phase 0: the known states; 1: attached outwards; 2: detached outwards */
		uint32_t i = 0;
		for (;;) {
			uint32_t v, state;
			if (phase == 0) {
				if (i >= n)
					break;
				v = i++;
				if (det[v] == 0)
					continue;
				state = det[v];
			} else if (phase == 1) {
				if (!na)
					break;
				v = att[--na];
				state = 1;
			} else {
				if (!nd)
					break;
				v = dq[--nd];
				if (det[v] == 1)
					continue;
				state = 2;
			}
			/* phase 0 processes v itself, the others its children */
			uint32_t first = phase == 0 ? 0 : s->first_edge[v], end = phase == 0 ? 1 : s->first_edge[v + 1];
			for (uint32_t e = first; e < end; e++) {
				uint32_t c = v;
				if (phase > 0) {
					int t = s->edge_type[e];
					if (t == s->t.e_hidden || t == s->t.e_weak || t == e_invisible)
						continue;
					c = s->edge_to[e];
				}
				if (visited[c])
					continue;
				visited[c] = 1;
				if (s->node_type[c] != s->t.n_native)
					continue;
				det[c] = (uint8_t)state;
				if (state == 1) {
					att[na++] = c;
				} else if (state == 2) {
					char *name = NULL;
					if (asprintf(&name, "Detached %s", heap_snapshot_string(s, s->node_name[c])) < 0)
						goto out;
					long k = strtab_get(st, s, name);
					free(name);
					if (k < 0)
						goto out;
					s->node_name[c] = (uint32_t)k;
					dq[nd++] = c;
				}
			}
		}
	}
	rc = 0;
out:
	free(visited);
	free(att);
	free(dq);
	return rc;
}

static int push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		size_t nc = *cap * 2;
		uint32_t *m = realloc(*a, nc * sizeof *m);
		if (!m)
			return -1;
		*a = m;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/* 2. Self sizes of singly owned hidden and array nodes onto their owner.
 * In two parts, so that the pass can run on a second thread beside rules
 * 3-6: shallow_prepare reads the strings it needs (the root's children's
 * names, which strings say "system / ExternalStringData"); shallow_run then
 * reads only the node and edge columns and writes only node_self, which no
 * other rule reads, while the others add strings and write node_class. */
struct shallow {
	heap_snapshot *s;
	bool run;		/* user roots: the rule applies */
	int t_array;
	uint8_t *esd;		/* [string_count] 1: "system / ExternalStringData";
				 * NULL when no string says so */
	int rc;
};

static void shallow_prepare(heap_snapshot *s, struct shallow *w)
{
	static const char esd[] = "system / ExternalStringData";
	uint32_t root = s->root;
	*w = (struct shallow){ .s = s, .t_array = type_of(s, "array") };
	for (uint32_t e = s->first_edge[root]; e < s->first_edge[root + 1]; e++) {
		uint32_t c = s->edge_to[e];
		if (s->node_type[c] != s->t.n_synthetic ||
		    strcmp(heap_snapshot_string(s, s->node_name[c]), "(Document DOM trees)") == 0)
			w->run = true;
	}
	if (s->node_count >= MULTIPLE)
		w->run = false;	/* (no room for the markers) */
	/* the strings of that text (one, in a V8 snapshot), found by a search
	 * of the table's bytes */
	const char *data = s->string_data, *end = data + (s->string_count ? s->string_off[s->string_count] : 0);
	for (const char *p = data; w->run && p < end;) {
		const char *q = memmem(p, (size_t)(end - p), esd, sizeof esd);	/* with its '\0' */
		if (!q)
			break;
		uint32_t lo = 0, hi = s->string_count, off = (uint32_t)(q - data);
		while (hi - lo > 1) {	/* the last string starting at or before q */
			uint32_t mid = lo + (hi - lo) / 2;
			if (s->string_off[mid] <= off)
				lo = mid;
			else
				hi = mid;
		}
		if (s->string_off[lo] == off) {
			if (!w->esd && !(w->esd = calloc(s->string_count, 1))) {
				w->rc = -1;
				break;
			}
			w->esd[lo] = 1;
		}
		p = q + 1;
	}
}

static bool shallow_esd(const struct shallow *w, uint32_t name)
{
	return w->esd && w->esd[name];
}

static void *shallow_run(void *arg)
{
	struct shallow *w = arg;
	heap_snapshot *s = w->s;
	uint32_t n = s->node_count, root = s->root;
	if (!w->run || w->rc < 0)
		return NULL;	/* "expose internals" snapshots are shown as they are */
	uint32_t *owner = heap_big_malloc((size_t)n * sizeof *owner);
	/* each node enters at most twice; it starts at the nodes that own
	 * themselves and grows by doubling */
	size_t nw = 0, wcap = (size_t)n / 2 + 16;
	uint32_t *work = malloc(wcap * sizeof *work);
	if (!owner || !work)
		goto oom;
	for (uint32_t i = 0; i < n; i++) {
		int t = s->node_type[i];
		if (t == s->t.n_hidden || t == w->t_array || (t == s->t.n_native && shallow_esd(w, s->node_name[i]))) {
			owner[i] = UNVISITED;
		} else {
			owner[i] = i;
			if (push(&work, &nw, &wcap, i) < 0)
				goto oom;
		}
	}
	while (nw) {
		uint32_t v = work[--nw], own = owner[v];
		for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++) {
			if ((int)s->edge_type[e] == s->t.e_weak)
				continue;
			uint32_t t = s->edge_to[e], o = owner[t];
			if (o == UNVISITED) {
				owner[t] = own;
			} else if (o != t && o != own && o != MULTIPLE) {
				owner[t] = MULTIPLE;
			} else {
				continue;
			}
			if (push(&work, &nw, &wcap, t) < 0)
				goto oom;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = owner[i];
		if (o == UNVISITED || o == MULTIPLE || o == i || o == root || s->node_type[o] == s->t.n_synthetic)
			continue;
		s->node_self[o] += s->node_self[i];
		s->node_self[i] = 0;
	}
	free(owner);
	free(work);
	return NULL;
oom:
	free(owner);
	free(work);
	w->rc = -1;
	return NULL;
}

/* The table id of a WeakMap value edge name, "N / part of key (...) ->
 * value (...) pair in WeakMap (table @ID)", or -1. */
static long weakmap_table(const char *name)
{
	const char *p = name;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, " / part of key (", 16) != 0 || !strstr(p, ") -> value ("))
		return -1;
	static const char tail[] = ") pair in WeakMap (table @";
	const char *t = strstr(p, tail);
	if (!t)
		return -1;
	t += sizeof tail - 1;
	long id = 0;
	if (*t < '0' || *t > '9')
		return -1;
	for (; *t >= '0' && *t <= '9' && id < 0x7fffffffL; t++)
		id = id * 10 + (*t - '0');
	return strcmp(t, ")") == 0 ? id : -1;
}

/* 3. The WeakMap table -> value edges that do not count for dominators. */
static int weakmap_edges(heap_snapshot *s)
{
	int internal = edge_type_of(s, "internal");
	if (internal < 0 || !s->edge_str_named[internal])
		return 0;
	/* which strings name such an edge at all, decided once per string: a
	 * byte per string stays in cache, where looking up every internal
	 * edge's name (a third of all edges) missed it twice per edge */
	uint8_t *cand = calloc(s->string_count ? s->string_count : 1, 1);
	if (!cand)
		return -1;
	bool any = false;
	for (uint32_t i = 0; i < s->string_count; i++) {
		const char *name = heap_snapshot_string(s, i);
		if (*name >= '0' && *name <= '9' && weakmap_table(name) >= 0)
			cand[i] = 1, any = true;
	}
	for (uint32_t v = 0; any && v < s->node_count; v++)
		for (uint32_t e = s->first_edge[v]; e < s->first_edge[v + 1]; e++) {
			if (s->edge_type[e] != internal || !cand[s->edge_name[e]] ||
			    weakmap_table(heap_snapshot_string(s, s->edge_name[e])) != (long)s->node_id[v])
				continue;
			/* allocated on the first such edge: most snapshots have few */
			if (!s->edge_skip && !(s->edge_skip = heap_big_calloc(s->edge_count, 1))) {
				free(cand);
				return -1;
			}
			s->edge_skip[e] = 1;
		}
	free(cand);
	return 0;
}

/* 4. DevTools' class name of every node. */
static int class_names(heap_snapshot *s, struct strtab *st)
{
	uint32_t n = s->node_count;
	s->node_class = heap_big_malloc((size_t)(n ? n : 1) * sizeof *s->node_class);
	if (!s->node_class)
		return -1;
	long per_type[HEAP_MAX_TYPES];
	int t_closure = type_of(s, "closure"), t_regexp = type_of(s, "regexp");
	for (int t = 0; t < s->ntypes_node; t++) {
		char *name = NULL;
		const char *fixed = t == s->t.n_hidden ? "(system)" : t == s->t.n_code ? "(compiled code)"
				  : t == t_closure ? "Function" : t == t_regexp ? "RegExp" : NULL;
		per_type[t] = -1;
		if (t == s->t.n_object || t == s->t.n_native)
			continue;
		if (!fixed && asprintf(&name, "(%s)", s->node_type_name[t]) < 0)
			return -1;
		per_type[t] = strtab_get(st, s, fixed ? fixed : name);
		free(name);
		if (per_type[t] < 0)
			return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		int t = s->node_type[i];
		if (per_type[t] >= 0) {
			s->node_class[i] = (uint32_t)per_type[t];
			continue;
		}
		const char *name = heap_snapshot_string(s, s->node_name[i]);
		size_t skip = strncmp(name, "<", 1) == 0 ? 0 : strncmp(name, "Detached <", 10) == 0 ? 10 : SIZE_MAX;
		if (skip == SIZE_MAX) {
			s->node_class[i] = s->node_name[i];
			continue;
		}
		/* "<div id=a>" -> "<div>" */
		const char *sp = strchr(name + skip, ' ');
		char *cut = sp ? strndup(name, (size_t)(sp - name)) : NULL;
		char *with = NULL;
		if (sp && (!cut || asprintf(&with, "%s>", cut) < 0)) {
			free(cut);
			return -1;
		}
		long k = strtab_get(st, s, with ? with : name);
		free(cut);
		free(with);
		if (k < 0)
			return -1;
		s->node_class[i] = (uint32_t)k;
	}
	return 0;
}

/* ---- 5. interface names of plain objects ---- */

struct cand {
	char *name;
	uint32_t *props;	/* string indexes */
	size_t nprops;
	uint64_t count;
	size_t order;		/* first seen */
};

static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

/* DevTools' formatPropertyName: names with , ' " { } are JSON-quoted. */
static char *format_property(const char *name)
{
	if (!strpbrk(name, ",'\"{}"))
		return strdup(name);
	json_t *j = json_string(name);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	return q;
}

static size_t cols(const char *p)
{
	size_t n = 0;
	for (; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	return n;
}

/* DevTools' isPlainJSObject: an object node named "Object" (by text). */
static bool plain_object(const heap_snapshot *s, uint32_t i)
{
	return s->node_type[i] == s->t.n_object && strcmp(heap_snapshot_string(s, s->node_name[i]), "Object") == 0;
}

static int interfaces(heap_snapshot *s, struct strtab *st)
{
	int e_property = edge_type_of(s, "property");
	if (e_property < 0 || !s->edge_str_named[e_property])
		return 0;
	int rc = -1;
	size_t cap = 0, ncand = 0, tcap = 0, total = 0;
	struct cand *cand = NULL;
	uint32_t *tab = NULL;	/* name hash table: candidate index + 1 */
	char *buf = malloc(MAX_INTERFACE_NAME * 8 + 64);
	uint32_t maxdeg = 0;
	for (uint32_t i = 0; i < s->node_count; i++)
		if (s->first_edge[i + 1] - s->first_edge[i] > maxdeg)
			maxdeg = s->first_edge[i + 1] - s->first_edge[i];
	uint32_t *props = malloc(((size_t)maxdeg + 1) * sizeof *props);
	if (!buf || !props)
		goto out;
	for (uint32_t i = 0; i < s->node_count; i++) {
		if (!plain_object(s, i))
			continue;
		total++;
		size_t len = 1, np = 0;
		strcpy(buf, "{");
		for (uint32_t e = s->first_edge[i]; e < s->first_edge[i + 1]; e++) {
			if (s->edge_type[e] != e_property)
				continue;
			const char *en = heap_snapshot_string(s, s->edge_name[e]);
			if (strcmp(en, "__proto__") == 0)
				continue;
			char *f = format_property(en);
			if (!f)
				goto out;
			size_t fl = cols(f), have = cols(buf);
			if (have > 1 && have + fl > MAX_INTERFACE_NAME) {
				free(f);
				break;
			}
			size_t fb = strlen(f);
			if (len + fb + 4 > MAX_INTERFACE_NAME * 8 + 60) {
				free(f);
				break;
			}
			if (len != 1) {
				memcpy(buf + len, ", ", 2);
				len += 2;
			}
			memcpy(buf + len, f, fb + 1);
			len += fb;
			free(f);
			props[np++] = s->edge_name[e];
		}
		if (np == 0)
			continue;
		buf[len++] = '}';
		buf[len] = '\0';
		if (2 * (ncand + 1) > tcap) {
			size_t nc = tcap ? 2 * tcap : 1024;
			uint32_t *nt = calloc(nc, sizeof *nt);
			if (!nt)
				goto out;
			for (size_t k = 0; k < ncand; k++) {
				size_t h = (size_t)hash_bytes(cand[k].name, strlen(cand[k].name), 7) & (nc - 1);
				while (nt[h])
					h = (h + 1) & (nc - 1);
				nt[h] = (uint32_t)k + 1;
			}
			free(tab);
			tab = nt;
			tcap = nc;
		}
		size_t h = (size_t)hash_bytes(buf, len, 7) & (tcap - 1);
		while (tab[h] && strcmp(cand[tab[h] - 1].name, buf) != 0)
			h = (h + 1) & (tcap - 1);
		if (tab[h]) {
			cand[tab[h] - 1].count++;
			continue;
		}
		if (ncand == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct cand *c2 = realloc(cand, nc * sizeof *c2);
			if (!c2)
				goto out;
			cand = c2;
			cap = nc;
		}
		struct cand *c = &cand[ncand];
		c->name = strdup(buf);
		c->props = malloc(np * sizeof *c->props);
		if (!c->name || !c->props) {
			free(c->name);
			free(c->props);
			goto out;
		}
		memcpy(c->props, props, np * sizeof *props);
		c->nprops = np;
		c->count = 1;
		c->order = ncand;
		tab[h] = (uint32_t)++ncand;
	}
	if (ncand)
		qsort(cand, ncand, sizeof *cand, cmp_cand);
	double min = (double)total / MIN_INTERFACE_PROPORTION;
	if (min < MIN_INTERFACE_OBJECTS)
		min = MIN_INTERFACE_OBJECTS;
	size_t ndef = 0;
	while (ndef < ncand && (double)cand[ndef].count >= min)
		ndef++;
	if (ndef == 0) {
		rc = 0;
		goto out;
	}
	/* the definitions' names as strings, and an inverted index: property
	 * string -> definitions holding it (CSR over the property's index) */
	/* (the names first: adding them grows the string table) */
	long *defname = malloc(ndef * sizeof *defname);
	bool ok = defname != NULL;
	for (size_t d = 0; ok && d < ndef; d++)
		ok = (defname[d] = strtab_get(st, s, cand[d].name)) >= 0;
	uint32_t nstr = s->string_count;
	uint32_t *pfirst = calloc((size_t)nstr + 1, sizeof *pfirst);
	size_t nref = 0;
	for (size_t d = 0; d < ndef; d++)
		nref += cand[d].nprops;
	uint32_t *pdef = malloc((nref ? nref : 1) * sizeof *pdef);
	uint32_t *hits = calloc(ndef, sizeof *hits), *touched = malloc(ndef * sizeof *touched);
	ok = ok && pfirst && pdef && hits && touched;
	if (ok) {
		for (size_t d = 0; d < ndef; d++)
			for (size_t k = 0; k < cand[d].nprops; k++)
				pfirst[cand[d].props[k] + 1]++;
		for (uint32_t k = 0; k < nstr; k++)
			pfirst[k + 1] += pfirst[k];
		for (size_t d = 0; d < ndef; d++)
			for (size_t k = 0; k < cand[d].nprops; k++)
				pdef[pfirst[cand[d].props[k]]++] = (uint32_t)d;
		for (uint32_t k = nstr; k > 0; k--)
			pfirst[k] = pfirst[k - 1];
		pfirst[0] = 0;
		/* each plain object: the definition with the most properties, all
		 * present (the earliest among equals) */
		for (uint32_t i = 0; i < s->node_count; i++) {
			if (!plain_object(s, i))
				continue;
			size_t nt = 0;
			for (uint32_t e = s->first_edge[i]; e < s->first_edge[i + 1]; e++) {
				if (s->edge_type[e] != e_property || s->edge_name[e] >= nstr)
					continue;
				uint32_t p = s->edge_name[e];
				for (uint32_t k = pfirst[p]; k < pfirst[p + 1]; k++) {
					uint32_t d = pdef[k];
					if (hits[d]++ == 0)
						touched[nt++] = d;
				}
			}
			size_t best = SIZE_MAX;
			for (size_t k = 0; k < nt; k++) {
				uint32_t d = touched[k];
				/* a property listed twice by a crafted object could count twice:
				 * require exactly the definition's size */
				if (hits[d] == cand[d].nprops &&
				    (best == SIZE_MAX || cand[d].nprops > cand[best].nprops ||
				     (cand[d].nprops == cand[best].nprops && d < best)))
					best = d;
				hits[d] = 0;
			}
			if (best != SIZE_MAX)
				s->node_class[i] = (uint32_t)defname[best];
		}
		rc = 0;
	}
	free(defname);
	free(pfirst);
	free(pdef);
	free(hits);
	free(touched);
out:
	for (size_t k = 0; k < ncand; k++) {
		free(cand[k].name);
		free(cand[k].props);
	}
	free(cand);
	free(tab);
	free(buf);
	free(props);
	return rc;
}

/* 6. (script, line, column, class) of objects with a constructor location. */
static int location_keys(heap_snapshot *s)
{
	if (!s->nloc)
		return 0;	/* node_loc stays NULL: no location keys */
	s->node_loc = heap_big_calloc(s->node_count ? s->node_count : 1, sizeof *s->node_loc);
	if (!s->node_loc)
		return -1;
	size_t cap = 16;
	while (cap < 2 * (size_t)s->nloc)
		cap *= 2;
	uint32_t *tab = calloc(cap, sizeof *tab);	/* location record + 1 */
	if (!tab)
		return -1;
	for (uint32_t r = 0; r < s->nloc; r++) {
		const uint32_t *l = s->loc + 4 * (size_t)r;
		uint32_t o = l[0];
		if (s->node_type[o] != s->t.n_object)
			continue;
		uint32_t key[4] = { l[1], l[2], l[3], s->node_class[o] };
		size_t h = (size_t)hash_bytes((const char *)key, sizeof key, 11) & (cap - 1);
		uint32_t id = 0;
		while (tab[h]) {
			const uint32_t *m = s->loc + 4 * (size_t)(tab[h] - 1);
			if (m[1] == key[0] && m[2] == key[1] && m[3] == key[2] && s->node_class[m[0]] == key[3]) {
				id = s->node_loc[m[0]];
				break;
			}
			h = (h + 1) & (cap - 1);
		}
		if (!id) {
			tab[h] = r + 1;
			id = ++s->nloc_keys;
		}
		s->node_loc[o] = id;	/* a later record for the same object wins, as in DevTools' map */
	}
	free(tab);
	/* node_loc holds all the records said: 16 bytes each (~20 MB at 400 MB)
	 * that would otherwise stay through the dominators */
	free(s->loc);
	s->loc = NULL;
	s->nloc = 0;
	return 0;
}

/* All the rules, or all but the third (edges: false). */
static int apply(heap_snapshot *s, bool edges, char *err, size_t errlen)
{
	struct strtab st = { 0 };
	int rc = -1;
	if (s->node_class)
		return 0;	/* applied already */
	if (s->node_detached && propagate_dom_state(s, &st) < 0)
		goto out;
	/* rule 2 beside the others, on a second thread when the snapshot is
	 * large enough for it to pay (a tenth of a second at 400 MB) */
	struct shallow w;
	shallow_prepare(s, &w);
	pthread_t th;
	bool threaded = w.run && s->node_count >= SHALLOW_THREAD_MIN && pthread_create(&th, NULL, shallow_run, &w) == 0;
	if (!threaded)
		shallow_run(&w);
	int rc2 = (edges && weakmap_edges(s) < 0) || class_names(s, &st) < 0 || interfaces(s, &st) < 0 ||
			  location_keys(s) < 0
		  ? -1
		  : 0;
	if (threaded)
		pthread_join(th, NULL);
	free(w.esd);
	if (rc2 < 0 || w.rc < 0)
		goto out;
	/* the class names say "Detached " now: nothing reads the flags again */
	free(s->node_detached);
	s->node_detached = NULL;
	rc = 0;
out:
	free(st.idx);
	if (rc < 0)
		snprintf(err, errlen, "out of memory applying DevTools' presentation (%u nodes)", s->node_count);
	return rc;
}

int heap_devtools_apply(heap_snapshot *s, char *err, size_t errlen)
{
	return apply(s, true, err, errlen);
}

int heap_devtools_apply_classes(heap_snapshot *s, char *err, size_t errlen)
{
	return apply(s, false, err, errlen);
}

int heap_devtools_essential_edges(heap_snapshot *s, char *err, size_t errlen)
{
	if (weakmap_edges(s) < 0) {
		snprintf(err, errlen, "out of memory marking WeakMap edges (%u edges)", s->edge_count);
		return -1;
	}
	return 0;
}

heap_snapshot *heap_snapshot_load_view(const char *path, heap_parser parser, heap_view view, char *err,
				       size_t errlen)
{
	heap_snapshot *s = heap_snapshot_load(path, parser, err, errlen);
	if (s && view == HEAP_VIEW_DEVTOOLS && heap_devtools_apply(s, err, errlen) < 0) {
		heap_snapshot_free(s);
		return NULL;
	}
	return s;
}
