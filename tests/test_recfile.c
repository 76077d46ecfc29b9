/* test_recfile — record/recfile's writer on disk: rotation by size and at a
 * change of day (FILE renamed FILE.YYYYmmdd-HHMMSS, a new FILE started, each
 * 0600 and holding whole blocks that the reader reads to a clean end), and a
 * block whose write fails (the file size limit, as a full disk would) taken
 * back so the file stays readable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record/recfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_recfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (e->d_name[0] != '.')
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* The files in dir whose names start with prefix, sorted; returns how many. */
static int list(const char *prefix, char names[][320], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) && n < max)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			snprintf(names[n++], 320, "%s/%s", dir, e->d_name);
	closedir(d);
	qsort(names, (size_t)n, 320, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* Read a file through rec_reader: its lines joined by '\n' into out;
 * returns the reader's verdict at the end (0 clean, -1 damage). */
static int read_all(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	rec_reader *r = rec_reader_new();
	unsigned char buf[4096];
	size_t used = 0;
	out[0] = 0;
	int rc;
	for (;;) {
		const char *line;
		size_t len;
		rc = rec_reader_next(r, &line, &len);
		if (rc > 0) {
			used += (size_t)snprintf(out + used, cap - used, "%.*s\n", (int)len, line);
			continue;
		}
		if (rc < 0)
			break;
		size_t n = fread(buf, 1, sizeof buf, f);
		if (n) {
			rec_reader_feed(r, buf, n);
			continue;
		}
		rec_reader_eof(r);
		rc = rec_reader_next(r, &line, &len);
		break;
	}
	rec_reader_free(r);
	fclose(f);
	return rc;
}

static void check_private(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_rotate_by_size(void **state)
{
	(void)state;
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/size.vrec", dir);
	rec_writer_opts o = { .path = path, .max_bytes = 1 };	/* every block starts a file */
	rec_writer *w = rec_writer_open(&o, err, sizeof err);
	assert_non_null(w);
	int64_t now = (int64_t)time(NULL) * 1000;
	for (int i = 0; i < 3; i++) {
		bool rotated;
		fprintf(rec_writer_stream(w), "{\"t\":\"x\",\"ts\":%lld,\"n\":%d}\n", (long long)now, i);
		assert_int_equal(rec_writer_flush(w, now, &rotated, err, sizeof err), 0);
		assert_true(rotated);
		now += 1000;	/* distinct names: one second each */
	}
	rec_writer_close(w);
	char names[8][320], text[4096];
	int n = list("size.vrec", names, 8);
	assert_int_equal(n, 4);	/* three rotated, the new (empty) file */
	assert_string_equal(names[0], path);
	for (int i = 1; i < n; i++) {
		check_private(names[i]);
		assert_int_equal(read_all(names[i], text, sizeof text), 0);
		char want[32];
		snprintf(want, sizeof want, "\"n\":%d}\n", i - 1);
		assert_non_null(strstr(text, want));
		assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));	/* one line each */
	}
	check_private(path);
}

static void test_rotate_daily(void **state)
{
	(void)state;
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/day.vrec", dir);
	rec_writer_opts o = { .path = path, .daily = true };
	rec_writer *w = rec_writer_open(&o, err, sizeof err);
	assert_non_null(w);
	int64_t now = (int64_t)time(NULL) * 1000;
	bool rotated;
	fprintf(rec_writer_stream(w), "{\"day\":1}\n");
	assert_int_equal(rec_writer_flush(w, now, &rotated, err, sizeof err), 0);
	assert_false(rotated);
	fprintf(rec_writer_stream(w), "{\"day\":1,\"more\":true}\n");
	assert_int_equal(rec_writer_flush(w, now + 1000, &rotated, err, sizeof err), 0);
	assert_false(rotated);
	/* a day later: the lines go into the old file, then it is rotated */
	fprintf(rec_writer_stream(w), "{\"day\":1,\"last\":true}\n");
	assert_int_equal(rec_writer_flush(w, now + 86400000, &rotated, err, sizeof err), 0);
	assert_true(rotated);
	fprintf(rec_writer_stream(w), "{\"day\":2}\n");
	assert_int_equal(rec_writer_flush(w, now + 86401000, &rotated, err, sizeof err), 0);
	assert_false(rotated);
	rec_writer_close(w);
	char names[4][320], text[4096];
	assert_int_equal(list("day.vrec", names, 4), 2);
	/* the rotated one is named for its first data, today */
	char stamp[32];
	time_t t = (time_t)(now / 1000);
	strftime(stamp, sizeof stamp, ".%Y%m%d-", localtime(&t));
	assert_non_null(strstr(names[1], stamp));
	assert_int_equal(read_all(names[1], text, sizeof text), 0);
	assert_string_equal(text, "{\"day\":1}\n{\"day\":1,\"more\":true}\n{\"day\":1,\"last\":true}\n");
	assert_int_equal(read_all(path, text, sizeof text), 0);
	assert_string_equal(text, "{\"day\":2}\n");
	check_private(names[1]);
	check_private(path);
}

static void test_failed_write_taken_back(void **state)
{
	(void)state;
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/full.vrec", dir);
	rec_writer_opts o = { .path = path };
	rec_writer *w = rec_writer_open(&o, err, sizeof err);
	assert_non_null(w);
	bool rotated;
	fprintf(rec_writer_stream(w), "{\"first\":true}\n");
	assert_int_equal(rec_writer_flush(w, 0, &rotated, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	off_t good = st.st_size;
	/* a block that does not compress, larger than the room left */
	srand(7);
	for (int i = 0; i < 2000; i++)
		fprintf(rec_writer_stream(w), "%08x", (unsigned)rand());
	fputc('\n', rec_writer_stream(w));
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)good + 1000;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = rec_writer_flush(w, 0, &rotated, err, sizeof err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	assert_true(rc < 0);
	assert_non_null(strstr(err, "writing "));
	assert_null(strchr(err, '\n'));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, good);	/* the cut block was taken back */
	char text[256];
	assert_int_equal(read_all(path, text, sizeof text), 0);
	assert_string_equal(text, "{\"first\":true}\n");
	/* and the next block goes on after it */
	fprintf(rec_writer_stream(w), "{\"after\":true}\n");
	assert_int_equal(rec_writer_flush(w, 0, &rotated, err, sizeof err), 0);
	rec_writer_close(w);
	assert_int_equal(read_all(path, text, sizeof text), 0);
	assert_string_equal(text, "{\"first\":true}\n{\"after\":true}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotate_by_size),
		cmocka_unit_test(test_rotate_daily),
		cmocka_unit_test(test_failed_write_taken_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
