/* report — text and JSON rendering of heap summaries and diffs; see report.h.
 * Sizes are printed as exact byte counts (what DevTools shows), percentages
 * are of the snapshot's total self size.
 */
#include "heap/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#define NAME_COLS 40
#define NARROW_NAME_COLS 32

/* Print s in exactly width columns (UTF-8 code points counted as one
 * column), control characters as '?', cut with '~' when too long. */
static void put_name(FILE *f, const char *s, int width, bool pad)
{
	const unsigned char *p = (const unsigned char *)s;
	int cols = 0;
	size_t len = strlen(s);
	size_t npts = 0;
	for (size_t i = 0; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			npts++;
	bool cut = npts > (size_t)width;
	while (*p && cols < width - (cut ? 1 : 0)) {
		size_t n = 1;
		if (*p >= 0x80)
			while ((p[n] & 0xc0) == 0x80 && n < 4)
				n++;
		if (*p < 0x20 || *p == 0x7f)
			fputc('?', f);
		else
			fwrite(p, 1, n, f);
		p += n;
		cols++;
	}
	if (cut) {
		fputc('~', f);
		cols++;
	}
	if (pad)
		for (; cols < width; cols++)
			fputc(' ', f);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("?");
}

static int dump_json(FILE *f, json_t *root)
{
	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc == 0)
		fputc('\n', f);
	return rc == 0 && !ferror(f) ? 0 : -1;
}

static int summary_json(FILE *f, const char *path, const heap_summary *sum, const heap_report_opts *o)
{
	json_t *root = json_object();
	json_object_set_new(root, "file", jstr(path));
	json_object_set_new(root, "nodes", json_integer((json_int_t)sum->nodes));
	json_object_set_new(root, "edges", json_integer((json_int_t)sum->edges));
	json_object_set_new(root, "self_size", json_integer((json_int_t)sum->self_total));
	json_object_set_new(root, "class_count", json_integer((json_int_t)sum->nclasses));
	if (sum->has_retained)
		json_object_set_new(root, "root_retained_size", json_integer((json_int_t)sum->reachable));
	json_t *classes = json_array();
	for (size_t i = 0; i < sum->nclasses && i < o->top; i++) {
		const heap_class *c = &sum->classes[i];
		json_t *j = json_object();
		json_object_set_new(j, "name", jstr(c->name));
		json_object_set_new(j, "count", json_integer((json_int_t)c->count));
		json_object_set_new(j, "self_size", json_integer((json_int_t)c->self));
		if (sum->has_retained)
			json_object_set_new(j, "retained_size", json_integer((json_int_t)c->retained));
		json_array_append_new(classes, j);
	}
	json_object_set_new(root, "classes", classes);
	if (sum->has_retained) {
		json_t *objs = json_array();
		for (size_t i = 0; i < sum->nobjects && i < o->top; i++) {
			const heap_object *ob = &sum->objects[i];
			json_t *j = json_object();
			json_object_set_new(j, "class", jstr(ob->class_name));
			json_object_set_new(j, "name", jstr(ob->name));
			json_object_set_new(j, "id", json_integer(ob->id));
			json_object_set_new(j, "self_size", json_integer((json_int_t)ob->self));
			json_object_set_new(j, "retained_size", json_integer((json_int_t)ob->retained));
			json_array_append_new(objs, j);
		}
		json_object_set_new(root, "largest", objs);
	}
	return dump_json(f, root);
}

int heap_report_summary(FILE *f, const char *path, const heap_summary *sum, const heap_report_opts *o)
{
	if (o->json)
		return summary_json(f, path, sum, o);
	fputs("Heap snapshot ", f);
	put_name(f, path, 200, false);
	fprintf(f, "\n  nodes %" PRIu64 "  edges %" PRIu64 "  self size %" PRIu64 " B (%.1f MiB)", sum->nodes,
		sum->edges, sum->self_total, (double)sum->self_total / 1048576.0);
	if (sum->has_retained)
		fprintf(f, "  root retains %" PRIu64 " B", sum->reachable);
	fprintf(f, "\n  %zu constructors; top %zu by %s\n\n", sum->nclasses,
		o->top < sum->nclasses ? o->top : sum->nclasses,
		sum->has_retained ? "retained size" : "self size");
	fprintf(f, "%-*s %10s %6s %14s %6s", NAME_COLS, "Constructor", "Count", "%", "Self size", "%");
	if (sum->has_retained)
		fprintf(f, " %14s %6s", "Retained size", "%");
	fputc('\n', f);
	for (size_t i = 0; i < sum->nclasses && i < o->top; i++) {
		const heap_class *c = &sum->classes[i];
		put_name(f, c->name, NAME_COLS, true);
		fprintf(f, " %10" PRIu64 " %5.1f%% %14" PRIu64 " %5.1f%%", c->count, pct(c->count, sum->nodes),
			c->self, pct(c->self, sum->self_total));
		if (sum->has_retained)
			fprintf(f, " %14" PRIu64 " %5.1f%%", c->retained, pct(c->retained, sum->self_total));
		fputc('\n', f);
	}
	if (sum->has_retained && sum->nobjects) {
		fprintf(f, "\nLargest objects by retained size\n");
		fprintf(f, "%-*s %12s %14s %14s  %s\n", NAME_COLS, "Constructor", "Id", "Self size",
			"Retained size", "Name");
		for (size_t i = 0; i < sum->nobjects && i < o->top; i++) {
			const heap_object *ob = &sum->objects[i];
			char id[16];
			snprintf(id, sizeof id, "@%" PRIu32, ob->id);
			put_name(f, ob->class_name, NAME_COLS, true);
			fprintf(f, " %12s %14" PRIu64 " %14" PRIu64 "  ", id, ob->self, ob->retained);
			put_name(f, ob->name, 40, false);
			fputc('\n', f);
		}
	}
	return ferror(f) ? -1 : 0;
}

static int64_t sdelta(uint64_t a, uint64_t b)
{
	return (int64_t)a - (int64_t)b;
}

static int diff_json(FILE *f, const char *before, const char *after, const heap_diff *d, const heap_report_opts *o)
{
	json_t *root = json_object();
	json_object_set_new(root, "before", jstr(before));
	json_object_set_new(root, "after", jstr(after));
	json_object_set_new(root, "before_nodes", json_integer((json_int_t)d->before_nodes));
	json_object_set_new(root, "after_nodes", json_integer((json_int_t)d->after_nodes));
	json_object_set_new(root, "before_self_size", json_integer((json_int_t)d->before_self));
	json_object_set_new(root, "after_self_size", json_integer((json_int_t)d->after_self));
	json_object_set_new(root, "changed_classes", json_integer((json_int_t)d->nrows));
	json_t *rows = json_array();
	for (size_t i = 0; i < d->nrows && i < o->top; i++) {
		const heap_diff_row *r = &d->rows[i];
		json_t *j = json_object();
		json_object_set_new(j, "name", jstr(r->name));
		json_object_set_new(j, "new", json_integer((json_int_t)r->added));
		json_object_set_new(j, "deleted", json_integer((json_int_t)r->removed));
		json_object_set_new(j, "count_delta", json_integer(sdelta(r->added, r->removed)));
		json_object_set_new(j, "alloc_size", json_integer((json_int_t)r->added_size));
		json_object_set_new(j, "freed_size", json_integer((json_int_t)r->removed_size));
		json_object_set_new(j, "size_delta", json_integer(sdelta(r->added_size, r->removed_size)));
		json_object_set_new(j, "before_count", json_integer((json_int_t)r->before_count));
		json_object_set_new(j, "after_count", json_integer((json_int_t)r->after_count));
		json_object_set_new(j, "before_self_size", json_integer((json_int_t)r->before_self));
		json_object_set_new(j, "after_self_size", json_integer((json_int_t)r->after_self));
		json_array_append_new(rows, j);
	}
	json_object_set_new(root, "classes", rows);
	return dump_json(f, root);
}

int heap_report_diff(FILE *f, const char *before, const char *after, const heap_diff *d,
		     const heap_report_opts *o)
{
	if (o->json)
		return diff_json(f, before, after, d, o);
	fputs("Heap diff ", f);
	put_name(f, before, 200, false);
	fputs(" -> ", f);
	put_name(f, after, 200, false);
	fprintf(f, "\n  nodes %" PRIu64 " -> %" PRIu64 " (%+" PRId64 ")  self size %" PRIu64 " -> %" PRIu64
		   " B (%+" PRId64 ")\n  %zu constructors changed; top %zu by growth\n\n",
		d->before_nodes, d->after_nodes, sdelta(d->after_nodes, d->before_nodes), d->before_self,
		d->after_self, sdelta(d->after_self, d->before_self), d->nrows,
		o->top < d->nrows ? o->top : d->nrows);
	if (o->narrow) {
		/* 32 + 9 + 10 + 10 + 13 = 74 columns: what grew fits a
		 * terminal of 80 without scrolling sideways */
		fprintf(f, "%-*s %8s %9s %9s %12s\n", NARROW_NAME_COLS, "Constructor", "# New", "# Deleted",
			"# Delta", "Size delta");
		for (size_t i = 0; i < d->nrows && i < o->top; i++) {
			const heap_diff_row *r = &d->rows[i];
			put_name(f, r->name, NARROW_NAME_COLS, true);
			fprintf(f, " %8" PRIu64 " %9" PRIu64 " %+9" PRId64 " %+12" PRId64 "\n", r->added, r->removed,
				sdelta(r->added, r->removed), sdelta(r->added_size, r->removed_size));
		}
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "%-*s %10s %10s %10s %14s %14s %14s\n", NAME_COLS, "Constructor", "# New", "# Deleted",
		"# Delta", "Alloc. size", "Freed size", "Size delta");
	for (size_t i = 0; i < d->nrows && i < o->top; i++) {
		const heap_diff_row *r = &d->rows[i];
		put_name(f, r->name, NAME_COLS, true);
		fprintf(f, " %10" PRIu64 " %10" PRIu64 " %+10" PRId64 " %14" PRIu64 " %14" PRIu64 " %+14" PRId64 "\n",
			r->added, r->removed, sdelta(r->added, r->removed), r->added_size, r->removed_size,
			sdelta(r->added_size, r->removed_size));
	}
	return ferror(f) ? -1 : 0;
}
