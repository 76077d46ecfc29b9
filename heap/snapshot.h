/* snapshot — a V8 heap snapshot (.heapsnapshot) loaded into compact arrays.
 *
 * The file is one JSON object: "snapshot" (meta: field and type names,
 * node_count, edge_count), the flat integer arrays "nodes" and "edges" whose
 * records are laid out as the meta says, "strings", and optional trace/sample
 * sections that we skip.  We never build a DOM of the file: the integer arrays
 * go through a small tokenizer straight into the columns below, only the
 * "snapshot" object is handed to jansson.  A file is mapped and its pages
 * dropped behind the readers (RSS: the columns, not the text); "edges", two
 * thirds of a snapshot, parse on a second thread while the rest is read.
 *
 * Invariants after a successful load:
 *  - node_count >= 1, root < node_count (meta root_index, else 0);
 *  - first_edge[0] == 0, first_edge[node_count] == edge_count and the edges of
 *    node i are the ordinals first_edge[i] .. first_edge[i+1]-1;
 *  - every node_type[] < ntypes_node, every edge_type[] < ntypes_edge,
 *    every edge_to[] < node_count (an ordinal, not the file's field index);
 *  - every node_name[] and every string-named edge name < string_count
 *    (an element/hidden edge's index is kept, saturated at UINT32_MAX).
 * Strings are stored unescaped as UTF-8 (invalid input bytes and lone
 * surrogates become U+FFFD), each cut to HEAP_STRING_KEEP bytes: they only
 * label rows.
 */
#ifndef VITALS_HEAP_SNAPSHOT_H
#define VITALS_HEAP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_STRING_KEEP 256
#define HEAP_MAX_TYPES 64

/* Node types DevTools treats specially; -1 when the meta lacks them. */
struct heap_types {
	int n_hidden, n_object, n_native, n_code, n_synthetic;
	int e_weak, e_shortcut, e_element, e_hidden;
};

typedef struct heap_snapshot {
	uint32_t node_count, edge_count;
	uint32_t root;			/* ordinal of the root node */
	uint8_t *node_type;		/* [node_count] */
	uint32_t *node_name;		/* [node_count] string index */
	uint32_t *node_id;		/* [node_count] */
	uint64_t *node_self;		/* [node_count] self size in bytes */
	uint32_t *first_edge;		/* [node_count + 1] */
	uint8_t *edge_type;		/* [edge_count] */
	uint32_t *edge_to;		/* [edge_count] node ordinal */
	uint32_t *edge_name;		/* [edge_count] string index, or the index of an
					 * element/hidden edge (see edge_str_named) */
	uint8_t *node_detached;		/* [node_count] 0 unknown, 1 attached, 2 detached;
					 * NULL when the snapshot has no such field, and
					 * after heap_devtools_apply (which used it) */
	uint32_t nloc;			/* "locations" records */
	uint32_t *loc;			/* [4 * nloc] node ordinal, script, line, column;
					 * NULL and 0 after heap_devtools_apply, which
					 * turned them into node_loc */
	/* Set by heap_devtools_apply (devtools.h), NULL for V8's raw view: */
	uint32_t *node_class;		/* [node_count] string index of the class name */
	uint32_t *node_loc;		/* [node_count] 1 + id of the (constructor
					 * location, class) of an object, 0 none;
					 * NULL without "locations" */
	uint32_t nloc_keys;		/* distinct such ids */
	uint8_t *edge_skip;		/* [edge_count] 1: not an essential edge (a
					 * WeakMap table's edge to a value) */
	uint32_t string_count;
	uint32_t *string_off;		/* [string_count + 1] into string_data */
	char *string_data;
	int ntypes_node, ntypes_edge;
	char *node_type_name[HEAP_MAX_TYPES];
	char *edge_type_name[HEAP_MAX_TYPES];
	bool edge_str_named[HEAP_MAX_TYPES];	/* edge_name is a string index */
	struct heap_types t;
} heap_snapshot;

/* Which reader turns the integer arrays into columns. */
typedef enum heap_parser {
	HEAP_PARSER_STREAM = 0,	/* our tokenizer on the mapped file, edges on a second
				 * thread (read(2) as SERIAL when it cannot be mapped) */
	HEAP_PARSER_SERIAL,	/* our tokenizer alone on read(2) blocks, one thread */
	HEAP_PARSER_JANSSON,	/* json_load_file of the whole file (benchmark baseline) */
} heap_parser;

/* Load a snapshot file.  Returns NULL with a one-line message in err ("truncated
 * at byte 1234 inside \"edges\"", "meta: node_fields lacks \"self_size\""). */
heap_snapshot *heap_snapshot_load(const char *path, heap_parser parser, char *err, size_t errlen);
/* The same from memory (fuzzing, tests). */
heap_snapshot *heap_snapshot_load_mem(const void *data, size_t size, char *err, size_t errlen);
/* The same with the edges on a second thread whatever the size (tests). */
heap_snapshot *heap_snapshot_load_mem_threaded(const void *data, size_t size, char *err, size_t errlen);
void heap_snapshot_free(heap_snapshot *s);

/* malloc and calloc for the per-node and per-edge columns (megabytes at
 * once, each page written soon after): the same memory, freed by free(),
 * but advised for transparent huge pages, so that filling a column takes
 * one page fault per 2 MiB instead of per 4 KiB (a third of the open's
 * CPU at 400 MB was the kernel faulting in fresh pages, in a VM each
 * fault dearer).  Small sizes are plain malloc. */
void *heap_big_malloc(size_t n);
void *heap_big_calloc(size_t count, size_t size);

/* Append a string (class names DevTools makes up); its index, or -1 when
 * out of memory. */
long heap_snapshot_add_string(heap_snapshot *s, const char *text);

/* String i (never NULL; "" when out of range). */
const char *heap_snapshot_string(const heap_snapshot *s, uint32_t i);

/* Unescape the body of a JSON string literal (without the quotes) into out,
 * writing at most outcap - 1 bytes (cut on a UTF-8 character boundary) plus a
 * NUL; outcap >= 1.  Handles every JSON escape including \uXXXX surrogate
 * pairs.  What valid JSON may hold but a C string of UTF-8 cannot -- lone
 * surrogates, \u0000, invalid UTF-8 bytes -- becomes U+FFFD.  Returns the
 * number of bytes written (excluding the NUL), or -1 if the literal is not
 * valid JSON (unknown escape, short \u, raw control character, a quote). */
long heap_json_unescape(const char *in, size_t len, char *out, size_t outcap);

#endif
