/* snapshot — streaming loader of V8 heap snapshots; see snapshot.h for the
 * layout we build.
 *
 * The reader (struct rd) is a window onto the input: a 1 MiB buffer refilled
 * with read(2) for files, or the whole buffer for in-memory input.  rd.base is
 * the input offset of buf[0], so base + pos is always the byte offset that
 * error messages name.  The top-level object is walked key by key: "snapshot"
 * is copied out and parsed with jansson (it is a few KiB), "nodes" and "edges"
 * go through parse_ints() into a record buffer of one node or edge, which is
 * validated and stored column-wise (store_node/store_edge), "strings" through
 * parse_strings(), and anything else is skipped with bracket matching.  Peak
 * memory is therefore the columns plus the strings, never the text.
 *
 * The meta is read by field name, never by position, so a snapshot of another
 * V8 version with extra or reordered fields loads as long as the fields we
 * need exist.  All counts come from the meta and are checked against what the
 * arrays really hold; every cross reference (edge target, type, string index)
 * is range-checked before anyone indexes with it.
 */
#include "heap/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RD_BUFSZ (1u << 20)
#define MAX_FIELDS 64
#define MAX_META_BYTES (16u << 20)
#define MAX_DEPTH 100000
/* in-memory input at least this large parses "edges" on a second thread */
#define PARALLEL_MIN (8u << 20)
/* a mapped file's pages are dropped behind the readers in steps of this */
#define DROP_STEP (8u << 20)

struct rd {
	int fd;				/* -1: in-memory input, no refill */
	const unsigned char *buf;
	unsigned char *own;		/* our read buffer (files) */
	size_t pos, len;
	uint64_t base;			/* input offset of buf[0] */
	const char *where;		/* section being read, for messages */
	char *err;
	size_t errlen;
	bool failed;
};

/* Everything the loader learns on the way; the snapshot is filled in place. */
struct loader {
	heap_snapshot *s;
	uint64_t insize;		/* input size, 0 if unknown */
	bool have_meta, have_nodes, have_edges, have_strings;
	int nf, ef;			/* fields per node / edge record */
	int f_type, f_name, f_id, f_self, f_ecount;
	int f_detached;			/* -1 when the snapshot has no such field */
	int g_type, g_name, g_to;
	int l_object, l_script, l_line, l_col;	/* location_fields, or the usual order */
	uint64_t root_index;		/* field index from meta, or 0 */
	bool str_named[HEAP_MAX_TYPES];	/* edge types whose name_or_index is a string index */
	uint64_t max_node_name, max_edge_name;
	bool any_node_name, any_edge_name;
	uint32_t strings_cap;
	size_t sdata_len, sdata_cap;
	char *scratch;			/* raw string literal being read */
	size_t scratch_cap;
	/* The ranged reader (in-memory input only): "nodes" and "edges" are
	 * found by their ']' and parsed after the walk by ints_ranged, the edges
	 * on a second thread while the walk reads "locations" and "strings".
	 * It reads a stricter grammar and fails on anything else; the caller
	 * then loads again with the reader above, whose messages are the ones
	 * users see.  See load_ranged. */
	bool ranged;
	const unsigned char *in;	/* the whole input */
	bool drop;			/* the input is our own file mapping */
	bool threads;
	size_t nodes_lo, nodes_hi, edges_lo, edges_hi;	/* after '[' .. the ']' */
	size_t edges_stop;		/* the worker's: where its ']' was */
	pthread_t worker;		/* parses "edges" when worker_on */
	bool worker_on;
	int worker_rc;
	struct loader *job;		/* the worker's own copy: nothing it writes
					 * shares a cache line with the walk's state */
};

static void rd_fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rd_fail(struct rd *r, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
}

static unsigned long long rd_off(const struct rd *r)
{
	return (unsigned long long)(r->base + r->pos);
}

/* Make buf[pos] valid: 1 if a byte is there, 0 at end of input, -1 on error. */
static int rd_refill(struct rd *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->failed)
		return -1;
	if (r->fd < 0)
		return 0;
	r->base += r->len;
	r->pos = r->len = 0;
	for (;;) {
		ssize_t n = read(r->fd, r->own, RD_BUFSZ);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rd_fail(r, "read error at byte %llu: %s", rd_off(r), strerror(errno));
			return -1;
		}
		r->len = (size_t)n;
		return n > 0;
	}
}

static void rd_truncated(struct rd *r)
{
	if (r->where)
		rd_fail(r, "truncated at byte %llu inside \"%s\"", rd_off(r), r->where);
	else
		rd_fail(r, "truncated at byte %llu", rd_off(r));
}

static void rd_unexpected(struct rd *r, const char *what)
{
	int c = r->buf[r->pos];
	char shown[8];
	if (c > 0x20 && c < 0x7f)
		snprintf(shown, sizeof shown, "'%c'", c);
	else
		snprintf(shown, sizeof shown, "0x%02x", c);
	if (r->where)
		rd_fail(r, "expected %s at byte %llu inside \"%s\", found %s", what, rd_off(r), r->where, shown);
	else
		rd_fail(r, "expected %s at byte %llu, found %s", what, rd_off(r), shown);
}

/* Skip JSON whitespace; returns the next byte (not consumed) or -1 at end/error. */
static int rd_ws_slow(struct rd *r)
{
	for (;;) {
		if (r->pos == r->len && rd_refill(r) <= 0)
			return -1;
		int c = r->buf[r->pos];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return c;
		r->pos++;
	}
}

/* The common case -- a separator right after a number -- without a call. */
static inline int rd_ws(struct rd *r)
{
	if (r->pos < r->len && r->buf[r->pos] > ' ')
		return r->buf[r->pos];
	return rd_ws_slow(r);
}

/* Skip whitespace and consume c, or fail naming what was expected. */
static int rd_expect(struct rd *r, int c, const char *what)
{
	int got = rd_ws(r);
	if (got < 0) {
		rd_truncated(r);
		return -1;
	}
	if (got != c) {
		rd_unexpected(r, what);
		return -1;
	}
	r->pos++;
	return 0;
}

/* ---- JSON string literals ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int utf8_put(uint32_t cp, unsigned char *b)
{
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | cp >> 18);
	b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

long heap_json_unescape(const char *in, size_t len, char *out, size_t outcap)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	size_t o = 0;
	bool full = false;	/* stop writing once a character did not fit */
	while (p < end) {
		unsigned char tmp[4];
		const unsigned char *src = tmp;
		int n;
		unsigned c = *p;
		if (c == '\\') {
			if (end - p < 2)
				return -1;
			p++;
			switch (*p++) {
			case '"': tmp[0] = '"'; n = 1; break;
			case '\\': tmp[0] = '\\'; n = 1; break;
			case '/': tmp[0] = '/'; n = 1; break;
			case 'b': tmp[0] = '\b'; n = 1; break;
			case 'f': tmp[0] = '\f'; n = 1; break;
			case 'n': tmp[0] = '\n'; n = 1; break;
			case 'r': tmp[0] = '\r'; n = 1; break;
			case 't': tmp[0] = '\t'; n = 1; break;
			case 'u': {
				if (end - p < 4)
					return -1;
				int u = hex4(p);
				if (u < 0)
					return -1;
				p += 4;
				uint32_t cp = (uint32_t)u;
				if (u >= 0xd800 && u <= 0xdbff) {
					/* high surrogate: a pair only if a low one follows */
					int lo = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
					if (lo >= 0xdc00 && lo <= 0xdfff) {
						cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
						p += 6;
					} else {
						cp = 0xfffd;
					}
				} else if ((u >= 0xdc00 && u <= 0xdfff) || u == 0) {
					cp = 0xfffd;
				}
				n = utf8_put(cp, tmp);
				break;
			}
			default:
				return -1;
			}
		} else if (c < 0x20 || c == '"') {
			return -1;
		} else if (c < 0x80) {
			n = 1;
			src = p++;
		} else {
			n = utf8_len(p, end);
			if (n == 0) {
				n = utf8_put(0xfffd, tmp);
				p++;
			} else {
				src = p;
				p += n;
			}
		}
		if (!full && o + (size_t)n < outcap) {
			memcpy(out + o, src, (size_t)n);
			o += (size_t)n;
		} else {
			full = true;
		}
	}
	out[o] = '\0';
	return (long)o;
}

/* Read a string literal's raw body (escapes kept) into L->scratch; the opening
 * quote is next in the input.  Returns its length or -1. */
static long read_literal(struct rd *r, struct loader *L)
{
	size_t n = 0;
	bool esc = false;
	r->pos++;	/* opening quote */
	for (;;) {
		if (r->pos == r->len && rd_refill(r) <= 0) {
			rd_truncated(r);
			return -1;
		}
		/* fast path: copy a run of plain bytes */
		const unsigned char *p = r->buf + r->pos, *end = r->buf + r->len;
		const unsigned char *q = p;
		if (!esc)
			while (q < end && *q != '"' && *q != '\\' && *q >= 0x20)
				q++;
		size_t run = (size_t)(q - p);
		if (n + run + 2 > L->scratch_cap) {
			size_t cap = L->scratch_cap ? L->scratch_cap : 256;
			while (n + run + 2 > cap)
				cap *= 2;
			char *nb = realloc(L->scratch, cap);
			if (!nb) {
				rd_fail(r, "out of memory");
				return -1;
			}
			L->scratch = nb;
			L->scratch_cap = cap;
		}
		/* scan-build: scratch_cap > 0 only once scratch is allocated */
		memcpy(L->scratch + n, p, run);
		n += run;
		r->pos += run;
		if (q == end)
			continue;
		int c = *q;
		if (esc) {
			esc = false;
		} else if (c == '"') {
			r->pos++;
			L->scratch[n] = '\0';
			return (long)n;
		} else if (c == '\\') {
			esc = true;
		} else if (c < 0x20) {
			rd_unexpected(r, "a string character");
			return -1;
		}
		L->scratch[n++] = (char)c;
		r->pos++;
	}
}

/* ---- generic skipping (and copying) of a JSON value ---- */

static int grow_buf(char **b, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 4096;
	while (c < need)
		c *= 2;
	char *nb = realloc(*b, c);
	if (!nb)
		return -1;
	*b = nb;
	*cap = c;
	return 0;
}

/* Skip one value, checking bracket nesting; if copy is set, append its text to
 * *copy (limited to MAX_META_BYTES). */
static int skip_value(struct rd *r, char **copy, size_t *clen, size_t *ccap)
{
	char *stack = NULL;
	size_t depth = 0, scap = 0;
	bool instr = false, esc = false, started = false;
	if (rd_ws(r) < 0) {
		rd_truncated(r);
		return -1;
	}
	for (;;) {
		if (r->pos == r->len && rd_refill(r) <= 0) {
			free(stack);
			if (!r->failed && started && depth == 0 && !instr)
				return 0;	/* a scalar ending at end of input */
			rd_truncated(r);
			return -1;
		}
		int c = r->buf[r->pos];
		if (!instr && depth == 0 && started &&
		    (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
			free(stack);
			return 0;
		}
		if (!started && (c == ',' || c == ']' || c == '}' || c == ':')) {
			free(stack);
			rd_unexpected(r, "a value");
			return -1;
		}
		started = true;
		if (copy) {
			if (*clen + 2 > MAX_META_BYTES) {
				free(stack);
				rd_fail(r, "\"%s\" is larger than %u bytes", r->where, MAX_META_BYTES);
				return -1;
			}
			if (grow_buf(copy, ccap, *clen + 2) < 0) {
				free(stack);
				rd_fail(r, "out of memory");
				return -1;
			}
			(*copy)[(*clen)++] = (char)c;
		}
		r->pos++;
		if (instr) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				instr = false;
			else if (c < 0x20) {
				r->pos--;
				free(stack);
				rd_unexpected(r, "a string character");
				return -1;
			}
		} else if (c == '"') {
			instr = true;
		} else if (c == '[' || c == '{') {
			if (depth >= MAX_DEPTH || grow_buf(&stack, &scap, depth + 1) < 0) {
				free(stack);
				rd_fail(r, "nesting too deep at byte %llu", rd_off(r));
				return -1;
			}
			stack[depth++] = (char)(c == '[' ? ']' : '}');
		} else if (c == ']' || c == '}') {
			if (depth == 0 || stack[depth - 1] != c) {
				r->pos--;
				free(stack);
				rd_unexpected(r, "a matching bracket");
				return -1;
			}
			depth--;
		}
		if (!instr && depth == 0 && (c == ']' || c == '}' || c == '"')) {
			free(stack);
			return 0;
		}
	}
}

/* ---- meta ---- */

static int field_index(json_t *fields, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(fields, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return (int)i;
	}
	return -1;
}

/* Copy the type names list at types[idx] into names[]; returns the count. */
static int type_names(json_t *types, int idx, char **names, const char *what, char *err, size_t errlen)
{
	json_t *list = json_array_get(types, (size_t)idx);
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > HEAP_MAX_TYPES) {
		snprintf(err, errlen, "meta: %s[%d] is not a list of type names", what, idx);
		return -1;
	}
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "meta: %s[%d] is not a list of type names", what, idx);
			return -1;
		}
		names[i] = strdup(json_string_value(v));
		if (!names[i]) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return (int)json_array_size(list);
}

static int type_find(char **names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int get_count(json_t *snap, const char *key, uint32_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(snap, key);
	if (!v) {
		snprintf(err, errlen, "meta: missing \"%s\"", key);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)UINT32_MAX - 1) {
		snprintf(err, errlen, "meta: \"%s\" is not a count", key);
		return -1;
	}
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

/* Interpret the "snapshot" object and allocate the columns. */
static int meta_apply(struct loader *L, json_t *snap, char *err, size_t errlen)
{
	heap_snapshot *s = L->s;
	json_t *meta = json_object_get(snap, "meta");
	if (!json_is_object(snap) || !json_is_object(meta)) {
		snprintf(err, errlen, "not a heap snapshot: \"snapshot\" has no \"meta\" object");
		return -1;
	}
	static const char *const keys[] = { "node_fields", "node_types", "edge_fields", "edge_types" };
	json_t *arr[4];
	for (int i = 0; i < 4; i++) {
		arr[i] = json_object_get(meta, keys[i]);
		if (!json_is_array(arr[i])) {
			snprintf(err, errlen, "meta: missing \"%s\"", keys[i]);
			return -1;
		}
	}
	json_t *nfields = arr[0], *ntypes = arr[1], *efields = arr[2], *etypes = arr[3];
	L->nf = (int)json_array_size(nfields);
	L->ef = (int)json_array_size(efields);
	if (L->nf > MAX_FIELDS || L->ef > MAX_FIELDS) {
		snprintf(err, errlen, "meta: more than %d fields per record", MAX_FIELDS);
		return -1;
	}
	static const char *const nreq[] = { "type", "name", "id", "self_size", "edge_count" };
	int *nidx[] = { &L->f_type, &L->f_name, &L->f_id, &L->f_self, &L->f_ecount };
	for (int i = 0; i < 5; i++) {
		*nidx[i] = field_index(nfields, nreq[i]);
		if (*nidx[i] < 0) {
			snprintf(err, errlen, "meta: node_fields lacks \"%s\"", nreq[i]);
			return -1;
		}
	}
	L->f_detached = field_index(nfields, "detachedness");
	json_t *lfields = json_object_get(meta, "location_fields");
	L->l_object = 0, L->l_script = 1, L->l_line = 2, L->l_col = 3;
	if (json_is_array(lfields) && json_array_size(lfields) == 4) {
		L->l_object = field_index(lfields, "object_index");
		L->l_script = field_index(lfields, "script_id");
		L->l_line = field_index(lfields, "line");
		L->l_col = field_index(lfields, "column");
		if (L->l_object < 0 || L->l_script < 0 || L->l_line < 0 || L->l_col < 0) {
			snprintf(err, errlen, "meta: location_fields lacks one of object_index, script_id, line, column");
			return -1;
		}
	}
	static const char *const ereq[] = { "type", "name_or_index", "to_node" };
	int *eidx[] = { &L->g_type, &L->g_name, &L->g_to };
	for (int i = 0; i < 3; i++) {
		*eidx[i] = field_index(efields, ereq[i]);
		if (*eidx[i] < 0) {
			snprintf(err, errlen, "meta: edge_fields lacks \"%s\"", ereq[i]);
			return -1;
		}
	}
	s->ntypes_node = type_names(ntypes, L->f_type, s->node_type_name, "node_types", err, errlen);
	if (s->ntypes_node < 0)
		return -1;
	s->ntypes_edge = type_names(etypes, L->g_type, s->edge_type_name, "edge_types", err, errlen);
	if (s->ntypes_edge < 0)
		return -1;
	s->t.n_hidden = type_find(s->node_type_name, s->ntypes_node, "hidden");
	s->t.n_object = type_find(s->node_type_name, s->ntypes_node, "object");
	s->t.n_native = type_find(s->node_type_name, s->ntypes_node, "native");
	s->t.n_code = type_find(s->node_type_name, s->ntypes_node, "code");
	s->t.n_synthetic = type_find(s->node_type_name, s->ntypes_node, "synthetic");
	s->t.e_weak = type_find(s->edge_type_name, s->ntypes_edge, "weak");
	s->t.e_shortcut = type_find(s->edge_type_name, s->ntypes_edge, "shortcut");
	s->t.e_element = type_find(s->edge_type_name, s->ntypes_edge, "element");
	s->t.e_hidden = type_find(s->edge_type_name, s->ntypes_edge, "hidden");
	/* DevTools: element and hidden edges are named by a number, the rest by a string */
	for (int i = 0; i < s->ntypes_edge; i++)
		L->str_named[i] = s->edge_str_named[i] = i != s->t.e_element && i != s->t.e_hidden;

	if (get_count(snap, "node_count", &s->node_count, err, errlen) < 0 ||
	    get_count(snap, "edge_count", &s->edge_count, err, errlen) < 0)
		return -1;
	if (s->node_count == 0) {
		snprintf(err, errlen, "meta: node_count is 0 (a snapshot has at least the root)");
		return -1;
	}
	if (s->node_count > INT32_MAX / 2) {
		snprintf(err, errlen, "meta: node_count %u is too large", s->node_count);
		return -1;
	}
	/* every value takes at least two bytes of text ("0,"): a count the input
	 * cannot hold is a lie, and we must not allocate for it */
	if (L->insize) {
		if ((uint64_t)s->node_count * (uint64_t)L->nf * 2 > L->insize + 1) {
			snprintf(err, errlen, "meta: node_count %u does not fit in a %llu-byte file",
				 s->node_count, (unsigned long long)L->insize);
			return -1;
		}
		if ((uint64_t)s->edge_count * (uint64_t)L->ef * 2 > L->insize + 1) {
			snprintf(err, errlen, "meta: edge_count %u does not fit in a %llu-byte file",
				 s->edge_count, (unsigned long long)L->insize);
			return -1;
		}
	}
	json_t *ri = json_object_get(snap, "root_index");
	if (ri) {
		if (!json_is_integer(ri) || json_integer_value(ri) < 0 ||
		    json_integer_value(ri) % L->nf != 0 ||
		    (uint64_t)json_integer_value(ri) / (uint64_t)L->nf >= s->node_count) {
			snprintf(err, errlen, "meta: root_index is not a node");
			return -1;
		}
		s->root = (uint32_t)(json_integer_value(ri) / L->nf);
	}
	size_t n = s->node_count, e = s->edge_count;
	s->node_type = heap_big_malloc(n);
	s->node_name = heap_big_malloc(n * sizeof *s->node_name);
	s->node_id = heap_big_malloc(n * sizeof *s->node_id);
	s->node_self = heap_big_malloc(n * sizeof *s->node_self);
	s->first_edge = heap_big_calloc(n + 1, sizeof *s->first_edge);
	s->edge_type = heap_big_malloc(e ? e : 1);
	s->edge_to = heap_big_malloc((e ? e : 1) * sizeof *s->edge_to);
	s->edge_name = heap_big_malloc((e ? e : 1) * sizeof *s->edge_name);
	if (L->f_detached >= 0 && !(s->node_detached = heap_big_calloc(n ? n : 1, 1))) {
		snprintf(err, errlen, "out of memory for %zu nodes", n);
		return -1;
	}
	if (!s->node_type || !s->node_name || !s->node_id || !s->node_self || !s->first_edge ||
	    !s->edge_type || !s->edge_to || !s->edge_name) {
		snprintf(err, errlen, "out of memory for %zu nodes and %zu edges", n, e);
		return -1;
	}
	L->have_meta = true;
	return 0;
}

/* ---- big columns ---- */

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Advise the whole 2 MiB pages inside [p, p + n): where the kernel's
 * transparent huge pages are "madvise" (Debian's default) a fault there then
 * maps 2 MiB at once.  Advice only: an error, or a kernel without THP,
 * leaves 4 KiB pages. */
static void *huge_advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	if (p && n >= 2 * HUGE_PAGE) {
		uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
		if (hi > lo)
			madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	}
#endif
	return p;
}

void *heap_big_malloc(size_t n)
{
	return huge_advise(malloc(n), n);
}

void *heap_big_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	return huge_advise(calloc(count, size), count * size);
}

/* ---- records ---- */

/* Validate and store node record i; message without position on error. */
static int store_node(struct loader *L, uint32_t i, const uint64_t *rec, char *err, size_t errlen)
{
	heap_snapshot *s = L->s;
	uint64_t type = rec[L->f_type], name = rec[L->f_name], id = rec[L->f_id];
	uint64_t ec = rec[L->f_ecount];
	if (type >= (uint64_t)s->ntypes_node) {
		snprintf(err, errlen, "node %u: type %llu out of range (%d node types)", i,
			 (unsigned long long)type, s->ntypes_node);
		return -1;
	}
	if (name > UINT32_MAX || id > UINT32_MAX) {
		snprintf(err, errlen, "node %u: name or id out of range", i);
		return -1;
	}
	uint64_t next = (uint64_t)s->first_edge[i] + ec;
	if (next > s->edge_count) {
		snprintf(err, errlen, "node %u: edge_count fields add up to more than edge_count (%u)", i,
			 s->edge_count);
		return -1;
	}
	s->node_type[i] = (uint8_t)type;
	s->node_name[i] = (uint32_t)name;
	s->node_id[i] = (uint32_t)id;
	s->node_self[i] = rec[L->f_self];
	if (s->node_detached)
		s->node_detached[i] = rec[L->f_detached] > 2 ? 0 : (uint8_t)rec[L->f_detached];
	s->first_edge[i + 1] = (uint32_t)next;
	if (!L->any_node_name || name > L->max_node_name)
		L->max_node_name = name;
	L->any_node_name = true;
	return 0;
}

static int store_edge(struct loader *L, uint32_t i, const uint64_t *rec, char *err, size_t errlen)
{
	heap_snapshot *s = L->s;
	uint64_t type = rec[L->g_type], name = rec[L->g_name], to = rec[L->g_to];
	if (type >= (uint64_t)s->ntypes_edge) {
		snprintf(err, errlen, "edge %u: type %llu out of range (%d edge types)", i,
			 (unsigned long long)type, s->ntypes_edge);
		return -1;
	}
	/* one division per edge, 32-bit when the value fits (it always does in
	 * practice): two 64-bit ones were a twentieth of the whole load */
	uint64_t q = to <= UINT32_MAX ? (uint32_t)to / (uint32_t)L->nf : to / (uint64_t)L->nf;
	if (q * (uint64_t)L->nf != to || q >= s->node_count) {
		snprintf(err, errlen, "edge %u: to_node %llu is not a node (node fields %d, node_count %u)", i,
			 (unsigned long long)to, L->nf, s->node_count);
		return -1;
	}
	if (L->str_named[type]) {
		if (!L->any_edge_name || name > L->max_edge_name)
			L->max_edge_name = name;
		L->any_edge_name = true;
	}
	s->edge_type[i] = (uint8_t)type;
	s->edge_to[i] = (uint32_t)q;
	s->edge_name[i] = name > UINT32_MAX ? UINT32_MAX : (uint32_t)name;
	return 0;
}

/* Stream one of the integer arrays ("nodes" or "edges") into the columns. */
static int parse_ints(struct rd *r, struct loader *L, bool edges)
{
	heap_snapshot *s = L->s;
	int nf = edges ? L->ef : L->nf;
	uint64_t want = edges ? s->edge_count : s->node_count;
	uint64_t rec[MAX_FIELDS];
	uint64_t nrec = 0;
	int k = 0;
	char msg[200];
	if (rd_expect(r, '[', "'['") < 0)
		return -1;
	int c = rd_ws(r);
	if (c == ']') {
		r->pos++;
		goto done;
	}
	if (nf == 0) {
		rd_fail(r, "meta: no %s fields but \"%s\" is not empty", edges ? "edge" : "node", r->where);
		return -1;
	}
	for (;;) {
		/* Fast path, on locals: values well inside the buffer, each a plain
		 * number and its separator.  Anything unusual (the buffer's end, a
		 * bad byte, a long number, one value too many) leaves p at the
		 * value's start for the careful code below, which reports it. */
		const unsigned char *p = r->buf + r->pos, *end = r->buf + r->len;
		while (end - p >= 64 && nrec < want) {
			const unsigned char *q = p;
			unsigned d = (unsigned)(*q - '0');
			uint64_t v = 0;
			while (d <= 9 && q - p < 19) {
				v = v * 10 + d;
				d = (unsigned)(*++q - '0');
			}
			if (q == p || d <= 9)
				break;
			while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')
				if (++q == end)
					goto slow;
			if (*q != ',' && *q != ']')
				break;
			rec[k++] = v;
			if (k == nf) {
				int rc = edges ? store_edge(L, (uint32_t)nrec, rec, msg, sizeof msg)
					       : store_node(L, (uint32_t)nrec, rec, msg, sizeof msg);
				if (rc < 0) {
					r->pos = (size_t)(q - r->buf);
					rd_fail(r, "%s (byte %llu inside \"%s\")", msg, rd_off(r), r->where);
					return -1;
				}
				nrec++;
				k = 0;
			}
			if (*q == ']') {
				r->pos = (size_t)(q + 1 - r->buf);
				goto done;
			}
			q++;
			while (q < end && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
				q++;
			p = q;
		}
slow:
		r->pos = (size_t)(p - r->buf);
		/* a number: digits only, V8 writes no signs, fractions or exponents */
		if (r->pos == r->len && rd_refill(r) <= 0) {
			rd_truncated(r);
			return -1;
		}
		if ((unsigned)(r->buf[r->pos] - '0') > 9) {
			rd_unexpected(r, "a non-negative integer");
			return -1;
		}
		uint64_t v = 0;
		int nd = 0;
		for (;;) {
			const unsigned char *dp = r->buf + r->pos, *dend = r->buf + r->len;
			while (dp < dend) {
				unsigned d = (unsigned)(*dp - '0');
				if (d > 9)
					break;
				v = v * 10 + d;
				dp++;
				nd++;
			}
			r->pos = (size_t)(dp - r->buf);
			if (dp < dend)
				break;
			int rc = rd_refill(r);
			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
		}
		if (nd > 19) {
			rd_fail(r, "number too large before byte %llu inside \"%s\"", rd_off(r), r->where);
			return -1;
		}
		if (nrec == want) {
			rd_fail(r, "\"%s\" holds more than the %llu records the meta announces (byte %llu)",
				r->where, (unsigned long long)want, rd_off(r));
			return -1;
		}
		/* the number is complete only once a separator follows: a file cut
		 * inside it must say "truncated", not complain about the value */
		c = rd_ws(r);
		if (c < 0) {
			rd_truncated(r);
			return -1;
		}
		rec[k++] = v;
		if (k == nf) {
			int rc = edges ? store_edge(L, (uint32_t)nrec, rec, msg, sizeof msg)
				       : store_node(L, (uint32_t)nrec, rec, msg, sizeof msg);
			if (rc < 0) {
				rd_fail(r, "%s (byte %llu inside \"%s\")", msg, rd_off(r), r->where);
				return -1;
			}
			nrec++;
			k = 0;
		}
		r->pos++;
		if (c == ']')
			break;
		if (c != ',') {
			r->pos--;
			rd_unexpected(r, "',' or ']'");
			return -1;
		}
		if (rd_ws(r) < 0) {
			rd_truncated(r);
			return -1;
		}
	}
done:
	if (k != 0 || nrec != want) {
		rd_fail(r, "\"%s\" holds %llu values, the meta announces %llu records of %d (byte %llu)",
			r->where, (unsigned long long)(nrec * (uint64_t)nf + (uint64_t)k),
			(unsigned long long)want, nf, rd_off(r));
		return -1;
	}
	return 0;
}

/* ---- the ranged reader ---- */

/* Give back the whole pages of our file mapping inside [a, b): they were
 * read, and a mapped file's pages count in our RSS until dropped.  A page
 * read again later is found in the page cache (private, never written:
 * the kernel maps the file's page again). */
static void drop_range(const struct loader *L, const unsigned char *a, const unsigned char *b)
{
	if (!L->drop)
		return;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)a + pg - 1) & ~(pg - 1), hi = (uintptr_t)b & ~(pg - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* The offset of the first ']' at or after pos, SIZE_MAX when none.  In a
 * valid snapshot "nodes" and "edges" hold only digits, commas and
 * whitespace, so that ']' closes the array; anything else in between makes
 * ints_ranged fail, and the careful reader then names the problem. */
static size_t find_close(const struct loader *L, size_t pos, size_t len)
{
	const unsigned char *p = L->in + pos, *end = L->in + len;
	while (p < end) {
		size_t n = (size_t)(end - p) < DROP_STEP ? (size_t)(end - p) : DROP_STEP;
		const unsigned char *q = memchr(p, ']', n);
		if (q)
			return (size_t)(q - L->in);
		drop_range(L, p, p + n);
		p += n;
	}
	return SIZE_MAX;
}

/* The number of 1 to 7 digits at p, from the 8 bytes there in one word (a
 * number's length varies from value to value: a loop per digit mispredicts
 * its exit about once a number), in *v; its length, or 0 when p starts with
 * no digit or 8 or more (the caller's loop then reads it).  Little-endian:
 * p[0] is the low byte.  Subtracting '0' from every byte borrows only into
 * the bytes after the first non-digit, and so does the carry of the test
 * for 0..9, so the mask's lowest set bit is exact; shifting the digits to
 * the top leaves zeros before them, and three multiplications fold the
 * bytes pairwise into the value. */
static inline int number_word(const unsigned char *p, uint64_t *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t t;
	memcpy(&t, p, 8);
	t -= 0x3030303030303030ull;
	uint64_t m = ((t + 0x7676767676767676ull) | t) & 0x8080808080808080ull;
	if (!m)
		return 0;
	int len = __builtin_ctzll(m) >> 3;
	if (!len)
		return 0;
	t <<= 8 * (8 - len);
	t = ((t * (1 + (10u << 8))) >> 8) & 0x00ff00ff00ff00ffull;
	t = ((t * (1 + (100u << 16))) >> 16) & 0x0000ffff0000ffffull;
	*v = (t * (1 + (10000ull << 32))) >> 32;
	return len;
#else
	(void)p, (void)v;
	return 0;
#endif
}

/* The number at p, read a word at a time when 8 bytes may be read there
 * (word), else digit by digit up to limit: the byte after it, or NULL where
 * there is no number (p at limit, no digit, 20 digits or more, or its end
 * not before limit). The ranged readers' one number reader. */
static inline const unsigned char *number_at(const unsigned char *p, const unsigned char *limit,
					     bool word, uint64_t *v)
{
	int len = word ? number_word(p, v) : 0;
	if (len)
		return p + len;
	/* near the input's end, or 8 digits or more */
	const unsigned char *q = p;
	if (q == limit)
		return NULL;
	uint64_t x = 0;
	unsigned d = (unsigned)(*q - '0');
	while (d <= 9 && q - p < 19 && q + 1 < limit) {
		x = x * 10 + d;
		d = (unsigned)(*++q - '0');
	}
	if (q == p || d <= 9)
		return NULL;
	*v = x;
	return q;
}

static inline bool is_ws(int c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Parse the values of "nodes" or "edges" between in[lo] (after '[') and
 * in[hi] (its ']', which ends every scan below) into the columns: numbers
 * of 1 to 19 digits, separated by commas, whitespace around them.  0, or -1
 * on anything else -- no message: the caller loads again with the careful
 * reader, which says what is wrong and where.  hi SIZE_MAX: the ']' is not
 * known yet (the edges' worker starts before the walk has found it); the
 * parse then stops after the last record, which must be followed by a ']',
 * its offset left in L->edges_stop for the caller to compare, and the
 * scans are bounded by the input's end instead. */
static int ints_ranged(struct loader *L, size_t lo, size_t hi, bool edges)
{
	heap_snapshot *s = L->s;
	bool open_end = hi == SIZE_MAX;
	const unsigned char *p = L->in + lo, *end = open_end ? NULL : L->in + hi, *dropped = p;
	/* the scans read below limit: the input's end, or past the ']' */
	const unsigned char *limit = open_end ? L->in + L->insize : end + 1;
	const unsigned char *next_drop = p + DROP_STEP;
	int nf = edges ? L->ef : L->nf;
	uint64_t want = edges ? s->edge_count : s->node_count;
	uint64_t rec[MAX_FIELDS], nrec = 0;
	int k = 0;
	char msg[200];
	while (p < limit && is_ws(*p))
		p++;
	if (p == end || p == limit || (open_end && *p == ']')) {
		L->edges_stop = (size_t)(p - L->in);
		return want == 0 && (!open_end || p < limit) ? 0 : -1;
	}
	if (nf == 0)
		return -1;
	/* a word of 8 bytes can be read at offsets up to last8 */
	bool word = L->insize >= 8;
	size_t last8 = word ? (size_t)L->insize - 8 : 0;
	for (;;) {
		uint64_t v = 0;
		const unsigned char *q = number_at(p, limit, word && (size_t)(p - L->in) <= last8, &v);
		if (!q)
			return -1;
		if (nrec == want)
			return -1;
		rec[k++] = v;
		if (k == nf) {
			int rc = edges ? store_edge(L, (uint32_t)nrec, rec, msg, sizeof msg)
				       : store_node(L, (uint32_t)nrec, rec, msg, sizeof msg);
			if (rc < 0)
				return -1;
			nrec++;
			k = 0;
			if (q >= next_drop) {
				drop_range(L, dropped, q);
				dropped = q;
				next_drop = q + DROP_STEP;
			}
		}
		while (q < limit && is_ws(*q))
			q++;
		if (q == end)
			break;
		if (open_end && k == 0 && nrec == want) {
			/* the last record: its ']' must follow, where the walk finds it */
			if (q == limit || *q != ']')
				return -1;
			L->edges_stop = (size_t)(q - L->in);
			end = q;
			break;
		}
		if (q == limit || *q != ',')
			return -1;	/* (in a known range, q < end here) */
		q++;
		while (q < limit && is_ws(*q))
			q++;
		p = q;
	}
	drop_range(L, dropped, end);
	return k == 0 && nrec == want ? 0 : -1;
}

static void *edges_worker(void *arg)
{
	struct loader *W = arg;
	W->worker_rc = ints_ranged(W, W->edges_lo, W->edges_hi, true);
	return NULL;
}

/* "nodes" or "edges" in the walk of the ranged reader: find the array's
 * end and step over it; the edges start parsing on the worker first, while
 * this thread looks for their end (a tenth of a second at 400 MB that the
 * worker, the longer of the two, would otherwise wait for). */
static int locate_ints(struct rd *r, struct loader *L, bool edges)
{
	if (rd_expect(r, '[', "'['") < 0)
		return -1;
	/* the array holds count x fields numbers: in a valid file at least a
	 * digit each and a comma between, so its ']' lies that far on or
	 * further.  The search starts there (a third of "edges" at 400 MB not
	 * read twice); a ']' before would be in the range the parse reads,
	 * which fails on it, and the careful reader names it. */
	uint64_t nv = L->have_meta ? (uint64_t)(edges ? L->s->edge_count : L->s->node_count) *
					     (uint64_t)(edges ? L->ef : L->nf)
				   : 0;
	size_t from = r->pos;
	if (nv && 2 * nv - 1 <= (uint64_t)(r->len - r->pos))
		from += (size_t)(2 * nv - 1);
	if (edges && L->threads && (L->job = malloc(sizeof *L->job))) {
		/* the worker's copy does not know the end: it stops after the
		 * last record, and ints_finish checks that it stopped here */
		*L->job = *L;
		L->job->edges_lo = r->pos, L->job->edges_hi = SIZE_MAX;
		if (pthread_create(&L->worker, NULL, edges_worker, L->job) == 0) {
			L->worker_on = true;
		} else {
			free(L->job);
			L->job = NULL;
		}
	}
	size_t close = find_close(L, from, r->len);
	if (close == SIZE_MAX) {
		rd_fail(r, "no ']' after byte %llu", rd_off(r));
		return -1;
	}
	if (edges)
		L->edges_lo = r->pos, L->edges_hi = close;
	else
		L->nodes_lo = r->pos, L->nodes_hi = close;
	r->pos = close + 1;
	return 0;
}

/* After the walk: the nodes here, the edges' worker joined (or the edges
 * parsed here when there is none).  Called on every path once the walk
 * began, so that no worker outlives the load. */
static int ints_finish(struct loader *L, int rc)
{
	if (rc == 0 && L->have_nodes)
		rc = ints_ranged(L, L->nodes_lo, L->nodes_hi, false);
	if (L->worker_on) {
		pthread_join(L->worker, NULL);
		L->worker_on = false;
		if (L->job->worker_rc < 0 || L->job->edges_stop != L->edges_hi)
			rc = -1;
		L->max_edge_name = L->job->max_edge_name;
		L->any_edge_name = L->job->any_edge_name;
		free(L->job);
		L->job = NULL;
	} else if (rc == 0 && L->have_edges) {
		rc = ints_ranged(L, L->edges_lo, L->edges_hi, true);
	}
	return rc;
}

/* Append one string (already unescaped UTF-8 of length n) to the table. */
static int strings_add(struct loader *L, const char *str, size_t n)
{
	heap_snapshot *s = L->s;
	if (s->string_count + 2 > L->strings_cap) {
		uint32_t cap = L->strings_cap ? L->strings_cap * 2 : 1024;
		if (cap < L->strings_cap)
			return -1;
		uint32_t *no = realloc(s->string_off, (size_t)cap * sizeof *no);
		if (!no)
			return -1;
		s->string_off = no;
		L->strings_cap = cap;
		if (s->string_count == 0)
			s->string_off[0] = 0;
	}
	if (L->sdata_len + n + 1 > UINT32_MAX)
		return -1;
	if (grow_buf(&s->string_data, &L->sdata_cap, L->sdata_len + n + 1) < 0)
		return -1;
	memcpy(s->string_data + L->sdata_len, str, n);
	L->sdata_len += n;
	s->string_data[L->sdata_len++] = '\0';
	s->string_off[++s->string_count] = (uint32_t)L->sdata_len;
	return 0;
}

/* '[' and, for an empty array, ']': 1 when empty, 0 when items follow, -1. */
static int rd_array_open(struct rd *r)
{
	if (rd_expect(r, '[', "'['") < 0)
		return -1;
	if (rd_ws(r) != ']')
		return 0;
	r->pos++;
	return 1;
}

/* Bytes a string literal may hold as they are: printable ASCII but '"' and
 * '\\' (what unescaping leaves unchanged). */
static const uint8_t plain_byte[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,	/* not '"' (0x22), '\\' (0x5c) */
};

/* The literal at in[pos] (its opening quote) when it is plain ASCII, the
 * common case: added to the table straight from the input, its end in
 * *next; 0 when it is not (the caller then reads it the general way),
 * -1 when out of memory. */
static int plain_string(struct loader *L, const unsigned char *in, size_t pos, size_t len, size_t *next)
{
	const unsigned char *p = in + pos + 1, *q = p, *end = in + len;
	while (q < end && plain_byte[*q])
		q++;
	if (q == end || *q != '"')
		return 0;
	size_t n = (size_t)(q - p);
	if (strings_add(L, (const char *)p, n < HEAP_STRING_KEEP ? n : HEAP_STRING_KEEP) < 0)
		return -1;
	*next = (size_t)(q + 1 - in);
	return 1;
}

static int parse_strings(struct rd *r, struct loader *L)
{
	char buf[HEAP_STRING_KEEP + 1];
	int c = rd_array_open(r);
	if (c != 0)
		return c < 0 ? -1 : 0;
	for (;;) {
		c = rd_ws(r);
		if (c < 0) {
			rd_truncated(r);
			return -1;
		}
		if (c != '"') {
			rd_unexpected(r, "a string");
			return -1;
		}
		/* in memory (the ranged reader): plain ASCII strings, most of them,
		 * without the copy into scratch and the unescaping */
		int pr = L->ranged && L->s->string_count < UINT32_MAX - 2 ? plain_string(L, r->buf, r->pos, r->len, &r->pos)
									    : 0;
		if (pr < 0) {
			rd_fail(r, "out of memory for strings");
			return -1;
		}
		if (pr > 0)
			goto next;
		unsigned long long at = rd_off(r);
		long n = read_literal(r, L);
		if (n < 0)
			return -1;
		long u = heap_json_unescape(L->scratch, (size_t)n, buf, sizeof buf);
		if (u < 0) {
			rd_fail(r, "bad escape in the string at byte %llu inside \"strings\"", at);
			return -1;
		}
		if (L->s->string_count >= UINT32_MAX - 2 || strings_add(L, buf, (size_t)u) < 0) {
			rd_fail(r, "out of memory for strings");
			return -1;
		}
next:
		c = rd_ws(r);
		if (c < 0) {
			rd_truncated(r);
			return -1;
		}
		r->pos++;
		if (c == ']')
			return 0;
		if (c != ',') {
			r->pos--;
			rd_unexpected(r, "',' or ']'");
			return -1;
		}
	}
}

/* Checks that need every section. */
static int finish(struct loader *L, char *err, size_t errlen)
{
	heap_snapshot *s = L->s;
	static const char *const names[] = { "snapshot", "nodes", "edges", "strings" };
	bool have[] = { L->have_meta, L->have_nodes, L->have_edges, L->have_strings };
	for (int i = 0; i < 4; i++) {
		if (!have[i]) {
			snprintf(err, errlen, "%smissing \"%s\"", i == 0 ? "not a heap snapshot: " : "", names[i]);
			return -1;
		}
	}
	if (s->first_edge[s->node_count] != s->edge_count) {
		snprintf(err, errlen, "the nodes' edge_count fields add up to %u, the meta announces %u edges",
			 s->first_edge[s->node_count], s->edge_count);
		return -1;
	}
	if (L->any_node_name && L->max_node_name >= s->string_count) {
		snprintf(err, errlen, "a node names string %llu, \"strings\" has %u",
			 (unsigned long long)L->max_node_name, s->string_count);
		return -1;
	}
	if (L->any_edge_name && L->max_edge_name >= s->string_count) {
		snprintf(err, errlen, "an edge names string %llu, \"strings\" has %u",
			 (unsigned long long)L->max_edge_name, s->string_count);
		return -1;
	}
	return 0;
}

/* After a value in an array or object: consume ',' (0) or the closing
 * character (1); -1 with a message otherwise. */
static int rd_separator(struct rd *r, int close, const char *what)
{
	int c = rd_ws(r);
	if (c < 0) {
		rd_truncated(r);
		return -1;
	}
	if (c != ',' && c != close) {
		rd_unexpected(r, what);
		return -1;
	}
	r->pos++;
	return c == close;
}

/* One non-negative integer (at most 19 digits) into *v. */
static int read_uint(struct rd *r, uint64_t *v)
{
	int nd = 0;
	*v = 0;
	for (;;) {
		if (r->pos == r->len && rd_refill(r) <= 0)
			break;
		unsigned d = (unsigned)(r->buf[r->pos] - '0');
		if (d > 9)
			break;
		if (++nd > 19) {
			rd_fail(r, "number too long at byte %llu inside \"%s\"", rd_off(r), r->where);
			return -1;
		}
		*v = *v * 10 + d;
		r->pos++;
	}
	if (nd == 0) {
		if (!r->failed && r->pos == r->len)
			rd_truncated(r);
		else
			rd_unexpected(r, "a non-negative integer");
		return -1;
	}
	return 0;
}

/* "locations": records of (object_index, script_id, line, column) in the
 * order location_fields gives, kept as (node ordinal, script, line, column)
 * for DevTools' class keys.  Few enough (one per JS object with a known
 * constructor) that the careful reader is fast enough. */
/* Check and store one location record (object_index, script_id, line,
 * column in the meta's order): 0, -1 when a field is out of range, -2 when
 * out of memory.  *cap is the room in s->loc, in records. */
static int store_location(struct loader *L, const uint64_t *rec, size_t *cap)
{
	heap_snapshot *s = L->s;
	uint64_t obj = rec[L->l_object];
	if (obj % (uint64_t)L->nf != 0 || obj / (uint64_t)L->nf >= s->node_count || rec[L->l_script] > UINT32_MAX ||
	    rec[L->l_line] > UINT32_MAX || rec[L->l_col] > UINT32_MAX)
		return -1;
	if (s->nloc == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		uint32_t *m = realloc(s->loc, nc * 4 * sizeof *m);
		if (!m)
			return -2;
		s->loc = m;
		*cap = nc;
	}
	uint32_t *dst = s->loc + 4 * (size_t)s->nloc++;
	/* scan-build: s->loc has room (grown just above), never NULL here */
	dst[0] = (uint32_t)(obj / (uint64_t)L->nf);
	dst[1] = (uint32_t)rec[L->l_script];
	dst[2] = (uint32_t)rec[L->l_line];
	dst[3] = (uint32_t)rec[L->l_col];
	return 0;
}

static int parse_locations(struct rd *r, struct loader *L)
{
	heap_snapshot *s = L->s;
	size_t cap = 0;
	uint64_t rec[4];
	int k = 0;
	int c = rd_array_open(r);
	if (c != 0)
		return c < 0 ? -1 : 0;
	for (;;) {
		if (rd_ws(r) < 0) {
			rd_truncated(r);
			return -1;
		}
		if (read_uint(r, &rec[k]) < 0)
			return -1;
		if (++k == 4) {
			int rc = store_location(L, rec, &cap);
			if (rc == -1) {
				rd_fail(r, "location %u: object_index %llu is not a node, or a field is out of range (byte %llu)",
					s->nloc, (unsigned long long)rec[L->l_object], rd_off(r));
				return -1;
			}
			if (rc < 0) {
				rd_fail(r, "out of memory for locations");
				return -1;
			}
			k = 0;
		}
		int sep = rd_separator(r, ']', "',' or ']'");
		if (sep < 0)
			return -1;
		if (sep)
			break;
	}
	if (k != 0) {
		rd_fail(r, "\"locations\" does not hold whole records of 4");
		return -1;
	}
	return 0;
}

/* "locations" in the ranged reader: numbers a word at a time as in
 * ints_ranged, the scans bounded by the input's end (the ']' is found as
 * the parse reaches it).  0, or -1 on anything unexpected, without a
 * message: the careful reader then loads the file again and names it. */
static int locations_ranged(struct rd *r, struct loader *L)
{
	const unsigned char *in = L->in, *limit = in + L->insize, *p;
	size_t cap = 0;
	uint64_t rec[4];
	int k = 0;
	if (rd_expect(r, '[', "'['") < 0)
		return -1;
	p = in + r->pos;
	while (p < limit && is_ws(*p))
		p++;
	if (p < limit && *p == ']') {
		r->pos = (size_t)(p + 1 - in);
		return 0;
	}
	for (;;) {
		uint64_t v = 0;
		const unsigned char *q = number_at(p, limit, L->insize >= 8 && (size_t)(p - in) <= L->insize - 8, &v);
		if (!q)
			return -1;
		rec[k++] = v;
		if (k == 4) {
			if (store_location(L, rec, &cap) < 0)
				return -1;
			k = 0;
		}
		while (q < limit && is_ws(*q))
			q++;
		if (q < limit && *q == ']' && k == 0) {
			r->pos = (size_t)(q + 1 - in);
			return 0;
		}
		if (q == limit || *q != ',')
			return -1;
		q++;
		while (q < limit && is_ws(*q))
			q++;
		p = q;
	}
}

static int parse_top(struct rd *r, struct loader *L)
{
	char key[64];
	char *meta = NULL;
	size_t mlen = 0, mcap = 0;
	int c = rd_ws(r);
	if (c < 0) {
		if (!r->failed)
			rd_fail(r, "empty file");
		return -1;
	}
	if (c != '{') {
		rd_fail(r, "not a heap snapshot: expected '{' at byte %llu", rd_off(r));
		return -1;
	}
	r->pos++;
	if (rd_ws(r) == '}') {
		rd_fail(r, "not a heap snapshot: missing \"snapshot\"");
		return -1;
	}
	for (;;) {
		c = rd_ws(r);
		if (c < 0) {
			rd_truncated(r);
			return -1;
		}
		if (c != '"') {
			rd_unexpected(r, "a key");
			return -1;
		}
		long n = read_literal(r, L);
		if (n < 0)
			return -1;
		if (heap_json_unescape(L->scratch, (size_t)n, key, sizeof key) < 0) {
			rd_fail(r, "bad key before byte %llu", rd_off(r));
			return -1;
		}
		if (rd_expect(r, ':', "':'") < 0)
			return -1;
		bool *seen = NULL;
		int rc;
		size_t value_at = r->pos;
		if (strcmp(key, "snapshot") == 0) {
			seen = &L->have_meta;
			if (*seen)
				goto dup;
			r->where = "snapshot";
			mlen = 0;
			rc = skip_value(r, &meta, &mlen, &mcap);
			if (rc == 0) {
				json_error_t je;
				json_t *j = json_loadb(meta, mlen, 0, &je);
				if (!j) {
					rd_fail(r, "bad \"snapshot\" object: %s", je.text);
					rc = -1;
				} else {
					char msg[200];
					rc = meta_apply(L, j, msg, sizeof msg);
					if (rc < 0)
						rd_fail(r, "%s", msg);
					json_decref(j);
				}
			}
			free(meta);
			meta = NULL;
			mcap = 0;
		} else if (strcmp(key, "nodes") == 0 || strcmp(key, "edges") == 0) {
			bool edges = key[0] == 'e';
			seen = edges ? &L->have_edges : &L->have_nodes;
			if (*seen)
				goto dup;
			if (!L->have_meta) {
				rd_fail(r, "\"%s\" comes before \"snapshot\" (byte %llu)", key, rd_off(r));
				return -1;
			}
			r->where = edges ? "edges" : "nodes";
			rc = L->ranged ? locate_ints(r, L, edges) : parse_ints(r, L, edges);
		} else if (strcmp(key, "locations") == 0 && L->have_meta && !L->s->loc) {
			r->where = "locations";
			rc = L->ranged ? locations_ranged(r, L) : parse_locations(r, L);
		} else if (strcmp(key, "strings") == 0) {
			seen = &L->have_strings;
			if (*seen)
				goto dup;
			r->where = "strings";
			rc = parse_strings(r, L);
		} else {
			/* trace_function_infos, trace_tree, samples, locations, future keys */
			r->where = "(skipped section)";
			rc = skip_value(r, NULL, NULL, NULL);
		}
		if (rc < 0)
			return -1;
		if (seen)
			*seen = true;
		if (L->ranged && r->where[0] != 'n' && r->where[0] != 'e')
			drop_range(L, r->buf + value_at, r->buf + r->pos);
		r->where = NULL;
		int sep = rd_separator(r, '}', "',' or '}'");
		if (sep < 0)
			return -1;
		if (sep)
			break;
	}
	if (rd_ws(r) >= 0) {
		rd_fail(r, "trailing data at byte %llu", rd_off(r));
		return -1;
	}
	if (r->failed)
		return -1;
	return 0;
dup:
	rd_fail(r, "\"%s\" appears twice (byte %llu)", key, rd_off(r));
	return -1;
}

static heap_snapshot *load_common(struct rd *r, uint64_t insize)
{
	struct loader L = { 0 };
	L.s = calloc(1, sizeof *L.s);
	if (!L.s) {
		rd_fail(r, "out of memory");
		return NULL;
	}
	L.insize = insize;
	int rc = parse_top(r, &L);
	char msg[200];
	if (rc == 0 && finish(&L, msg, sizeof msg) < 0) {
		rd_fail(r, "%s", msg);
		rc = -1;
	}
	free(L.scratch);
	if (rc < 0) {
		heap_snapshot_free(L.s);
		return NULL;
	}
	return L.s;
}

/* In-memory input (a file mapping when drop is set): the ranged reader,
 * and when it fails for any reason the careful one from the start, whose
 * result and message are then the answer.  The ranged reader accepts a
 * subset of what the careful one does and stores the same columns through
 * the same store_* checks, so either way the outcome is the careful
 * reader's. */
static heap_snapshot *load_ranged(const unsigned char *data, size_t size, bool drop, bool threads, char *err,
				  size_t errlen)
{
	char scratch_err[200];
	struct rd r = { .fd = -1, .buf = data, .len = size, .err = scratch_err, .errlen = sizeof scratch_err };
	struct loader L = { .ranged = true, .in = data, .drop = drop, .threads = threads, .insize = size };
	L.s = calloc(1, sizeof *L.s);
	if (L.s) {
		int rc = ints_finish(&L, parse_top(&r, &L));
		if (rc == 0 && finish(&L, scratch_err, sizeof scratch_err) == 0) {
			free(L.scratch);
			return L.s;
		}
		heap_snapshot_free(L.s);
	}
	free(L.scratch);
	struct rd careful = { .fd = -1, .buf = data, .len = size, .err = err, .errlen = errlen };
	return load_common(&careful, size);
}

heap_snapshot *heap_snapshot_load_mem(const void *data, size_t size, char *err, size_t errlen)
{
	return load_ranged(data, size, false, size >= PARALLEL_MIN, err, errlen);
}

heap_snapshot *heap_snapshot_load_mem_threaded(const void *data, size_t size, char *err, size_t errlen)
{
	return load_ranged(data, size, false, true, err, errlen);
}

/* The benchmark baseline: jansson parses the whole file into a DOM, then the
 * same store_* functions fill the columns. */
static heap_snapshot *load_jansson(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		snprintf(err, errlen, "%s at byte %d", je.text, je.position);
		return NULL;
	}
	struct loader L = { 0 };
	heap_snapshot *s = L.s = calloc(1, sizeof *L.s);
	char msg[200];
	const char *sec[] = { "nodes", "edges" };
	if (!s) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	json_t *snap = json_object_get(root, "snapshot");
	if (!snap) {
		snprintf(err, errlen, "not a heap snapshot: missing \"snapshot\"");
		goto fail;
	}
	if (meta_apply(&L, snap, err, errlen) < 0)
		goto fail;
	for (int w = 0; w < 2; w++) {
		json_t *a = json_object_get(root, sec[w]);
		int nf = w ? L.ef : L.nf;
		uint64_t want = w ? s->edge_count : s->node_count;
		if (!json_is_array(a)) {
			snprintf(err, errlen, "missing \"%s\"", sec[w]);
			goto fail;
		}
		if (json_array_size(a) != want * (uint64_t)nf) {
			snprintf(err, errlen, "\"%s\" holds %zu values, the meta announces %llu records of %d",
				 sec[w], json_array_size(a), (unsigned long long)want, nf);
			goto fail;
		}
		uint64_t rec[MAX_FIELDS];
		for (uint64_t i = 0; i < want; i++) {
			for (int k = 0; k < nf; k++) {
				json_t *v = json_array_get(a, (size_t)(i * (uint64_t)nf + (uint64_t)k));
				if (!json_is_integer(v) || json_integer_value(v) < 0) {
					snprintf(err, errlen, "\"%s\" holds a value that is not a non-negative integer",
						 sec[w]);
					goto fail;
				}
				rec[k] = (uint64_t)json_integer_value(v);
			}
			int rc = w ? store_edge(&L, (uint32_t)i, rec, msg, sizeof msg)
				   : store_node(&L, (uint32_t)i, rec, msg, sizeof msg);
			if (rc < 0) {
				snprintf(err, errlen, "%s", msg);
				goto fail;
			}
		}
	}
	L.have_nodes = L.have_edges = true;
	json_t *strs = json_object_get(root, "strings");
	if (json_is_array(strs)) {
		size_t i;
		json_t *v;
		json_array_foreach(strs, i, v) {
			if (!json_is_string(v)) {
				snprintf(err, errlen, "\"strings\" holds a value that is not a string");
				goto fail;
			}
			const unsigned char *str = (const unsigned char *)json_string_value(v);
			size_t n = json_string_length(v);
			if (n > HEAP_STRING_KEEP) {
				n = HEAP_STRING_KEEP;
				while (n > 0 && (str[n] & 0xc0) == 0x80)
					n--;	/* cut on a character boundary */
			}
			if (strings_add(&L, (const char *)str, n) < 0) {
				snprintf(err, errlen, "out of memory for strings");
				goto fail;
			}
		}
		L.have_strings = true;
	}
	json_t *locs = json_object_get(root, "locations");
	if (json_is_array(locs) && json_array_size(locs) % 4 == 0) {
		size_t nl = json_array_size(locs) / 4;
		s->loc = malloc((nl ? nl : 1) * 4 * sizeof *s->loc);
		if (!s->loc) {
			snprintf(err, errlen, "out of memory for locations");
			goto fail;
		}
		int lf[4] = { L.l_object, L.l_script, L.l_line, L.l_col };
		for (size_t i = 0; i < nl; i++) {
			json_int_t v[4];
			for (int k = 0; k < 4; k++)
				v[k] = json_integer_value(json_array_get(locs, 4 * i + (size_t)lf[k]));
			if (v[0] < 0 || v[0] % L.nf != 0 || (uint64_t)v[0] / (uint64_t)L.nf >= s->node_count || v[1] < 0 ||
			    v[2] < 0 || v[3] < 0 || v[1] > UINT32_MAX || v[2] > UINT32_MAX || v[3] > UINT32_MAX) {
				snprintf(err, errlen, "location %zu: object_index is not a node, or a field is out of range", i);
				goto fail;
			}
			uint32_t *d = s->loc + 4 * (size_t)s->nloc++;
			d[0] = (uint32_t)(v[0] / L.nf);
			d[1] = (uint32_t)v[1];
			d[2] = (uint32_t)v[2];
			d[3] = (uint32_t)v[3];
		}
	}
	if (finish(&L, err, errlen) < 0)
		goto fail;
	json_decref(root);
	return s;
fail:
	json_decref(root);
	heap_snapshot_free(s);
	return NULL;
}

heap_snapshot *heap_snapshot_load(const char *path, heap_parser parser, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory");
		close(fd);
		return NULL;
	}
	if (parser == HEAP_PARSER_JANSSON) {
		close(fd);
		return load_jansson(path, err, errlen);
	}
	if (parser == HEAP_PARSER_STREAM && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		size_t size = (size_t)st.st_size;
		void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			close(fd);
			madvise(map, size, MADV_SEQUENTIAL);
			heap_snapshot *s = load_ranged(map, size, true, size >= PARALLEL_MIN, err, errlen);
			munmap(map, size);
			return s;
		}
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	struct rd r = { .fd = fd, .err = err, .errlen = errlen };
	r.own = malloc(RD_BUFSZ);
	if (!r.own) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r.buf = r.own;
	heap_snapshot *s = load_common(&r, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
	free(r.own);
	close(fd);
	return s;
}

void heap_snapshot_free(heap_snapshot *s)
{
	if (!s)
		return;
	free(s->node_type);
	free(s->node_name);
	free(s->node_id);
	free(s->node_self);
	free(s->first_edge);
	free(s->edge_type);
	free(s->edge_to);
	free(s->edge_name);
	free(s->node_detached);
	free(s->loc);
	free(s->node_class);
	free(s->node_loc);
	free(s->edge_skip);
	free(s->string_off);
	free(s->string_data);
	for (int i = 0; i < HEAP_MAX_TYPES; i++) {
		free(s->node_type_name[i]);
		free(s->edge_type_name[i]);
	}
	free(s);
}

long heap_snapshot_add_string(heap_snapshot *s, const char *text)
{
	size_t used = s->string_count ? s->string_off[s->string_count] : 0, n = strlen(text);
	if (s->string_count == UINT32_MAX - 1 || used + n + 1 > UINT32_MAX)
		return -1;
	char *d = realloc(s->string_data, used + n + 1);
	if (!d)
		return -1;
	s->string_data = d;
	uint32_t *o = realloc(s->string_off, ((size_t)s->string_count + 2) * sizeof *o);
	if (!o)
		return -1;
	s->string_off = o;
	if (s->string_count == 0)
		o[0] = 0;
	memcpy(d + used, text, n + 1);
	o[s->string_count + 1] = (uint32_t)(used + n + 1);
	return (long)s->string_count++;
}

const char *heap_snapshot_string(const heap_snapshot *s, uint32_t i)
{
	if (!s->string_data || i >= s->string_count)
		return "";
	return s->string_data + s->string_off[i];
}
