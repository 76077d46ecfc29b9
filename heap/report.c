/* report — text and JSON rendering of heap summaries and diffs; see report.h.
 * Sizes are printed as exact byte counts (what DevTools shows), percentages
 * are of the snapshot's total self size.
 */
#include "heap/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
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

static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("?");
}

static size_t cols_of(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* One hop as text: "edge (Label @id)"; a label that is already
 * parenthesised, "(array)", loses its own parentheses: "table (array @12)".
 * Malloc'd, NULL when out of memory. */
static char *hop_text(const heap_hop *h, int cut)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	const char *node = h->node;
	size_t nl = strlen(node);
	char *bare = NULL;
	if (h->edge && nl >= 2 && node[0] == '(' && node[nl - 1] == ')' && (bare = strndup(node + 1, nl - 2)) != NULL)
		node = bare;
	if (h->edge) {
		put_name(f, h->edge, cut, false);
		fputs(" (", f);
	}
	put_name(f, node, cut, false);
	free(bare);
	if (!h->synthetic)
		fprintf(f, " @%" PRIu32, h->id);
	if (h->edge)
		fputc(')', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A retainer path: "global @7 › cache (Map @81) › [3] (Leaky @90)", on one
 * line, or wrapped between hops to width columns (0: no limit) with the
 * continuation lines indented; col is the column the path starts at. */
static void put_path(FILE *f, const heap_path *p, size_t col, size_t width)
{
	if (p->nhops == 0) {
		fputs("(no path from the GC roots: held only by weak references, or unreachable)", f);
		return;
	}
	if (p->elided)
		col += (size_t)fprintf(f, "(%zu hops) \u203a ", p->elided);
	for (size_t i = 0; i < p->nhops; i++) {
		/* names cut so that a hop fits a narrow line */
		char *t = hop_text(&p->hops[i], width ? 28 : 60);
		const char *txt = t ? t : "?";
		size_t w = cols_of(txt);
		if (i > 0) {
			if (width && col + 3 + w > width) {
				fputs(" \u203a\n        ", f);
				col = 8;
			} else {
				fputs(" \u203a ", f);
				col += 3;
			}
		}
		fputs(txt, f);
		col += w;
		free(t);
	}
}

static json_t *path_json(const heap_path *p, bool group)
{
	json_t *j = json_object();
	if (group) {
		json_object_set_new(j, "count", json_integer((json_int_t)p->count));
		json_object_set_new(j, "self_size", json_integer((json_int_t)p->self));
		json_object_set_new(j, "retained_size", json_integer((json_int_t)p->retained));
	}
	json_object_set_new(j, "reachable", json_boolean(p->nhops > 0));
	json_object_set_new(j, "elided_hops", json_integer((json_int_t)p->elided));
	json_t *hops = json_array();
	for (size_t i = 0; i < p->nhops; i++) {
		json_t *h = json_object();
		json_object_set_new(h, "edge", p->hops[i].edge ? jstr(p->hops[i].edge) : json_null());
		json_object_set_new(h, "node", jstr(p->hops[i].node));
		json_object_set_new(h, "id", json_integer(p->hops[i].id));
		json_array_append_new(hops, h);
	}
	json_object_set_new(j, "hops", hops);
	return j;
}

static json_t *paths_json(const heap_path *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, path_json(&p[i], true));
	return a;
}

/* The grouped paths of one class or cluster, one line each. */
static void put_groups(FILE *f, const heap_path *p, size_t n, bool retained, size_t width)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %8" PRIu64 " \u00d7 %12" PRIu64 " B  ", p[i].count, retained ? p[i].retained : p[i].self);
		if (width)
			fputs("\n        ", f);
		put_path(f, &p[i], 8, width);
		fputc('\n', f);
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
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
	json_object_set_new(root, "view", json_string(sum->view == HEAP_VIEW_RAW ? "raw" : "devtools"));
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
		if (c->paths) {
			json_object_set_new(j, "path_groups", json_integer((json_int_t)c->ngroups));
			json_object_set_new(j, "paths", paths_json(c->paths, c->npaths));
		}
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
			if (sum->has_paths)
				json_object_set_new(j, "path", path_json(&ob->path, false));
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
	fputs(sum->view == HEAP_VIEW_RAW ? "\n  V8's raw nodes (--raw)"
					 : "\n  as DevTools' Summary shows it (--raw: V8's nodes as written)", f);
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
			if (sum->has_paths) {
				fputs("    held by: ", f);
				put_path(f, &ob->path, 13, o->narrow ? 79 : 0);
				fputc('\n', f);
			}
		}
	}
	if (sum->has_paths) {
		fprintf(f, "\nRetainer paths: shortest from the GC roots (weak edges skipped), grouped by\n"
			   "shape.  Objects × %s, path:\n", sum->has_retained ? "retained size" : "self size");
		for (size_t i = 0; i < sum->nclasses && i < o->top; i++) {
			const heap_class *c = &sum->classes[i];
			if (!c->paths)
				continue;
			fputc('\n', f);
			put_name(f, c->name, NAME_COLS, false);
			fprintf(f, ": %zu path%s", c->ngroups, c->ngroups == 1 ? "" : "s");
			if (c->ngroups > c->npaths)
				fprintf(f, ", the %zu largest", c->npaths);
			fputc('\n', f);
			put_groups(f, c->paths, c->npaths, sum->has_retained, o->narrow ? 79 : 0);
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
	json_object_set_new(root, "view", json_string(d->view == HEAP_VIEW_RAW ? "raw" : "devtools"));
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
		if (r->paths) {
			json_object_set_new(j, "path_groups", json_integer((json_int_t)r->ngroups));
			json_object_set_new(j, "paths", paths_json(r->paths, r->npaths));
		}
		json_array_append_new(rows, j);
	}
	json_object_set_new(root, "classes", rows);
	return dump_json(f, root);
}

/* What holds the new objects of the rows that grew most. */
static void diff_paths_text(FILE *f, const heap_diff *d, const heap_report_opts *o)
{
	if (!d->has_paths)
		return;
	fputs("\nWhat holds the new objects: shortest paths from the GC roots in AFTER (weak\n"
	      "edges skipped), grouped by shape.  Objects × self size, path:\n", f);
	for (size_t i = 0; i < d->nrows && i < o->top; i++) {
		const heap_diff_row *r = &d->rows[i];
		if (!r->paths)
			continue;
		fputc('\n', f);
		put_name(f, r->name, NAME_COLS, false);
		fprintf(f, ": %" PRIu64 " new, %zu path%s", r->added, r->ngroups, r->ngroups == 1 ? "" : "s");
		if (r->ngroups > r->npaths)
			fprintf(f, ", the %zu largest", r->npaths);
		fputc('\n', f);
		put_groups(f, r->paths, r->npaths, false, o->narrow ? 79 : 0);
	}
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
	fputs(d->view == HEAP_VIEW_RAW ? "\n  V8's raw nodes (--raw)"
				       : "\n  classes and sizes as DevTools shows them (--raw: V8's nodes)", f);
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
		diff_paths_text(f, d, o);
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
	diff_paths_text(f, d, o);
	return ferror(f) ? -1 : 0;
}

int heap_report_leaks(FILE *f, const char *const files[3], const heap_leaks *l, const heap_report_opts *o)
{
	if (o->json) {
		json_t *root = json_object();
		json_object_set_new(root, "baseline", jstr(files[0]));
		json_object_set_new(root, "target", jstr(files[1]));
		json_object_set_new(root, "final", jstr(files[2]));
		json_object_set_new(root, "new_in_target", json_integer((json_int_t)l->added));
		json_object_set_new(root, "still_alive", json_integer((json_int_t)l->leaked));
		json_object_set_new(root, "outer", json_integer((json_int_t)l->outer));
		json_object_set_new(root, "retained_size", json_integer((json_int_t)l->retained));
		json_object_set_new(root, "cluster_count", json_integer((json_int_t)l->nclusters));
		json_object_set_new(root, "clusters", paths_json(l->clusters, l->nshown < o->top ? l->nshown : o->top));
		return dump_json(f, root);
	}
	fputs("Leaks (objects new in TARGET still alive in FINAL)\n  baseline ", f);
	put_name(f, files[0], 200, false);
	fputs("\n  target   ", f);
	put_name(f, files[1], 200, false);
	fputs("\n  final    ", f);
	put_name(f, files[2], 200, false);
	fprintf(f, "\n  %" PRIu64 " objects new in target, %" PRIu64 " still alive in final: %" PRIu64
		   " under no other of them, retaining %" PRIu64 " B\n",
		l->added, l->leaked, l->outer, l->retained);
	size_t shown = l->nshown < o->top ? l->nshown : o->top;
	fprintf(f, "  %zu cluster%s by retainer path (shortest from the GC roots in FINAL, weak edges\n"
		   "  skipped); the %zu largest by retained size.  Objects \u00d7 retained size, path:\n\n",
		l->nclusters, l->nclusters == 1 ? "" : "s", shown);
	put_groups(f, l->clusters, shown, true, o->narrow ? 79 : 0);
	return ferror(f) ? -1 : 0;
}
