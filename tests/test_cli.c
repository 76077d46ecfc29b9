/* Unit tests for tui/cli (argument parsing) and tui/diag (snapshot cost). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tui/cli.h"
#include "tui/diag.h"

/* cli_parse keeps pointers into argv (o->cmd), as main's argv lives forever:
 * give it storage that outlives the call, as main's does. */
static char *av_store[32];

static int parse_args(cli_opts *o, char *err, size_t n, const char *const *args)
{
	int c = 0;
	while (args[c] && c < 31) {
		av_store[c] = (char *)args[c];
		c++;
	}
	av_store[c] = NULL;
	return cli_parse(c, av_store, o, err, n);
}

#define PARSE(o, err, ...) \
	parse_args((o), (err), sizeof(err), (const char *const[]){ "vitals", __VA_ARGS__, NULL })

static void test_pids_and_options(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "12", "--json", "-i", "0.5", "34", "--attach"), 0);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[0], 12);
	assert_int_equal(o.pids[1], 34);
	assert_true(o.json);
	assert_true(o.attach);
	assert_float_equal(o.interval_s, 0.5, 1e-9);
	assert_null(o.cmd);
}

/* htop's spellings: -d in tenths, -p with a comma list, -u USER. */
static void test_htop_aliases(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "-d", "5", "-p", "12,34", "-p", "56", "78"), 0);
	assert_float_equal(o.interval_s, 0.5, 1e-9);
	assert_int_equal(o.npids, 4);
	assert_int_equal(o.pids[0], 12);
	assert_int_equal(o.pids[1], 34);
	assert_int_equal(o.pids[2], 56);
	assert_int_equal(o.pids[3], 78);
	assert_int_equal(PARSE(&o, err, "--delay=20"), 0);
	assert_float_equal(o.interval_s, 2.0, 1e-9);
	assert_int_equal(PARSE(&o, err, "-d", "0"), -1);
	assert_string_equal(err, "bad value '0' for --delay (1 to 36000 tenths of a second)");
	assert_int_equal(PARSE(&o, err, "-p", "12,x"), -1);
	assert_string_equal(err, "'x' is not a PID (expected a positive number)");
	assert_int_equal(PARSE(&o, err, "-p", "12,"), -1);
	assert_int_equal(PARSE(&o, err, "-u", "alice"), 0);
	assert_string_equal(o.user, "alice");
	assert_int_equal(o.npids, 0);
	assert_int_equal(PARSE(&o, err, "-u", "alice", "12"), -1);
	assert_non_null(strstr(err, "-u chooses"));
	assert_int_equal(PARSE(&o, err, "-u", ""), -1);
	assert_non_null(strstr(cli_usage(), "-d, --delay TENTHS"));
	assert_non_null(strstr(cli_usage(), "-u, --user USER"));
}

static void test_launch_command(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "--json", "--", "node", "app.js", "--json", "-i"), 0);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "node");
	assert_string_equal(o.cmd[2], "--json");	/* the program's own options stay its own */
	assert_int_equal(o.npids, 0);
	assert_int_equal(PARSE(&o, err, "--"), -1);
	assert_non_null(strstr(err, "nothing to launch"));
	assert_int_equal(PARSE(&o, err, "12", "--", "node"), -1);
	assert_non_null(strstr(err, "not both"));
}

static void test_export_options(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "--no-tui", "--prometheus", "0.0.0.0:9464"), 0);
	assert_true(o.no_tui);
	assert_false(o.json);
	assert_string_equal(o.prometheus, "0.0.0.0:9464");
	assert_int_equal(PARSE(&o, err, "--prometheus"), -1);
	assert_string_equal(err, "option '--prometheus' needs a value");
	assert_int_equal(PARSE(&o, err, "--json", "--no-tui"), -1);
	assert_non_null(strstr(err, "give one"));
	assert_non_null(strstr(cli_usage(), "--prometheus [HOST:]PORT"));
	assert_non_null(strstr(cli_usage(), "In the dashboard, press ?"));	/* help not cut */
}

static void test_record_replay(void **state)
{
	(void)state;
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "record", "-o", "-", "--attach", "12", "34"), 0);
	assert_true(o.record);
	assert_null(o.replay);
	assert_string_equal(o.output, "-");
	assert_true(o.attach);
	assert_int_equal(o.npids, 2);
	assert_int_equal(PARSE(&o, err, "record", "--max-size", "5", "--", "node", "a.js"), 0);
	assert_true(o.max_size_mb == 5);
	assert_string_equal(o.cmd[0], "node");
	assert_int_equal(PARSE(&o, err, "replay", "--speed", "8", "x.vrec"), 0);
	assert_string_equal(o.replay, "x.vrec");
	assert_true(o.speed == 8);
	assert_false(o.record);
	assert_int_equal(PARSE(&o, err, "replay"), -1);
	assert_non_null(strstr(err, "vitals replay FILE"));
	assert_int_equal(PARSE(&o, err, "replay", "a", "b.20261201-101010"), 0);	/* rotated files */
	assert_int_equal(o.nreplay, 2);
	assert_string_equal(o.replay_files[1], "b.20261201-101010");
	assert_int_equal(PARSE(&o, err, "record", "--max-size", "0.002"), 0);	/* 2 KB: tests */
	assert_int_equal(PARSE(&o, err, "record", "--max-size", "0.0001"), -1);
	assert_int_equal(PARSE(&o, err, "replay", "--attach", "a"), -1);
	assert_int_equal(PARSE(&o, err, "-o", "f"), -1);
	assert_non_null(strstr(err, "options of vitals record"));
	assert_int_equal(PARSE(&o, err, "--speed", "2"), -1);
	assert_int_equal(PARSE(&o, err, "replay", "--speed", "100", "f"), -1);
	assert_int_equal(PARSE(&o, err, "record", "--json"), -1);
	assert_non_null(strstr(cli_usage(), "vitals replay [options] FILE"));
	assert_int_equal(PARSE(&o, err, "--remote", "a", "--remote", "b.example"), 0);
	assert_int_equal(o.nremotes, 2);
	assert_string_equal(o.remotes[1], "b.example");
	assert_int_equal(PARSE(&o, err, "--remote", "-oProxyCommand=x"), -1);	/* never an ssh option */
	assert_int_equal(PARSE(&o, err, "--remote", "a", "123"), -1);
	assert_int_equal(PARSE(&o, err, "record", "--remote", "a"), -1);
	assert_int_equal(PARSE(&o, err, "--json", "--remote", "a"), 0);	/* lines with "host" */
	assert_int_equal(PARSE(&o, err, "--no-tui", "--remote", "a"), -1);
}

static void test_errors(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "--frobnicate"), -1);
	assert_string_equal(err, "unknown option '--frobnicate' (see vitals --help)");
	assert_int_equal(PARSE(&o, err, "abc"), -1);
	assert_non_null(strstr(err, "'abc' is not a PID"));
	assert_int_equal(PARSE(&o, err, "-5"), -1);
	assert_int_equal(PARSE(&o, err, "0"), -1);
	assert_int_equal(PARSE(&o, err, "12x"), -1);
	assert_int_equal(PARSE(&o, err, "-i", "fast"), -1);
	assert_non_null(strstr(err, "bad value 'fast'"));
	assert_int_equal(PARSE(&o, err, "-i", "0"), -1);
	/* the option is named whichever way it was given, with what it takes */
	assert_string_equal(err, "bad value '0' for --interval (0.1 to 3600 seconds)");
	assert_int_equal(PARSE(&o, err, "--hz=50"), -1);
	assert_string_equal(err, "bad value '50' for --hz (a whole number from 1 to 20)");
	assert_int_equal(PARSE(&o, err, "--hz", "50"), -1);
	assert_int_equal(PARSE(&o, err, "--hz", "2.5"), -1);
	assert_int_equal(PARSE(&o, err, "--interval"), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(PARSE(&o, err, "--demo", "12"), -1);
	/* an argument quoted in an error cannot garble the terminal or add a
	 * line (found by fuzz/fuzz_cli) */
	assert_int_equal(PARSE(&o, err, "--fo\033[2Jo\nbar"), -1);
	assert_string_equal(err, "unknown option '--fo?[2Jo?bar' (see vitals --help)");
	assert_int_equal(PARSE(&o, err, "1\n2"), -1);
	assert_string_equal(err, "'1?2' is not a PID (expected a positive number)");
	assert_int_equal(PARSE(&o, err, "-i", "\0331"), -1);
	assert_string_equal(err, "bad value '?1' for --interval (0.1 to 3600 seconds)");
}

static void test_actions(void **state)
{
	cli_opts o;
	char err[256];
	assert_int_equal(PARSE(&o, err, "--help"), 0);
	assert_int_equal(o.action, CLI_HELP);
	assert_int_equal(PARSE(&o, err, "-V"), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(PARSE(&o, err, "heap", "summary", "f.heapsnapshot"), 0);
	assert_int_equal(o.action, CLI_HEAP);
	assert_int_equal(o.heap_argc, 3);
	assert_string_equal(o.heap_argv[0], "heap");
	assert_non_null(strstr(cli_usage(), "--attach"));	/* help comes from the option table */
	assert_non_null(strstr(cli_usage(), "--output-dir DIR"));
}

static void test_snapshot_cost(void **state)
{
	const double MB = 1024.0 * 1024.0;
	/* DESIGN.md: ~3-4 s at 45 MB, ~7 s at 90 MB, RSS +5x heap */
	snap_cost c = diag_snapshot_cost(45 * MB, 100 * MB, 0, 8192 * MB);
	assert_true(c.freeze_s > 3 && c.freeze_s < 4);
	assert_float_equal(c.rss_growth, 225 * MB, 1);
	assert_false(c.refuse);
	assert_false(c.limit_is_cgroup);
	c = diag_snapshot_cost(90 * MB, 200 * MB, 512 * MB, 8192 * MB);	/* 312 MB free < 450 MB */
	assert_true(c.freeze_s > 6.5 && c.freeze_s < 7.5);
	assert_true(c.limit_is_cgroup);
	assert_float_equal(c.headroom, 312 * MB, 1);
	assert_true(c.refuse);
	c = diag_snapshot_cost(10 * MB, 50 * MB, 0, -1);	/* nothing known: never refuse */
	assert_false(c.refuse);
	char buf[256];
	diag_snapshot_prompt(&c, 42, "app", 10 * MB, buf, sizeof buf);
	assert_non_null(strstr(buf, "Take it? y/n"));
	c = diag_snapshot_cost(90 * MB, 200 * MB, 512 * MB, -1);
	diag_snapshot_prompt(&c, 42, "app", 90 * MB, buf, sizeof buf);
	assert_non_null(strstr(buf, "REFUSED"));
	assert_string_equal(diag_bytes(1536, buf, sizeof buf), "1.5 KB");
	assert_string_equal(diag_bytes(12, buf, sizeof buf), "12 B");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pids_and_options),
		cmocka_unit_test(test_htop_aliases),
		cmocka_unit_test(test_launch_command),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_export_options),
		cmocka_unit_test(test_record_replay),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_snapshot_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
