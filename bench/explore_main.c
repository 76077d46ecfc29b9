/* explore_main — cost of `vitals heap explore` on one snapshot, for
 * bench/heap.sh: the time to open it (load, DevTools' view, dominators,
 * summary, the instance lists), then the time of the model's answer to
 * each key of a typical session — expand the largest class, move down,
 * retainers of its first object,
 * expand a retainer, dominated objects, page through a "more" row, sort by
 * count and back, search a class, jump to an id, collapse — each the
 * median of REPEAT runs (the first Enter on that class, which sorts its
 * objects, and the first `r` alone, as they are once per session).
 * What the terminal front end adds (one screen of text) is not included.
 *
 * "Open" is the first frame: the Summary's class rows with counts and self
 * sizes, which the user can move through and search; the retained sizes
 * (dominators, then the classes' sums) come on a thread behind it, and the
 * keys that open a row wait for them.  So two times: the first frame, and
 * the retained sizes in (explore_poll), both from the start.
 *
 * usage: explore_bench FILE [REPEAT [BEFORE]]; with BEFORE, then the diff
 * explorer of BEFORE and FILE ("diff open", its first Enter on the class
 * with the most new objects; diff_keys).  Prints "open S s" (to the first
 * frame), "open cpu S s" (the process's, to the first frame), "retained
 * S s" (in, from the start) with the CPU and peak RSS by then, one line
 * per phase ("phase NAME S s wall S s cpu": to the first frame, load
 * (parse; CPU of both threads), DevTools' view, summary (counts, self),
 * class index, first frame — the text of one 80x24 screen; then on the
 * thread (its CPU), dominators and the classes' retained sizes) and one line
 * per key after that ("key NAME MS ms"), "max key MS ms" and "median key MS
 * ms". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include "heap/explore.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* user + system time of this process */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double worst, keys[32];
static int nkeys;

static void report(const char *name, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	double med = t[n / 2];
	printf("key %-28s %8.3f ms\n", name, med);
	if (nkeys < 32)
		keys[nkeys++] = med;
	if (med > worst)
		worst = med;
}

/* The first row of kind k from row `from` on. */
static size_t first_row_of_kind(const explore *x, explore_kind k, size_t from)
{
	for (size_t i = from; i < x->nrows; i++)
		if (x->rows[i].kind == k)
			return i;
	return SIZE_MAX;
}

/* The diff explorer of BEFORE and AFTER (`heap explore BEFORE AFTER`, the
 * dashboard's second `e`): its open to the first frame and to the retained
 * sizes, then the first Enter on the class with the most new objects,
 * which once sorted them (25-50 ms for a million), then the same again. */
static int diff_keys(const char *before, const char *after)
{
	char err[512];
	double t0 = now_ms(), c0 = cpu_ms();
	explore *x = explore_open_diff(before, after, HEAP_VIEW_DEVTOOLS, err, sizeof err);
	double t1 = now_ms(), c1 = cpu_ms();
	if (!x) {
		fprintf(stderr, "explore_bench: %s\n", err);
		return -1;
	}
	if (explore_poll(x, true) < 0) {
		fprintf(stderr, "explore_bench: no retained sizes: %s\n", x->retained_err);
		explore_free(x);
		return -1;
	}
	double t2 = now_ms(), c2 = cpu_ms();
	printf("diff open %.3f s (to the first frame), cpu %.3f s; retained %.3f s, cpu %.3f s\n", (t1 - t0) / 1e3,
	       (c1 - c0) / 1e3, (t2 - t0) / 1e3, (c2 - c0) / 1e3);
	size_t row = SIZE_MAX;
	for (size_t i = 0; i < x->nrows; i++)
		if (row == SIZE_MAX || x->delta[x->rows[i].cls].added > x->delta[x->rows[row].cls].added)
			row = i;
	if (row == SIZE_MAX) {
		printf("diff: no class changed\n");
		explore_free(x);
		return 0;
	}
	const heap_class *c = &x->sum->classes[x->rows[row].cls];
	double a = now_ms();
	explore_expand(x, row);
	double b = now_ms();
	printf("key %-28s %8.3f ms (%s: %llu new of %llu)\n", "diff: Enter (most new, first)", b - a, c->name,
	       (unsigned long long)x->delta[x->rows[row].cls].added, (unsigned long long)c->count);
	if (b - a > worst)
		worst = b - a;
	explore_collapse(x, row);
	double t[5];
	for (int i = 0; i < 5; i++) {
		a = now_ms();
		explore_expand(x, row);
		t[i] = now_ms() - a;
		explore_collapse(x, row);
	}
	report("diff: Enter (most new)", t, 5);
	explore_free(x);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: explore_bench FILE [REPEAT [BEFORE]]\n");
		return 2;
	}
	int rep = argc > 2 ? atoi(argv[2]) : 5;
	if (rep < 1 || rep > 1000)
		rep = 5;
	char err[512];
	double t0 = now_ms(), c0 = cpu_ms();
	explore *x = explore_open(argv[1], HEAP_VIEW_DEVTOOLS, err, sizeof err);
	double t1 = now_ms(), c1 = cpu_ms();
	if (!x) {
		fprintf(stderr, "explore_bench: %s\n", err);
		return 1;
	}
	/* the first frame: the text of one 80x24 screen of rows, as
	 * explore_tui draws it (less the curses calls) */
	size_t bytes = 0;
	for (size_t i = 0; i < x->nrows && i < 22; i++) {
		uint64_t cnt, self, ret;
		char *l = explore_label(x, &x->rows[i]);
		explore_numbers(x, &x->rows[i], &cnt, &self, &ret);
		bytes += strlen(l) + (size_t)(cnt + self + ret > 0);
		free(l);
	}
	double t2 = now_ms(), c2 = cpu_ms();
	bool pending = explore_pending(x);
	if (explore_poll(x, true) < 0) {
		fprintf(stderr, "explore_bench: no retained sizes: %s\n", x->retained_err);
		return 1;
	}
	double t3 = now_ms(), c3 = cpu_ms();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("open %.3f s (%u nodes, %u edges, %zu classes; to the first frame%s)\n", (t2 - t0) / 1e3,
	       x->s->node_count, x->s->edge_count, x->sum->nclasses, pending ? ", retained sizes pending" : "");
	/* on a shared machine the wall time is mostly waiting for a core */
	printf("open cpu %.3f s\n", (c2 - c0) / 1e3);
	printf("retained %.3f s (in, from the start), cpu %.3f s, peak RSS %ld MB\n", (t3 - t0) / 1e3,
	       (c3 - c0) / 1e3, ru.ru_maxrss / 1024);
	static const char *const phase[EXPLORE_NT] = { "load (parse)", "DevTools' view", "summary (counts)",
						       "class index, sort", "dominators (thread)",
						       "classes: retained, sorted" };
	for (int p = 0; p < EXPLORE_NT; p++) {
		printf("phase %-24s %6.3f s wall %6.3f s cpu\n", phase[p], x->t_wall[p], x->t_cpu[p]);
		if (p == EXPLORE_T_INDEX)
			printf("phase %-24s %6.3f s wall %6.3f s cpu (%zu bytes of text)\n", "first frame",
			       (t2 - t1) / 1e3, (c2 - c1) / 1e3, bytes);
	}
	double *t = malloc((size_t)rep * sizeof *t);
	/* the class with the most objects first: its list is the longest,
	 * sorted by retained size the first time it is opened */
	explore_sort(x, HEAP_SORT_COUNT);
	double a = now_ms();
	explore_expand(x, 0);
	double b = now_ms();
	printf("key %-28s %8.3f ms\n", "Enter (the most, first)", b - a);
	if (b - a > worst)
		worst = b - a;
	explore_set_mode(x, EXPLORE_RETAINERS);
	a = now_ms();
	explore_expand(x, 1);
	b = now_ms();
	printf("key %-28s %8.3f ms\n", "r (the first)", b - a);
	if (b - a > worst)
		worst = b - a;
	explore_collapse(x, 1);
	explore_collapse(x, 0);
	for (int i = 0; i < rep; i++) {
		a = now_ms();
		explore_expand(x, 0);
		t[i] = now_ms() - a;
		if (i + 1 < rep)
			explore_collapse(x, 0);
	}
	report("Enter (the most objects)", t, rep);
	for (int i = 0; i < rep; i++) {
		a = now_ms();
		x->sel = x->sel + 1 < x->nrows ? x->sel + 1 : 0;
		t[i] = now_ms() - a;
	}
	report("Down", t, rep);
	explore_mode modes[] = { EXPLORE_RETAINERS, EXPLORE_EDGES, EXPLORE_DOMINATED };
	const char *mname[] = { "r (retainers)", "Enter (edges)", "Enter (dominated)" };
	for (int m = 0; m < 3; m++) {
		explore_set_mode(x, modes[m]);
		for (int i = 0; i < rep; i++) {
			a = now_ms();
			explore_expand(x, 1);
			t[i] = now_ms() - a;
			explore_collapse(x, 1);
		}
		report(mname[m], t, rep);
	}
	size_t more = first_row_of_kind(x, ROW_MORE, 0);
	if (more != SIZE_MAX) {
		for (int i = 0; i < rep; i++) {
			explore_collapse(x, 0);
			explore_expand(x, 0);
			more = first_row_of_kind(x, ROW_MORE, 0);
			a = now_ms();
			explore_toggle(x, more);
			t[i] = now_ms() - a;
		}
		report("Enter (next 100, \"more\")", t, rep);
	}
	for (int i = 0; i < rep; i++) {
		a = now_ms();
		explore_sort(x, i % 2 ? HEAP_SORT_RETAINED : HEAP_SORT_COUNT);
		t[i] = now_ms() - a;
	}
	report("s (sort)", t, rep);
	explore_sort(x, HEAP_SORT_RETAINED);
	for (int i = 0; i < rep; i++) {
		x->sel = 0;
		a = now_ms();
		explore_find(x, "zzz-no-such-class");
		t[i] = now_ms() - a;
	}
	report("/ (search, no match)", t, rep);
	uint32_t id = x->s->node_id[x->s->node_count - 1];
	for (int i = 0; i < rep; i++) {
		a = now_ms();
		explore_jump(x, id);
		t[i] = now_ms() - a;
	}
	report("# (jump to the last id)", t, rep);
	explore_expand(x, 0);
	for (int i = 0; i < rep; i++) {
		a = now_ms();
		explore_collapse(x, 0);
		t[i] = now_ms() - a;
		explore_expand(x, 0);
	}
	report("Esc (collapse)", t, rep);
	free(t);
	explore_free(x);
	if (argc > 3 && diff_keys(argv[3], argv[1]) < 0)
		return 1;
	printf("max key %.3f ms\n", worst);
	qsort(keys, (size_t)nkeys, sizeof *keys, cmp_d);
	printf("median key %.3f ms\n", nkeys ? keys[nkeys / 2] : 0.0);
	return 0;
}
