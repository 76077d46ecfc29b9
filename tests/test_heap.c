/* test_heap — unit tests of the heap snapshot modules on hand-made inputs:
 * the JSON string unescaper, the streaming tokenizer and its error messages,
 * meta lookup by field name, DevTools class names, the dominator tree /
 * retained sizes on tiny graphs whose answers are worked out by hand, and
 * the explorer's model while its retained sizes are computed and after. */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <unistd.h>

#include "heap/devtools.h"
#include "heap/dominators.h"
#include "heap/explore.h"
#include "heap/heap_cli.h"
#include "heap/retainers.h"
#include "heap/snapshot.h"
#include "heap/summary.h"

/* ---- unescape ---- */

static void unesc(const char *in, const char *want, size_t cap)
{
	char out[256];
	long n = heap_json_unescape(in, strlen(in), out, cap);
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void test_unescape(void **state)
{
	(void)state;
	unesc("plain", "plain", 256);
	unesc("a\\\"b\\\\c\\/d", "a\"b\\c/d", 256);
	unesc("\\b\\f\\n\\r\\t", "\b\f\n\r\t", 256);
	unesc("caf\\u00e9", "caf\xc3\xa9", 256);
	unesc("\\u20AC", "\xe2\x82\xac", 256);
	unesc("\\ud83d\\ude00", "\xf0\x9f\x98\x80", 256);	/* surrogate pair */
	unesc("x\\ud83dy", "x\xef\xbf\xbdy", 256);		/* lone high */
	unesc("\\ude00", "\xef\xbf\xbd", 256);			/* lone low */
	unesc("\\ud83d\\u0041", "\xef\xbf\xbd" "A", 256);	/* high + non-low */
	unesc("a\\u0000b", "a\xef\xbf\xbd" "b", 256);		/* NUL */
	unesc("raw \xc3\xa9 ok", "raw \xc3\xa9 ok", 256);
	unesc("bad \xff byte", "bad \xef\xbf\xbd byte", 256);
	unesc("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 256); /* encoded surrogate */
	/* cut to cap - 1 bytes on a character boundary */
	unesc("\xc3\xa9\xc3\xa9\xc3\xa9", "\xc3\xa9", 4);
	unesc("abcdef", "abc", 4);
	unesc("abc", "", 1);
	char out[16];
	assert_int_equal(heap_json_unescape("\\x", 2, out, sizeof out), -1);
	assert_int_equal(heap_json_unescape("\\u12", 4, out, sizeof out), -1);
	assert_int_equal(heap_json_unescape("\\u12g4", 6, out, sizeof out), -1);
	assert_int_equal(heap_json_unescape("a\\", 2, out, sizeof out), -1);
	assert_int_equal(heap_json_unescape("a\nb", 3, out, sizeof out), -1);
	assert_int_equal(heap_json_unescape("a\"b", 3, out, sizeof out), -1);
}

/* ---- hand-made snapshots ---- */

#define META_FMT                                                                                      \
	"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"]," \
	"\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\","     \
	"\"number\",\"native\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"               \
	"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"                                          \
	"\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\","      \
	"\"weak\"],\"string_or_number\",\"node\"]},\"node_count\":%d,\"edge_count\":%d},\n"

enum { T_HIDDEN, T_ARRAY, T_STRING, T_OBJECT, T_CODE, T_CLOSURE, T_REGEXP, T_NUMBER, T_NATIVE, T_SYNTHETIC };
enum { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK };

struct tnode {
	int type, name;
	long long self;
};
struct tedge {
	int from, type, to;
};

/* Build the JSON text of a snapshot; edges must be sorted by from.  Node i
 * gets id 2i+1; every edge is named by string 0. */
static char *mk_text(const struct tnode *nodes, int n, const struct tedge *edges, int e, const char *strings)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f, META_FMT, n, e);
	fputs("\"nodes\":[", f);
	for (int i = 0; i < n; i++) {
		int ec = 0;
		for (int k = 0; k < e; k++)
			ec += edges[k].from == i;
		fprintf(f, "%s%d,%d,%d,%lld,%d", i ? ",\n" : "", nodes[i].type, nodes[i].name, 2 * i + 1, nodes[i].self,
			ec);
	}
	fputs("],\n\"edges\":[", f);
	for (int k = 0; k < e; k++)
		fprintf(f, "%s%d,0,%d", k ? "," : "", edges[k].type, edges[k].to * 5);
	fprintf(f, "],\n\"trace_function_infos\":[],\"trace_tree\":[[1,[2,[3]]]],\"samples\":[],"
		   "\"strings\":[%s]}\n", strings);
	fclose(f);
	return buf;
}

static heap_snapshot *mk(const struct tnode *nodes, int n, const struct tedge *edges, int e, const char *strings)
{
	char *t = mk_text(nodes, n, edges, e, strings);
	char err[256] = "";
	heap_snapshot *s = heap_snapshot_load_mem(t, strlen(t), err, sizeof err);
	if (!s)
		fail_msg("load failed: %s", err);
	free(t);
	return s;
}

/* Expect the load of text to fail with a message containing want. */
static void load_fails(const char *text, const char *want)
{
	char err[256] = "";
	heap_snapshot *s = heap_snapshot_load_mem(text, strlen(text), err, sizeof err);
	if (s)
		fail_msg("loaded, expected \"%s\"", want);
	if (!strstr(err, want))
		fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

static const char *STR = "\"\",\"(GC roots)\",\"Foo\",\"Bar\",\"some text\"";

static void test_tokenizer(void **state)
{
	(void)state;
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 24 }, { T_STRING, 4, 4000000000 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 1, E_PROPERTY, 2 } };
	heap_snapshot *s = mk(nodes, 3, edges, 2, STR);
	assert_int_equal(s->node_count, 3);
	assert_int_equal(s->edge_count, 2);
	assert_int_equal(s->node_type[2], T_STRING);
	assert_int_equal(s->node_self[2], 4000000000u);
	assert_int_equal(s->node_id[1], 3);
	assert_int_equal(s->first_edge[1], 1);
	assert_int_equal(s->first_edge[3], 2);
	assert_int_equal(s->edge_to[1], 2);
	assert_int_equal(s->string_count, 5);
	assert_string_equal(heap_snapshot_string(s, 2), "Foo");
	assert_string_equal(heap_snapshot_string(s, 99), "");
	heap_snapshot_free(s);

	/* whitespace everywhere, fields reordered, an extra field, root_index */
	const char *odd =
		" {\n \"strings\" : [ \"\" , \"A\\u0042\" ] ,\n"
		"\"snapshot\":{\"root_index\":0,\"meta\":{\"node_fields\":[\"extra\",\"edge_count\",\"self_size\",\"id\","
		"\"name\",\"type\"],\"node_types\":[0,0,0,0,0,[\"hidden\",\"object\",\"synthetic\"]],"
		"\"edge_fields\":[\"to_node\",\"type\",\"name_or_index\"],\"edge_types\":[0,[\"property\",\"weak\"],0]},"
		"\"node_count\":2,\"edge_count\":1} ,\n"
		"\"nodes\" : [ 9 , 1 , 0 , 1 , 0 , 2 ,\n 9,0,40,3,1,1 ] , \"edges\" : [ 6 , 0 , 1 ] }\n";
	char err[256] = "";
	s = heap_snapshot_load_mem(odd, strlen(odd), err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	/* scan-build: fail_msg ends the test (longjmp) when s is NULL */
	assert_int_equal(s->node_type[0], 2);
	assert_int_equal(s->node_self[1], 40);
	assert_int_equal(s->node_id[1], 3);
	assert_int_equal(s->edge_to[0], 1);
	assert_string_equal(heap_snapshot_string(s, s->node_name[1]), "AB");
	heap_snapshot_free(s);
}

static void test_tokenizer_errors(void **state)
{
	(void)state;
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 24 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 } };
	char *t = mk_text(nodes, 2, edges, 1, STR);
	size_t len = strlen(t);
	/* cut inside "nodes": the message names the byte where input ended */
	char *cut = strstr(t, "\"nodes\":[") + 12;
	char msg[64];
	char err[256];
	size_t at = (size_t)(cut - t);
	snprintf(msg, sizeof msg, "truncated at byte %zu inside \"nodes\"", at);
	assert_null(heap_snapshot_load_mem(t, at, err, sizeof err));
	assert_string_equal(err, msg);
	/* every prefix fails cleanly */
	for (size_t n = 0; n < len - 1; n++)
		assert_null(heap_snapshot_load_mem(t, n, err, sizeof err));
	free(t);

	load_fails("", "empty file");
	load_fails("   \n", "empty file");
	load_fails("[]", "not a heap snapshot");
	load_fails("{}", "missing \"snapshot\"");
	load_fails("{\"nodes\":[1]}", "\"nodes\" comes before \"snapshot\"");
	load_fails("{\"snapshot\":{\"meta\":{}}}", "meta: missing \"node_fields\"");
	load_fails("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"edge_count\"],"
		   "\"node_types\":[[\"a\"]],\"edge_fields\":[],\"edge_types\":[]}}}",
		   "node_fields lacks \"self_size\"");
	char buf[2048];
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,1],\"edges\":[1,0,3],\"strings\":[\"\"]}", 1, 1);
	load_fails(buf, "to_node 3 is not a node");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,1],\"edges\":[1,0,5],\"strings\":[\"\"]}", 1, 1);
	load_fails(buf, "to_node 5 is not a node");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[10,0,1,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "type 10 out of range");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,1],\"edges\":[7,0,0],\"strings\":[\"\"]}", 1, 1);
	load_fails(buf, "type 7 out of range");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,1,1,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "names string 1");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,1],\"edges\":[2,3,0],\"strings\":[\"\"]}", 1, 1);
	load_fails(buf, "an edge names string 3");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0,9,0,3,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "more than the 1 records");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "\"nodes\" holds 4 values");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"edges\":[],\"strings\":[\"\"]} x", 1, 0);
	load_fails(buf, "trailing data");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"nodes\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "appears twice");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,-1,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "expected a non-negative integer");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1.5,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "expected ',' or ']'");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,99999999999999999999,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "number too large");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,4294967296,0,0],\"edges\":[],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "out of range");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"edges\":[],\"strings\":[\"\\q\"]}", 1, 0);
	load_fails(buf, "bad escape");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"edges\":[]}", 1, 0);
	load_fails(buf, "missing \"strings\"");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"edges\":[],\"strings\":[\"\"]}", 1000000, 0);
	load_fails(buf, "does not fit");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[],\"edges\":[],\"strings\":[\"\"]}", 0, 0);
	load_fails(buf, "node_count is 0");
	snprintf(buf, sizeof buf, META_FMT "\"nodes\":[9,0,1,0,0],\"edges\":[],\"x\":[[}],\"strings\":[\"\"]}", 1, 0);
	load_fails(buf, "matching bracket");
}

/* Long arrays go through the tokenizer's fast path; whitespace of every kind
 * around separators, and every cut of the input, must still be handled. */
static void test_tokenizer_fast_path(void **state)
{
	(void)state;
	enum { N = 200 };
	struct tnode nodes[N];
	struct tedge edges[N - 1];
	for (int i = 0; i < N; i++) {
		nodes[i] = (struct tnode){ i ? T_OBJECT : T_SYNTHETIC, 2, i * 1000003LL };
		if (i)
			edges[i - 1] = (struct tedge){ i - 1, E_PROPERTY, i };
	}
	char *t = mk_text(nodes, N, edges, N - 1, STR);
	/* sprinkle whitespace after some commas (the text has room: replace
	 * the newlines mk_text wrote with other whitespace kinds) */
	int w = 0;
	for (char *p = t; *p; p++)
		if (*p == '\n')
			*p = " \t\r\n"[w++ % 4];
	size_t len = strlen(t);
	char err[256] = "";
	heap_snapshot *s = heap_snapshot_load_mem(t, len, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	for (int i = 0; i < N; i++) {
		assert_int_equal(s->node_self[i], (uint64_t)i * 1000003u);
		assert_int_equal(s->node_id[i], 2 * i + 1);
	}
	for (int i = 0; i < N - 1; i++)
		assert_int_equal(s->edge_to[i], i + 1);
	heap_snapshot_free(s);
	for (size_t n = 0; n + 2 < len; n++) {
		char *cut = malloc(n ? n : 1);	/* exact size: ASan sees any over-read */
		memcpy(cut, t, n);
		assert_null(heap_snapshot_load_mem(cut, n, err, sizeof err));
		free(cut);
	}
	free(t);
}

/* The ranged reader (mapped file, edges on a second thread) and the careful
 * one (read(2) blocks) fill the same columns; cut anywhere, the threaded
 * reader fails as cleanly as the careful one, with its message. */
static void test_ranged_reader(void **state)
{
	(void)state;
	enum { N = 300 };
	struct tnode nodes[N];
	struct tedge edges[2 * N];
	int e = 0;
	for (int i = 0; i < N; i++) {
		/* numbers of every length from 1 to 13 digits (the reader takes
		 * those under 8 a word at a time) */
		nodes[i] = (struct tnode){ i ? T_OBJECT : T_SYNTHETIC, 2, i * 7919LL * (i % 3 ? 1 : 1000003) };
		edges[e++] = (struct tedge){ i, E_PROPERTY, (2 * i + 1) % N };
		edges[e++] = (struct tedge){ i, E_ELEMENT, (i * 7) % N };
	}
	char *t = mk_text(nodes, N, edges, e, STR);
	size_t len = strlen(t);
	char path[] = "/tmp/test_heap_ranged.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, t, len), (ssize_t)len);
	close(fd);
	char err[256] = "";
	heap_snapshot *a = heap_snapshot_load_mem_threaded(t, len, err, sizeof err);
	heap_snapshot *b = heap_snapshot_load(path, HEAP_PARSER_SERIAL, err, sizeof err);
	heap_snapshot *c = heap_snapshot_load(path, HEAP_PARSER_STREAM, err, sizeof err);
	unlink(path);
	if (!a || !b || !c)
		fail_msg("%s", err);
	heap_snapshot *x[] = { a, c };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(x[k]->node_count, b->node_count);
		assert_int_equal(x[k]->edge_count, b->edge_count);
		assert_int_equal(x[k]->string_count, b->string_count);
		assert_memory_equal(x[k]->node_type, b->node_type, b->node_count);
		assert_memory_equal(x[k]->node_name, b->node_name, b->node_count * sizeof *b->node_name);
		assert_memory_equal(x[k]->node_id, b->node_id, b->node_count * sizeof *b->node_id);
		assert_memory_equal(x[k]->node_self, b->node_self, b->node_count * sizeof *b->node_self);
		assert_memory_equal(x[k]->first_edge, b->first_edge, (b->node_count + 1) * sizeof *b->first_edge);
		assert_memory_equal(x[k]->edge_type, b->edge_type, b->edge_count);
		assert_memory_equal(x[k]->edge_to, b->edge_to, b->edge_count * sizeof *b->edge_to);
		assert_memory_equal(x[k]->edge_name, b->edge_name, b->edge_count * sizeof *b->edge_name);
	}
	assert_int_equal(b->edge_to[3], 7);
	assert_int_equal(a->node_self[3], 3 * 7919LL * 1000003);
	assert_int_equal(a->node_self[299], 299 * 7919LL);
	heap_snapshot_free(a);
	heap_snapshot_free(b);
	heap_snapshot_free(c);
	/* a value out of range in "edges" (parsed on the worker): the careful
	 * reader's message */
	char *bad = strdup(t);
	char *ed = strstr(bad, "\"edges\":[") + 9;
	ed[0] = '9';	/* the first edge's type: out of range */
	char msg[256];
	assert_null(heap_snapshot_load_mem(bad, len, msg, sizeof msg));
	assert_null(heap_snapshot_load_mem_threaded(bad, len, err, sizeof err));
	assert_string_equal(err, msg);
	assert_non_null(strstr(err, "edge 0: type 9 out of range"));
	free(bad);
	/* one number more, or fewer, in "edges": the worker, which starts
	 * before the walk has found their ']', stops after the meta's count
	 * and must stop at that ']' */
	size_t ebrk = (size_t)(strstr(t, "],\n\"trace_function_infos\"") - t);
	size_t last = ebrk;
	while (t[last - 1] != ',')
		last--;
	for (int more = 0; more < 2; more++) {
		char *v = malloc(len + 8);
		if (more)
			snprintf(v, len + 8, "%.*s,5%s", (int)ebrk, t, t + ebrk);
		else
			snprintf(v, len + 8, "%.*s%s", (int)(last - 1), t, t + ebrk);
		size_t vlen = strlen(v);
		assert_null(heap_snapshot_load_mem(v, vlen, msg, sizeof msg));
		assert_null(heap_snapshot_load_mem_threaded(v, vlen, err, sizeof err));
		assert_string_equal(err, msg);
		free(v);
	}
	/* "locations" and "strings" as the ranged reader reads them (numbers a
	 * word at a time; plain ASCII strings straight from the input, the rest
	 * unescaped) equal the careful reader's: escapes, UTF-8, lone
	 * surrogates, a string over HEAP_STRING_KEEP bytes */
	{
		char str[2048];
		snprintf(str, sizeof str,
			 "\"\",\"(GC roots)\",\"Foo\",\"plain text\",\"esc\\n\\\"q\\\" \\/\",\"caf\\u00e9 \\ud83d\\ude00\","
			 "\"lone \\ud800 x\",\"\xc3\xbcn\xc3\xaf\",\"%0300d\",\"tail\"", 7);
		char *t2 = mk_text(nodes, N, edges, e, str);
		char *at = strstr(t2, "\"samples\":[],");
		assert_non_null(at);
		char *t3 = NULL;
		assert_true(asprintf(&t3, "%.*s\"samples\":[],\"locations\":[ 0,1,2,3,\n35,12,99999999,4 ,\n70,0,0,1234567890123],%s",
				     (int)(at - t2), t2, at + strlen("\"samples\":[],")) > 0);
		size_t l3 = strlen(t3);
		heap_snapshot *r3 = heap_snapshot_load_mem_threaded(t3, l3, err, sizeof err);
		/* 1234567890123 is out of range: both readers refuse it, with one message */
		assert_null(r3);
		char m3[256];
		snprintf(m3, sizeof m3, "%s", err);
		assert_non_null(strstr(m3, "location 2"));
		char *good = strstr(t3, "1234567890123");
		memcpy(good, "0000000000004", 13);
		r3 = heap_snapshot_load_mem_threaded(t3, l3, err, sizeof err);
		char path3[] = "/tmp/test_heap_ranged.XXXXXX";
		int fd3 = mkstemp(path3);
		assert_true(fd3 >= 0);
		assert_int_equal(write(fd3, t3, l3), (ssize_t)l3);
		close(fd3);
		heap_snapshot *c3 = heap_snapshot_load(path3, HEAP_PARSER_SERIAL, err, sizeof err);
		unlink(path3);
		if (!r3 || !c3)
			fail_msg("%s", err);
		assert_int_equal(r3->nloc, 3);
		assert_int_equal(r3->nloc, c3->nloc);
		assert_memory_equal(r3->loc, c3->loc, 4 * sizeof *r3->loc * r3->nloc);
		assert_int_equal(r3->loc[4], 7);
		assert_int_equal(r3->loc[6], 99999999);
		assert_int_equal(r3->string_count, c3->string_count);
		assert_memory_equal(r3->string_off, c3->string_off, (c3->string_count + 1) * sizeof *c3->string_off);
		assert_memory_equal(r3->string_data, c3->string_data, c3->string_off[c3->string_count]);
		assert_string_equal(heap_snapshot_string(r3, 4), "esc\n\"q\" /");
		assert_string_equal(heap_snapshot_string(r3, 5), "caf\xc3\xa9 \xf0\x9f\x98\x80");
		assert_int_equal(strlen(heap_snapshot_string(r3, 8)), HEAP_STRING_KEEP);
		assert_string_equal(heap_snapshot_string(r3, 9), "tail");
		heap_snapshot_free(r3);
		heap_snapshot_free(c3);
		/* cut anywhere (exact size: ASan sees any over-read), most of all
		 * inside "locations" and "strings" */
		size_t from3 = (size_t)(strstr(t3, "\"locations\"") - t3);
		for (size_t n = from3; n + 1 < l3; n++) {	/* (the last byte is a newline) */
			char *cut = malloc(n);
			memcpy(cut, t3, n);
			assert_null(heap_snapshot_load_mem_threaded(cut, n, err, sizeof err));
			free(cut);
		}
		free(t3);
		free(t2);
	}
	for (size_t n = 0; n + 2 < len; n += 7) {
		char *cut = malloc(n ? n : 1);	/* exact size: ASan sees any over-read */
		memcpy(cut, t, n);
		assert_null(heap_snapshot_load_mem_threaded(cut, n, err, sizeof err));
		free(cut);
	}
	free(t);
}

/* ---- dominators ---- */

static void check_idoms(const struct tnode *nodes, int n, const struct tedge *edges, int e, const int *want_idom,
			const uint64_t *want_ret)
{
	heap_snapshot *s = mk(nodes, n, edges, e, STR);
	char err[256];
	heap_dominators *d = heap_dominators_new(s, err, sizeof err);
	assert_non_null(d);
	for (int i = 0; i < n; i++) {
		if ((int)d->idom[i] != want_idom[i])
			fail_msg("idom(%d) = %u, want %d", i, d->idom[i], want_idom[i]);
		if (want_ret && d->retained[i] != want_ret[i])
			fail_msg("retained(%d) = %llu, want %llu", i, (unsigned long long)d->retained[i],
				 (unsigned long long)want_ret[i]);
	}
	heap_dominators_free(d);
	heap_snapshot_free(s);
}

static void test_dominators_diamond(void **state)
{
	(void)state;
	/* 0 -> 1 -> {2, 3} -> 4 */
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 20 },
				 { T_OBJECT, 3, 30 }, { T_STRING, 4, 40 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 1, E_PROPERTY, 2 }, { 1, E_PROPERTY, 3 },
				 { 2, E_PROPERTY, 4 }, { 3, E_PROPERTY, 4 } };
	int idom[] = { 0, 0, 1, 1, 1 };
	uint64_t ret[] = { 100, 100, 20, 30, 40 };
	check_idoms(nodes, 5, edges, 5, idom, ret);
}

static void test_dominators_weak_and_shortcut(void **state)
{
	(void)state;
	/* 0 -> 1, 0 -> 2; 1 -> 3 strong; 2 -> 3 weak; 2 -> 4 shortcut; 1 -> 4 */
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 1 }, { T_OBJECT, 3, 2 },
				 { T_OBJECT, 2, 4 }, { T_OBJECT, 2, 8 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 2 }, { 1, E_PROPERTY, 3 },
				 { 1, E_PROPERTY, 4 }, { 2, E_WEAK, 3 }, { 2, E_SHORTCUT, 4 } };
	int idom[] = { 0, 0, 0, 1, 1 };
	uint64_t ret[] = { 15, 13, 2, 4, 8 };
	check_idoms(nodes, 5, edges, 6, idom, ret);
}

static void test_dominators_cycle_and_orphans(void **state)
{
	(void)state;
	/* 0 -> 1 <-> 2 -> 3; 4 has no retainers; 5 only a weak one (from 3) and
	 * retains 6; 7 <-> 8 are unreachable but hold each other */
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 1 }, { T_OBJECT, 2, 2 },
				 { T_OBJECT, 2, 4 }, { T_OBJECT, 2, 8 }, { T_OBJECT, 2, 16 },
				 { T_OBJECT, 2, 32 }, { T_OBJECT, 2, 64 }, { T_OBJECT, 2, 128 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 1, E_PROPERTY, 2 }, { 2, E_PROPERTY, 1 },
				 { 2, E_PROPERTY, 3 }, { 3, E_WEAK, 5 }, { 5, E_PROPERTY, 6 },
				 { 7, E_PROPERTY, 8 }, { 8, E_PROPERTY, 7 } };
	int idom[] = { 0, 0, 1, 2, 0, 0, 5, 0, 0 };
	uint64_t ret[] = { 255, 7, 6, 4, 8, 48, 32, 64, 128 };
	check_idoms(nodes, 9, edges, 8, idom, ret);
}

static void test_dominators_page_rule(void **state)
{
	(void)state;
	/* the root's shortcut target 1 (a global) makes 1 and 3 page objects;
	 * the edge 2 -> 3 from the non-page node 2 does not count, so 1
	 * dominates 3 although 2 also reaches it */
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 1 }, { T_SYNTHETIC, 1, 0 },
				 { T_OBJECT, 3, 4 } };
	struct tedge edges[] = { { 0, E_SHORTCUT, 1 }, { 0, E_ELEMENT, 2 }, { 1, E_PROPERTY, 3 },
				 { 2, E_ELEMENT, 3 } };
	int idom[] = { 0, 0, 0, 1 };
	uint64_t ret[] = { 5, 5, 0, 4 };
	check_idoms(nodes, 4, edges, 4, idom, ret);
}

/* Two paths of different length to one node: its idom is their meeting
 * point (the root), not the nearer retainer.  (The case where DevTools'
 * affected-only iteration stops short needs a real snapshot; tests/heap.sh
 * compares against brute force there.) */
static void test_dominators_exact(void **state)
{
	(void)state;
	/* 0 -> 1 -> 2 -> 3 -> 4; 0 -> 5 -> 4: 4 is held by two paths */
	struct tnode nodes[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 1 }, { T_OBJECT, 2, 1 }, { T_OBJECT, 2, 1 },
				 { T_OBJECT, 2, 1 }, { T_OBJECT, 2, 1 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 5 }, { 1, E_PROPERTY, 2 },
				 { 2, E_PROPERTY, 3 }, { 3, E_PROPERTY, 4 }, { 5, E_PROPERTY, 4 } };
	int idom[] = { 0, 0, 1, 2, 0, 0 };
	uint64_t ret[] = { 5, 3, 2, 1, 1, 1 };
	check_idoms(nodes, 6, edges, 6, idom, ret);
}

/* ---- dominators against brute force ----
 *
 * The reference follows the rules of dominators.h from their statement, the
 * slow way: page nodes by a search from the root's shortcut targets (and a
 * "(Document DOM trees)" element); the counted edges; the root made to hold
 * every node no counted edge holds; then v dominates w when w is reachable
 * from the root and no longer is with v taken out; the idom is the strict
 * dominator with the most dominators itself; nodes the root cannot reach
 * have the root.  Retained(v) sums the self sizes of the nodes whose idom
 * chain passes through v. */

#define BF_MAX 48

struct bf_graph {
	int n, e;
	struct tnode nodes[BF_MAX];
	struct tedge edges[BF_MAX * 8];
	unsigned char skip[BF_MAX * 8];	/* a WeakMap table's edge (edge_skip) */
};

static const char *BF_STR = "\"\",\"(Document DOM trees)\",\"A\"";

/* Reachable from the root over counted edges, with `gone` taken out. */
static void bf_reach(const struct bf_graph *g, const bool cnt[], const bool rootheld[], int gone, bool seen[])
{
	int stack[BF_MAX], top = 0;
	memset(seen, 0, BF_MAX * sizeof *seen);
	if (gone == 0)
		return;
	seen[0] = true;
	stack[top++] = 0;
	while (top) {
		int v = stack[--top];
		for (int w = 0; v == 0 && w < g->n; w++)
			if (rootheld[w] && !seen[w] && w != gone) {
				seen[w] = true;
				stack[top++] = w;
			}
		for (int k = 0; k < g->e; k++)
			if (g->edges[k].from == v && cnt[k] && !seen[g->edges[k].to] && g->edges[k].to != gone) {
				seen[g->edges[k].to] = true;
				stack[top++] = g->edges[k].to;
			}
	}
}

static void bf_dominators(const struct bf_graph *g, int idom[], uint64_t ret[])
{
	int n = g->n;
	bool page[BF_MAX] = { false }, cnt[BF_MAX * 8], rootheld[BF_MAX] = { false }, held[BF_MAX] = { false };
	/* page: from the root's shortcut targets and a DOM-trees element */
	int stack[BF_MAX], top = 0;
	for (int k = 0; k < g->e; k++) {
		const struct tedge *x = &g->edges[k];
		bool entry = x->type == E_SHORTCUT ||
			     (x->type == E_ELEMENT && g->nodes[x->to].type == T_SYNTHETIC && g->nodes[x->to].name == 1);
		if (x->from == 0 && entry && !page[x->to]) {
			page[x->to] = true;
			stack[top++] = x->to;
		}
	}
	while (top) {
		int v = stack[--top];
		for (int k = 0; k < g->e; k++)
			if (g->edges[k].from == v && g->edges[k].type != E_WEAK && !page[g->edges[k].to]) {
				page[g->edges[k].to] = true;
				stack[top++] = g->edges[k].to;
			}
	}
	for (int k = 0; k < g->e; k++) {
		const struct tedge *x = &g->edges[k];
		cnt[k] = x->type != E_WEAK && !g->skip[k] && x->from != x->to &&
			 (x->from == 0 || (x->type != E_SHORTCUT && !(page[x->to] && !page[x->from])));
		if (cnt[k])
			held[x->to] = true;
	}
	for (int v = 0; v < n; v++)
		rootheld[v] = v != 0 && !held[v];
	bool reach[BF_MAX], seen[BF_MAX], dom[BF_MAX][BF_MAX];	/* dom[w][v]: v dominates w */
	bf_reach(g, cnt, rootheld, -1, reach);
	for (int w = 0; w < n; w++)
		for (int v = 0; v < n; v++)
			dom[w][v] = v == w;
	for (int v = 0; v < n; v++) {
		bf_reach(g, cnt, rootheld, v, seen);
		for (int w = 0; w < n; w++)
			if (reach[w] && w != v && !seen[w])
				dom[w][v] = true;
	}
	for (int w = 0; w < n; w++) {
		idom[w] = 0;
		if (w == 0 || !reach[w])
			continue;
		int best = -1;
		for (int v = 0; v < n; v++) {
			if (v == w || !dom[w][v])
				continue;
			int ndom = 0;
			for (int u = 0; u < n; u++)
				ndom += dom[v][u];
			if (ndom > best) {
				best = ndom;
				idom[w] = v;
			}
		}
	}
	for (int v = 0; v < n; v++)
		ret[v] = 0;
	for (int w = 0; w < n; w++) {
		int v = w;
		for (int hops = 0; hops <= n; hops++) {
			ret[v] += (uint64_t)g->nodes[w].self;
			if (v == 0)
				break;
			v = idom[v];
		}
	}
}

static void bf_check(const struct bf_graph *g, const char *what, unsigned seed)
{
	struct bf_graph h = *g;	/* mk_text wants the edges grouped by holder */
	for (int k = 1; k < h.e; k++)
		for (int j = k; j > 0 && h.edges[j - 1].from > h.edges[j].from; j--) {
			struct tedge te = h.edges[j];
			unsigned char sk = h.skip[j];
			h.edges[j] = h.edges[j - 1];
			h.skip[j] = h.skip[j - 1];
			h.edges[j - 1] = te;
			h.skip[j - 1] = sk;
		}
	g = &h;
	char *t = mk_text(g->nodes, g->n, g->edges, g->e, BF_STR);
	char err[256] = "";
	heap_snapshot *s = heap_snapshot_load_mem(t, strlen(t), err, sizeof err);
	free(t);
	if (!s)
		fail_msg("%s %u: load failed: %s", what, seed, err);
	s->edge_skip = calloc((size_t)g->e + 1, 1);
	assert_non_null(s->edge_skip);
	memcpy(s->edge_skip, g->skip, (size_t)g->e);
	heap_dominators *d = heap_dominators_new(s, err, sizeof err);
	assert_non_null(d);
	int idom[BF_MAX];
	uint64_t ret[BF_MAX];
	bf_dominators(g, idom, ret);
	for (int v = 0; v < g->n; v++) {
		if ((int)d->idom[v] != idom[v] || d->retained[v] != ret[v])
			fail_msg("%s %u, node %d of %d: idom %u retained %llu, brute force %d %llu", what, seed, v, g->n,
				 d->idom[v], (unsigned long long)d->retained[v], idom[v], (unsigned long long)ret[v]);
		/* the children lists are the idoms inverted */
		for (uint32_t k = d->dom_first[v]; k < d->dom_first[v + 1]; k++)
			assert_int_equal(d->idom[d->dom_child[k]], v);
	}
	assert_int_equal(d->dom_first[g->n], g->n - 1);
	heap_dominators_free(d);
	heap_snapshot_free(s);
}

static void bf_edge(struct bf_graph *g, int from, int type, int to)
{
	if (g->e < BF_MAX * 8)
		g->edges[g->e++] = (struct tedge){ from, type, to };
}

static void bf_nodes(struct bf_graph *g, int n, unsigned *seed)
{
	g->n = n;
	g->e = 0;
	memset(g->skip, 0, sizeof g->skip);
	for (int i = 0; i < n; i++) {
		int r = rand_r(seed) % 16;
		g->nodes[i] = (struct tnode){ r == 0 ? T_SYNTHETIC : T_OBJECT, r == 0 ? 1 : 2, 1 + rand_r(seed) % 1000 };
	}
	g->nodes[0] = (struct tnode){ T_SYNTHETIC, 0, 0 };
}

/* Random graphs: sparse to dense, every edge type (weak, shortcuts inside
 * and from the root, self edges, WeakMap-table edges), so that page rules,
 * weakly held subgraphs and cycles nothing holds all come up. */
static void test_dominators_random(void **state)
{
	(void)state;
	static const int types[] = { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK };
	struct bf_graph g;
	for (unsigned seed = 1; seed <= 3000; seed++) {
		unsigned r = seed;
		int n = 2 + rand_r(&r) % (seed % 10 == 0 ? BF_MAX - 2 : 12);
		bf_nodes(&g, n, &r);
		int m = rand_r(&r) % (n * (1 + (int)(seed % 4)) + 1);
		for (int k = 0; k < m; k++) {
			int from = rand_r(&r) % 5 == 0 ? 0 : rand_r(&r) % n;
			bf_edge(&g, from, types[rand_r(&r) % 7], rand_r(&r) % n);
		}
		for (int k = 0; k < g.e; k++)
			g.skip[k] = rand_r(&r) % 12 == 0;
		bf_check(&g, "random graph", seed);
	}
}

/* Shapes that defeat shortcuts: long chains with edges back to every
 * earlier node and forward past each next one (deep DFS, long compressed
 * paths), two interleaved ladders, a complete graph, and a chain whose
 * middle is also reached straight from the root (the DFS tree then differs
 * from the dominator tree). */
static void test_dominators_adversarial(void **state)
{
	(void)state;
	struct bf_graph g;
	unsigned seed = 7;
	for (int n = 2; n <= BF_MAX; n += 3) {
		/* chain with back edges */
		bf_nodes(&g, n, &seed);
		for (int i = 0; i + 1 < n; i++) {
			bf_edge(&g, i, E_PROPERTY, i + 1);
			for (int j = 1; j < i && g.e < BF_MAX * 8 - 8; j += 3)
				bf_edge(&g, i, E_PROPERTY, j);
		}
		bf_check(&g, "chain with back edges", (unsigned)n);
		/* chain with skips forward: i -> i+1, i -> i+2 */
		bf_nodes(&g, n, &seed);
		for (int i = 0; i + 1 < n; i++) {
			bf_edge(&g, i, E_PROPERTY, i + 1);
			if (i + 2 < n)
				bf_edge(&g, i, E_PROPERTY, i + 2);
		}
		bf_check(&g, "chain with skips", (unsigned)n);
		/* ladder: two rails 1,3,5.. and 2,4,6.. with rungs both ways,
		 * the second rail reached from the root only at its far end */
		bf_nodes(&g, n, &seed);
		for (int i = 0; i < n; i++) {
			if (i == 0)
				bf_edge(&g, 0, E_ELEMENT, 1);
			if (i == 0 && n > 2)
				bf_edge(&g, 0, E_ELEMENT, n - 1 - (n % 2 == 0));
			if (i > 0 && i + 2 < n)
				bf_edge(&g, i, E_PROPERTY, i + 2);
			if (i > 0 && i % 2 == 1 && i + 1 < n)
				bf_edge(&g, i, E_INTERNAL, i + 1);
			if (i > 1 && i % 2 == 0)
				bf_edge(&g, i, E_INTERNAL, i - 1);
		}
		bf_check(&g, "ladder", (unsigned)n);
		/* complete graph (small) */
		if (n <= 16) {
			bf_nodes(&g, n, &seed);
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					bf_edge(&g, i, E_PROPERTY, j);
			bf_check(&g, "complete graph", (unsigned)n);
		}
		/* chain 0 -> 1 -> .. -> n-1 with the root also holding the
		 * middle, and the end held back to the start */
		bf_nodes(&g, n, &seed);
		bf_edge(&g, 0, E_PROPERTY, 1);
		bf_edge(&g, 0, E_PROPERTY, n / 2);
		for (int i = 1; i + 1 < n; i++)
			bf_edge(&g, i, E_PROPERTY, i + 1);
		bf_edge(&g, n - 1, E_PROPERTY, 1);
		bf_check(&g, "chain held in the middle", (unsigned)n);
		/* a cycle nothing holds (1..k) holding a chain (k+1..n-2), and
		 * n-1, held only weakly by the root, holding the chain's start */
		bf_nodes(&g, n, &seed);
		int k = n / 2;
		for (int i = 1; i <= k; i++)
			bf_edge(&g, i, E_PROPERTY, i < k ? i + 1 : 1);
		for (int i = k; i + 2 < n; i++)
			bf_edge(&g, i, E_PROPERTY, i + 1);
		bf_edge(&g, 0, E_WEAK, n - 1);
		if (k + 1 < n - 1)
			bf_edge(&g, n - 1, E_PROPERTY, k + 1);
		bf_check(&g, "unheld cycle", (unsigned)n);
	}
}

/* ---- summary ---- */

static void test_summary_classes(void **state)
{
	(void)state;
	/* Foo(1) -> Foo(2) -> string(3); Bar(4) -> Foo(5); hidden(6), code(7),
	 * a zero-size object (8) that does not count */
	struct tnode nodes[] = { { T_SYNTHETIC, 1, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 20 },
				 { T_STRING, 4, 40 }, { T_OBJECT, 3, 5 }, { T_OBJECT, 2, 7 },
				 { T_HIDDEN, 0, 3 }, { T_CODE, 0, 9 }, { T_OBJECT, 3, 0 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 4 }, { 0, E_ELEMENT, 6 },
				 { 0, E_ELEMENT, 7 }, { 0, E_ELEMENT, 8 }, { 1, E_PROPERTY, 2 },
				 { 2, E_PROPERTY, 3 }, { 4, E_PROPERTY, 5 } };
	heap_snapshot *s = mk(nodes, 9, edges, 8, STR);
	char err[256];
	heap_dominators *d = heap_dominators_new(s, err, sizeof err);
	heap_summary_opts so = { .sort = HEAP_SORT_RETAINED, .top_objects = 10 };
	heap_summary *sum = heap_summary_new(s, d, &so, err, sizeof err);
	assert_non_null(sum);
	assert_int_equal(sum->nodes, 9);
	assert_int_equal(sum->edges, 8);
	assert_int_equal(sum->self_total, 94);
	assert_int_equal(sum->reachable, 94);
	assert_int_equal(sum->nclasses, 5);
	/* sorted by retained: Foo 70+7, (string) 40, Bar 12, (compiled code) 9, (system) 3 */
	static const char *const names[] = { "Foo", "(string)", "Bar", "(compiled code)", "(system)" };
	static const uint64_t count[] = { 3, 1, 1, 1, 1 }, self[] = { 37, 40, 5, 9, 3 },
			      ret[] = { 77, 40, 12, 9, 3 };
	for (int i = 0; i < 5; i++) {
		assert_string_equal(sum->classes[i].name, names[i]);
		assert_int_equal(sum->classes[i].count, count[i]);
		assert_int_equal(sum->classes[i].self, self[i]);
		assert_int_equal(sum->classes[i].retained, ret[i]);
	}
	assert_int_equal(sum->nobjects, 8);
	assert_string_equal(sum->objects[0].class_name, "Foo");
	assert_int_equal(sum->objects[0].retained, 70);
	assert_int_equal(sum->objects[0].id, 3);
	heap_summary_free(sum);
	so = (heap_summary_opts){ .top_objects = 10 };
	sum = heap_summary_new(s, NULL, &so, err, sizeof err);
	assert_false(sum->has_retained);
	assert_string_equal(sum->classes[0].name, "(string)");	/* by self size */
	assert_int_equal(sum->nobjects, 0);
	heap_summary_free(sum);
	heap_dominators_free(d);
	heap_snapshot_free(s);
}

/* ---- the explorer's model: retained sizes after the first frame ---- */

/* The graph of test_summary_classes, opened in the explorer. */
static explore *explore_fixture(void)
{
	struct tnode nodes[] = { { T_SYNTHETIC, 1, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 20 },
				 { T_STRING, 4, 40 }, { T_OBJECT, 3, 5 }, { T_OBJECT, 2, 7 },
				 { T_HIDDEN, 0, 3 }, { T_CODE, 0, 9 }, { T_OBJECT, 3, 0 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 4 }, { 0, E_ELEMENT, 6 },
				 { 0, E_ELEMENT, 7 }, { 0, E_ELEMENT, 8 }, { 1, E_PROPERTY, 2 },
				 { 2, E_PROPERTY, 3 }, { 4, E_PROPERTY, 5 } };
	char err[256] = "";
	explore *x = explore_new(mk(nodes, 9, edges, 8, STR), HEAP_VIEW_RAW, err, sizeof err);
	if (!x)
		fail_msg("explore_new: %s", err);
	return x;
}

static const char *row_class(const explore *x, size_t i)
{
	assert_true(i < x->nrows);
	assert_int_equal(x->rows[i].kind, ROW_CLASS);
	return x->sum->classes[x->rows[i].cls].name;
}

/* Until explore_poll takes the thread's work in, the rows are by self size
 * with retained 0 and nothing opens; then they are by retained size, the
 * selected class still selected, and rows open. */
static void test_explore_pending(void **state)
{
	(void)state;
	explore *x = explore_fixture();
	assert_true(explore_pending(x));
	assert_null(x->d);
	assert_int_equal(x->sort, HEAP_SORT_SELF);
	static const char *const by_self[] = { "(string)", "Foo", "(compiled code)", "Bar", "(system)" };
	assert_int_equal(x->nrows, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(row_class(x, i), by_self[i]);
	uint64_t count, self, ret;
	explore_numbers(x, &x->rows[1], &count, &self, &ret);
	assert_int_equal(count, 3);
	assert_int_equal(self, 37);
	assert_int_equal(ret, 0);
	/* nothing opens yet: every child list is sorted by retained size */
	assert_int_equal(explore_expand(x, 1), -1);
	assert_int_equal(x->nrows, 5);
	assert_false(x->rows[1].expanded);
	/* moving and searching work */
	x->sel = 3;
	assert_int_equal(explore_find(x, "foo"), 1);
	/* the thread's result, taken in here: by retained size, Bar kept */
	assert_int_equal(explore_poll(x, true), 1);
	assert_false(explore_pending(x));
	assert_non_null(x->d);
	assert_int_equal(explore_poll(x, false), 0);
	assert_int_equal(x->sort, HEAP_SORT_RETAINED);
	static const char *const by_ret[] = { "Foo", "(string)", "Bar", "(compiled code)", "(system)" };
	static const uint64_t want_ret[] = { 77, 40, 12, 9, 3 };
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(row_class(x, i), by_ret[i]);
		explore_numbers(x, &x->rows[i], &count, &self, &ret);
		assert_int_equal(ret, want_ret[i]);
	}
	assert_int_equal(x->sel, 2);
	assert_string_equal(row_class(x, x->sel), "Bar");
	assert_int_equal(x->sum->reachable, 94);
	/* Foo opens into its instances, largest retained first */
	assert_int_equal(explore_expand(x, 0), 0);
	assert_int_equal(x->nrows, 8);
	explore_numbers(x, &x->rows[1], &count, &self, &ret);
	assert_int_equal(self, 10);
	assert_int_equal(ret, 70);
	explore_free(x);

	/* a sort the user chose stays when the retained sizes come */
	x = explore_fixture();
	assert_int_equal(explore_sort(x, HEAP_SORT_COUNT), 0);
	assert_string_equal(row_class(x, 0), "Foo");
	x->sel = 1;
	const char *sel = row_class(x, 1);
	assert_int_equal(explore_poll(x, true), 1);
	assert_int_equal(x->sort, HEAP_SORT_COUNT);
	assert_int_equal(x->sel, 1);
	assert_string_equal(row_class(x, 1), sel);
	explore_free(x);

	/* freed while the thread may still run: it is stopped and joined */
	x = explore_fixture();
	explore_free(x);
}

static void count_notify(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

/* explore_notify: called once when the retained sizes are ready (on the
 * thread, the test hook holding them back 200 ms so that the call comes
 * after it is asked for), or at once when they are ready already; not
 * after explore_notify(NULL); an explorer freed while it waits does not
 * call it. */
static void test_explore_notify(void **state)
{
	(void)state;
	atomic_int n = 0;
	setenv("VITALS_TEST_RETAINED_DELAY_MS", "200", 1);
	explore *x = explore_fixture();
	explore_notify(x, count_notify, &n);
	assert_int_equal(atomic_load(&n), 0);
	while (!atomic_load(&n))
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	assert_int_equal(explore_poll(x, false), 1);	/* ready when told */
	assert_int_equal(atomic_load(&n), 1);
	explore_notify(x, count_notify, &n);	/* nothing pending: no call */
	assert_int_equal(atomic_load(&n), 1);
	explore_free(x);

	/* freed while held back: the thread stops, nothing is called */
	x = explore_fixture();
	explore_notify(x, count_notify, &n);
	explore_free(x);
	assert_int_equal(atomic_load(&n), 1);

	/* withdrawn: not called */
	x = explore_fixture();
	explore_notify(x, count_notify, &n);
	explore_notify(x, NULL, NULL);
	assert_int_equal(explore_poll(x, true), 1);
	assert_int_equal(atomic_load(&n), 1);
	explore_free(x);
	unsetenv("VITALS_TEST_RETAINED_DELAY_MS");

	/* ready before it is asked (the first call says so): called at once */
	atomic_int m = 0;
	n = 0;
	x = explore_fixture();
	explore_notify(x, count_notify, &n);
	while (!atomic_load(&n))
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	explore_notify(x, count_notify, &m);
	assert_int_equal(atomic_load(&m), 1);
	assert_int_equal(atomic_load(&n), 1);
	explore_free(x);
}

/* Diff mode: a class opens into its new objects, largest retained first,
 * with the rest of its list (the objects BEFORE had) sorted behind them;
 * whether the comparison comes before the retained sizes (explore_open_diff,
 * the dashboard: the thread's list, sorted as a whole, is split when the
 * class opens) or after them. */
static void test_explore_diff_order(void **state)
{
	(void)state;
	struct tnode after[] = { { T_SYNTHETIC, 1, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 50 },
				 { T_OBJECT, 2, 30 },	{ T_OBJECT, 2, 70 }, { T_OBJECT, 2, 20 },
				 { T_OBJECT, 2, 40 },	{ T_OBJECT, 2, 40 } };
	struct tedge aedges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 2 }, { 0, E_ELEMENT, 3 }, { 0, E_ELEMENT, 4 },
				  { 0, E_ELEMENT, 5 }, { 0, E_ELEMENT, 6 }, { 0, E_ELEMENT, 7 } };
	/* BEFORE: the first three Foos (ids 3, 5, 7) */
	struct tnode before[] = { { T_SYNTHETIC, 1, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 2, 10 } };
	struct tedge bedges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 2 }, { 0, E_ELEMENT, 3 } };
	static const uint32_t want_new[] = { 4, 6, 7, 5 }, want_old[] = { 2, 3, 1 };
	/* compared: after the retained sizes, before them (once, twice) */
	for (int compare_first = 0; compare_first <= 2; compare_first++) {
		char err[256] = "";
		heap_snapshot *bs = mk(before, 4, bedges, 3, STR);
		explore_before *b = explore_before_new(bs, err, sizeof err);
		heap_snapshot_free(bs);
		assert_non_null(b);
		explore *x = explore_new(mk(after, 8, aedges, 7, STR), HEAP_VIEW_RAW, err, sizeof err);
		assert_non_null(x);
		for (int i = 0; i < compare_first; i++)
			assert_int_equal(explore_compare(x, b, err, sizeof err), 0);
		assert_int_equal(explore_poll(x, true), 1);
		if (!compare_first)
			assert_int_equal(explore_compare(x, b, err, sizeof err), 0);
		explore_before_free(b);
		assert_string_equal(row_class(x, 0), "Foo");
		uint32_t foo = x->rows[0].cls;
		assert_int_equal(x->delta[foo].added, 4);
		assert_int_equal(x->delta[foo].removed, 0);
		/* the thread's sorted lists: split by it (the comparison came
		 * before it sorted), or when opened (after: always so at first) */
		if (!compare_first)
			assert_int_equal(x->cls_sorted[foo], 2);
		assert_int_equal(explore_expand(x, 0), 0);
		assert_int_equal(x->cls_sorted[foo], 1);
		assert_int_equal(x->nrows, 1 + 4);
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(x->rows[1 + i].node, want_new[i]);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(x->cls_nodes[x->cls_first[foo] + 4 + i], want_old[i]);
		/* compared again (the lists were split by the first): sorted again */
		explore_collapse(x, 0);
		bs = mk(before, 4, bedges, 3, STR);
		b = explore_before_new(bs, err, sizeof err);
		heap_snapshot_free(bs);
		assert_int_equal(explore_compare(x, b, err, sizeof err), 0);
		explore_before_free(b);
		assert_int_equal(x->cls_sorted[foo], 0);
		assert_int_equal(explore_expand(x, 0), 0);
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(x->rows[1 + i].node, want_new[i]);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(x->cls_nodes[x->cls_first[foo] + 4 + i], want_old[i]);
		explore_free(x);
	}
}

/* A class's objects open largest retained first, equal sizes in node
 * order, sizes of 4 GiB and more among them (the radix sort's keys are 32
 * bits: those are ordered apart). */
static void test_explore_instance_order(void **state)
{
	(void)state;
	struct tnode nodes[] = { { T_SYNTHETIC, 1, 0 }, { T_OBJECT, 2, 10 },		 { T_OBJECT, 2, 5LL << 30 },
				 { T_OBJECT, 2, 10 },	 { T_OBJECT, 2, 6LL << 30 }, { T_OBJECT, 2, 300 },
				 { T_OBJECT, 2, 4LL << 30 } };
	struct tedge edges[] = { { 0, E_ELEMENT, 1 }, { 0, E_ELEMENT, 2 }, { 0, E_ELEMENT, 3 },
				 { 0, E_ELEMENT, 4 }, { 0, E_ELEMENT, 5 }, { 0, E_ELEMENT, 6 } };
	char err[256] = "";
	explore *x = explore_new(mk(nodes, 7, edges, 6, STR), HEAP_VIEW_RAW, err, sizeof err);
	assert_non_null(x);
	assert_int_equal(explore_poll(x, true), 1);
	assert_string_equal(row_class(x, 0), "Foo");
	assert_int_equal(explore_expand(x, 0), 0);
	static const uint32_t want[] = { 4, 2, 6, 5, 1, 3 };
	assert_int_equal(x->nrows, 1 + 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(x->rows[1 + i].node, want[i]);
	explore_free(x);
}

/* ---- the text API the TUI calls ---- */

/* Retainer paths: user roots before the GC roots, weak edges skipped, a
 * node held only weakly has none, groups by shape with element indices
 * ignored. */
static void test_retainers(void **state)
{
	(void)state;
	struct tnode nodes[] = {
		{ T_SYNTHETIC, 0, 0 }, { T_OBJECT, 1, 10 }, { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 10 },
		{ T_OBJECT, 2, 10 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 3, 10 }, { T_OBJECT, 3, 10 },
		{ T_OBJECT, 4, 10 }, { T_OBJECT, 4, 10 }, { T_OBJECT, 4, 10 },
	};
	struct tedge edges[] = {
		{ 0, E_SHORTCUT, 1 }, { 0, E_ELEMENT, 2 },
		{ 1, E_PROPERTY, 3 }, { 1, E_WEAK, 6 }, { 1, E_WEAK, 7 }, { 1, E_PROPERTY, 10 },
		{ 2, E_ELEMENT, 5 },
		{ 3, E_PROPERTY, 4 }, { 3, E_ELEMENT, 8 }, { 3, E_ELEMENT, 9 },
		{ 4, E_PROPERTY, 6 },
		{ 5, E_PROPERTY, 6 },
	};
	heap_snapshot *s = mk(nodes, 11, edges, 12, "\"p\",\"global\",\"A\",\"D\",\"X\"");
	char err[256];
	heap_retainers *r = heap_retainers_new(s, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(r->parent[0], HEAP_NO_PARENT);
	/* D: 3 hops from the GC roots, 1 weak hop from global, but the user
	 * root is searched first: global > A > A > D */
	assert_int_equal(r->dist[6], 4);
	assert_int_equal(r->parent[6], 4);
	assert_int_equal(r->dist[5], 2);
	assert_int_equal(r->parent[5], 2);
	assert_int_equal(r->parent[7], HEAP_NO_PARENT);	/* weakly held only */
	assert_true(r->key[7] == 0 && r->key[6] != 0);
	assert_true(r->key[8] == r->key[9] && r->key[8] != r->key[10]);

	heap_path p;
	assert_int_equal(heap_path_of(s, r, 6, 0, &p), 0);
	assert_int_equal(p.nhops, 4);
	assert_null(p.hops[0].edge);
	assert_string_equal(p.hops[0].node, "global");
	assert_int_equal(p.hops[0].id, 3);
	assert_string_equal(p.hops[1].edge, "p");
	assert_string_equal(p.hops[3].node, "D");
	assert_int_equal(p.hops[3].id, 13);
	heap_path_close(&p);
	assert_int_equal(heap_path_of(s, r, 7, 0, &p), 0);
	assert_int_equal(p.nhops, 0);
	heap_path_close(&p);
	assert_int_equal(heap_path_of(s, r, 9, 0, &p), 0);
	assert_string_equal(p.hops[2].edge, "[0]");	/* every edge is named 0 here */
	heap_path_close(&p);

	uint32_t xs[] = { 10, 9, 8 };
	heap_path *g = NULL;
	size_t ng = 0;
	assert_int_equal(heap_paths_group(s, r, xs, 3, NULL, 5, &g, &ng), 2);
	assert_int_equal(ng, 2);
	assert_int_equal(g[0].count, 2);	/* [0] and [1] of A: one shape */
	assert_int_equal(g[0].self, 20);
	assert_int_equal(g[0].nhops, 3);
	assert_int_equal(g[1].count, 1);
	assert_int_equal(g[1].nhops, 2);
	heap_paths_free(g, 2);
	assert_int_equal(heap_paths_group(s, r, xs, 3, NULL, 1, &g, &ng), 1);
	assert_int_equal(ng, 2);
	heap_paths_free(g, 1);
	heap_retainers_free(r);
	heap_snapshot_free(s);
}

/* DevTools' view: an array owned by one object gives it its size, one held
 * by two keeps it; closures are "Function"; emptied nodes leave the rows. */
/* DevTools' rule 2 on a snapshot large enough for it to run on its own
 * thread beside the other rules: a native "system / ExternalStringData"
 * held by one object gives that object its size, another native keeps its
 * own. */
static void test_devtools_shallow_threaded(void **state)
{
	(void)state;
	enum { M = 50000, N = 2 * M + 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f, META_FMT, N, 2 * M + 1);
	fprintf(f, "\"nodes\":[%d,1,1,0,%d", T_SYNTHETIC, M + 1);
	for (int i = 1; i <= M; i++)
		fprintf(f, ",\n%d,2,%d,10,1", T_OBJECT, 2 * i + 1);
	for (int i = 1; i <= M; i++)
		fprintf(f, ",\n%d,%d,%d,5,0", T_NATIVE, i % 2 ? 3 : 4, 2 * (M + i) + 1);
	fprintf(f, ",\n%d,2,%d,1,0],\n\"edges\":[", T_OBJECT, 2 * N + 1);
	for (int i = 1; i <= M; i++)
		fprintf(f, "%d,%d,%d,", E_ELEMENT, i, i * 5);
	fprintf(f, "%d,%d,%d", E_ELEMENT, M + 1, (N - 1) * 5);
	for (int i = 1; i <= M; i++)
		fprintf(f, ",%d,0,%d", E_INTERNAL, (M + i) * 5);
	fprintf(f, "],\n\"strings\":[\"\",\"(GC roots)\",\"Foo\",\"system / ExternalStringData\",\"Bar\"]}\n");
	fclose(f);
	char err[256] = "";
	heap_snapshot *sn = heap_snapshot_load_mem(buf, len, err, sizeof err);
	free(buf);
	if (!sn)
		fail_msg("%s", err);
	assert_int_equal(heap_devtools_apply(sn, err, sizeof err), 0);
	assert_int_equal(sn->node_self[1], 15);		/* its ExternalStringData's 5 */
	assert_int_equal(sn->node_self[M + 1], 0);
	assert_int_equal(sn->node_self[2], 10);		/* a Bar keeps its own */
	assert_int_equal(sn->node_self[M + 2], 5);
	uint64_t total = 0;
	for (uint32_t i = 0; i < sn->node_count; i++)
		total += sn->node_self[i];
	assert_int_equal(total, 10ull * M + 5ull * M + 1);
	heap_snapshot_free(sn);
}

static void test_devtools_view(void **state)
{
	(void)state;
	struct tnode nodes[] = {
		{ T_SYNTHETIC, 0, 0 }, { T_OBJECT, 1, 8 }, { T_OBJECT, 2, 10 }, { T_ARRAY, 3, 100 },
		{ T_ARRAY, 3, 50 }, { T_CLOSURE, 4, 20 },
	};
	struct tedge edges[] = {
		{ 0, E_SHORTCUT, 1 },
		{ 1, E_PROPERTY, 2 }, { 1, E_PROPERTY, 4 }, { 1, E_PROPERTY, 5 },
		{ 2, E_INTERNAL, 3 }, { 2, E_INTERNAL, 4 },
	};
	heap_snapshot *s = mk(nodes, 6, edges, 6, "\"p\",\"global\",\"A\",\"(object elements)\",\"f\"");
	char err[256];
	assert_int_equal(heap_devtools_apply(s, err, sizeof err), 0);
	assert_int_equal(s->node_self[2], 110);
	assert_int_equal(s->node_self[3], 0);
	assert_int_equal(s->node_self[4], 50);
	char *name = heap_class_name_dup(s, 5);
	assert_string_equal(name, "Function");
	free(name);
	name = heap_class_name_dup(s, 4);
	assert_string_equal(name, "(array)");
	free(name);
	assert_false(heap_node_counted(s, 3));
	heap_dominators *d = heap_dominators_new(s, err, sizeof err);
	assert_non_null(d);
	assert_int_equal(d->retained[2], 110);
	assert_int_equal(d->retained[s->root], 188);
	heap_summary_opts so = { .sort = HEAP_SORT_RETAINED };
	heap_summary *sum = heap_summary_new(s, d, &so, err, sizeof err);
	assert_non_null(sum);
	assert_int_equal(sum->nclasses, 4);	/* global, A, (array) of one, Function */
	heap_summary_free(sum);
	heap_dominators_free(d);
	heap_snapshot_free(s);
}

static void test_text_api(void **state)
{
	(void)state;
	struct tnode before[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 10 } };
	struct tnode after[] = { { T_SYNTHETIC, 0, 0 }, { T_OBJECT, 2, 10 }, { T_OBJECT, 3, 30 }, { T_OBJECT, 3, 30 } };
	struct tedge eb[] = { { 0, E_ELEMENT, 1 } };
	struct tedge ea[] = { { 0, E_ELEMENT, 1 }, { 1, E_PROPERTY, 2 }, { 1, E_PROPERTY, 3 } };
	char pb[] = "/tmp/test_heap_b.XXXXXX", pa[] = "/tmp/test_heap_a.XXXXXX";
	int fb = mkstemp(pb), fa = mkstemp(pa);
	assert_true(fb >= 0 && fa >= 0);
	char *tb = mk_text(before, 2, eb, 1, STR), *ta = mk_text(after, 4, ea, 3, STR);
	assert_int_equal(write(fb, tb, strlen(tb)), (ssize_t)strlen(tb));
	assert_int_equal(write(fa, ta, strlen(ta)), (ssize_t)strlen(ta));
	close(fb);
	close(fa);
	free(tb);
	free(ta);
	char *text = NULL, err[512] = "";
	assert_int_equal(heap_summary_text(pa, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "Bar"));
	assert_non_null(strstr(text, "Retained size"));
	free(text);
	assert_int_equal(heap_diff_text(pb, pa, &text, err, sizeof err), 0);
	/* Bar: ids 5 and 7 are new, 60 bytes */
	assert_non_null(strstr(text, "\nBar "));
	assert_non_null(strstr(text, "+60"));
	/* the TUI shows it at 80 columns: the table (from its header on) fits,
	 * size delta included */
	const char *tab = strstr(text, "Constructor");
	assert_non_null(tab);
	assert_non_null(strstr(tab, "Size delta"));
	for (const char *l = tab; *l;) {
		size_t n = strcspn(l, "\n");
		assert_true(n <= 80);
		l += n + (l[n] ? 1 : 0);
	}
	free(text);
	text = (char *)1;
	assert_int_equal(heap_diff_text(pb, "/nonexistent/x.heapsnapshot", &text, err, sizeof err), -1);
	assert_null(text);
	assert_string_equal(err, "/nonexistent/x.heapsnapshot: cannot open: No such file or directory");
	unlink(pb);
	unlink(pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_tokenizer),
		cmocka_unit_test(test_tokenizer_errors),
		cmocka_unit_test(test_tokenizer_fast_path),
		cmocka_unit_test(test_ranged_reader),
		cmocka_unit_test(test_dominators_diamond),
		cmocka_unit_test(test_dominators_weak_and_shortcut),
		cmocka_unit_test(test_dominators_cycle_and_orphans),
		cmocka_unit_test(test_dominators_page_rule),
		cmocka_unit_test(test_dominators_exact),
		cmocka_unit_test(test_dominators_random),
		cmocka_unit_test(test_dominators_adversarial),
		cmocka_unit_test(test_summary_classes),
		cmocka_unit_test(test_explore_pending),
		cmocka_unit_test(test_explore_instance_order),
		cmocka_unit_test(test_explore_notify),
		cmocka_unit_test(test_explore_diff_order),
		cmocka_unit_test(test_retainers),
		cmocka_unit_test(test_devtools_view),
		cmocka_unit_test(test_devtools_shallow_threaded),
		cmocka_unit_test(test_text_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
