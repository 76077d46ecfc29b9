/* Unit tests for collectors/proc: the pure helpers, and the collector against
 * the real /proc of this test process and of children it forks.  Expected
 * values come from reading /proc (or getrusage) independently here, never
 * from the collector itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/proc.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A "Key:   value kB" field of /proc/PID/status, or -1. */
static long status_field(int pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* Field n (1-based, as in proc(5)) of /proc/PID/stat. */
static unsigned long long stat_field(int pid, int n)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	char *p = strrchr(buf, ')');	/* comm may hold spaces */
	assert_non_null(p);
	p += 2;				/* field 3, the state */
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		assert_non_null(p);
		p++;
	}
	return strtoull(p, NULL, 10);
}

static void read_comm(int pid, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, (int)len, f));
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static proc_collector *collector(void)
{
	char err[128] = "";
	proc_collector *pc = proc_collector_new(err, sizeof err);
	if (!pc)
		fail_msg("proc_collector_new: %s", err);
	return pc;
}

/* ------------------------------------------------------------ pure helpers */

static void test_cpu_pct(void **state)
{
	assert_true(proc_cpu_pct(100, 1000, 100) == 100.0);	/* one core, 1 s */
	assert_true(fabs(proc_cpu_pct(50, 2000, 100) - 25.0) < 1e-9);
	assert_true(proc_cpu_pct(400, 1000, 100) == 400.0);	/* four cores busy */
	assert_true(fabs(proc_cpu_pct(130, 500, 100) - 260.0) < 1e-9);
	assert_true(proc_cpu_pct(0, 1000, 100) == 0.0);
	/* zero or negative interval, bad clock rate */
	assert_true(proc_cpu_pct(10, 0, 100) == 0.0);
	assert_true(proc_cpu_pct(10, -5, 100) == 0.0);
	assert_true(proc_cpu_pct(10, 1000, 0) == 0.0);
	/* a counter that went back: the delta helper and the raw subtraction */
	assert_int_equal(proc_tick_delta(10, 5), 0);
	assert_int_equal(proc_tick_delta(5, 10), 5);
	assert_int_equal(proc_tick_delta(UINT64_MAX - 1, UINT64_MAX), 1);
	uint64_t prev = 10, cur = 5;
	assert_true(proc_cpu_pct(cur - prev, 1000, 100) == 0.0);
}

static void test_fate(void **state)
{
	assert_int_equal(proc_fate_of(500, true, 500, 'S'), PROC_FATE_SAME);
	assert_int_equal(proc_fate_of(500, true, 500, 'R'), PROC_FATE_SAME);
	assert_int_equal(proc_fate_of(500, false, 0, 0), PROC_FATE_GONE);
	assert_int_equal(proc_fate_of(500, true, 500, 'Z'), PROC_FATE_GONE);
	assert_int_equal(proc_fate_of(500, true, 501, 'S'), PROC_FATE_REUSED);
	/* reused by a process that is already a zombie: still another process */
	assert_int_equal(proc_fate_of(500, true, 900, 'Z'), PROC_FATE_REUSED);
	/* start time not known yet (added by launch): adopt what we see */
	assert_int_equal(proc_fate_of(0, true, 77, 'S'), PROC_FATE_SAME);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__ }), \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* pm2's names: the daemon by its title, an app by the name and id pm2 put in
 * its environment; anything else has none. */
/* pm2's names: the daemon by its title, an app by the name and id pm2 put in
 * its environment (cluster mode: the JSON pm2_env; fork mode: name, pm_id);
 * anything else has none. */
static void test_manager_name(void **state)
{
	(void)state;
	char b[32];
	proc_manager_name("PM2 v5.4.3: God Daemon (/root/.pm2)", NULL, NULL, NULL, b, sizeof b);
	assert_string_equal(b, "pm2");
	proc_manager_name("node /srv/app.js", "{\"env\":{\"name\":\"x\"},\"name\":\"web\",\"pm_id\":1}", NULL,
			  NULL, b, sizeof b);
	assert_string_equal(b, "web#1");
	proc_manager_name("node /srv/app.js", "{\"name\":\"web\",\"pm_id\":\"1\"}", NULL, NULL, b, sizeof b);
	assert_string_equal(b, "");	/* not pm2's shape */
	proc_manager_name("node /srv/app.js", "{\"name\":\"web\",", NULL, NULL, b, sizeof b);
	assert_string_equal(b, "");	/* broken JSON */
	proc_manager_name("node /srv/app.js", "{\"name\":\"web\",\"pm_id\":-1}", NULL, NULL, b, sizeof b);
	assert_string_equal(b, "");
	proc_manager_name("node", NULL, "api", "0", b, sizeof b);
	assert_string_equal(b, "api#0");
	proc_manager_name("node", NULL, "web", NULL, b, sizeof b);
	assert_string_equal(b, "");
	proc_manager_name("node", NULL, "web", "1x", b, sizeof b);	/* not pm2's id */
	assert_string_equal(b, "");
	proc_manager_name("node", NULL, "", "3", b, sizeof b);
	assert_string_equal(b, "");
	proc_manager_name(NULL, NULL, "web\x1b[2J", "12", b, sizeof b);	/* cleaned */
	assert_string_equal(b, "web?[2J#12");
	/* a long name keeps the id whole */
	proc_manager_name(NULL, NULL, "a-very-long-application-name-indeed", "123", b, sizeof b);
	assert_int_equal(strlen(b), sizeof b - 1);
	assert_string_equal(b + strlen(b) - 4, "#123");
	proc_manager_name(NULL, NULL, "web", "1234567890123", b, sizeof b);	/* absurd id */
	assert_string_equal(b, "");
	proc_manager_name("PM2 v5", NULL, NULL, NULL, b, 0);	/* no room: nothing written */
}

static void test_wrapper(void **state)
{
	/* process.title rewrites argv into one string plus empty arguments */
	assert_true(proc_argv_is_wrapper(ARGV("npm exec node idle.js", "", "", "")));
	assert_true(proc_argv_is_wrapper(ARGV("npm start")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "/usr/lib/node_modules/npm/bin/npm-cli.js",
					      "run", "dev")));
	assert_true(proc_argv_is_wrapper(ARGV("/usr/bin/node", "/usr/bin/npx", "tsx", "a.ts")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "/usr/share/yarn/bin/yarn.js", "start")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "/x/pnpm/bin/pnpm.cjs", "dev")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "/usr/bin/corepack", "yarn", "start")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "--max-old-space-size=512",
					      "/usr/local/bin/pm2", "logs")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "-r", "x.js", "/usr/bin/npm", "test")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "--", "/usr/bin/npm", "test")));
	/* options with a separate value: the same list as the label and the
	 * inspector's flag scan (model_node_opt_takes_value) */
	assert_true(proc_argv_is_wrapper(ARGV("node", "--stack-size", "2000", "/usr/bin/npm", "test")));
	assert_true(proc_argv_is_wrapper(ARGV("node", "--unhandled-rejections", "warn", "/usr/bin/npx", "x")));
	assert_false(proc_argv_is_wrapper(ARGV("node", "--title", "npm", "server.js")));
	/* not wrappers: the programs themselves, and pm2's daemon */
	assert_false(proc_argv_is_wrapper(ARGV("node", "server.js")));
	assert_false(proc_argv_is_wrapper(ARGV("node", "-r", "npm", "server.js")));
	assert_false(proc_argv_is_wrapper(ARGV("node", "-e", "require('npm')")));
	assert_false(proc_argv_is_wrapper(ARGV("node")));
	assert_false(proc_argv_is_wrapper(ARGV("PM2 v5.3.0: God Daemon (/root/.pm2)")));
	assert_false(proc_argv_is_wrapper(ARGV("node", "/usr/lib/node_modules/pm2/lib/Daemon.js")));
	assert_false(proc_argv_is_wrapper(ARGV("node", "/srv/npm-mirror/index.js")));
	assert_false(proc_argv_is_wrapper(ARGV("my-api")));
	assert_false(proc_argv_is_wrapper(ARGV("")));
	assert_false(proc_argv_is_wrapper(NULL, 0));
}

static void test_cgroup_parse(void **state)
{
	char v2[256], v1[256];
	const char *pure = "0::/user.slice/app.service\n";
	assert_int_equal(proc_cgroup_parse(pure, strlen(pure), v2, sizeof v2, v1, sizeof v1), 0);
	assert_string_equal(v2, "/user.slice/app.service");
	assert_string_equal(v1, "");
	const char *hybrid = "9:name=systemd:/\n4:memory:/process_api/abc\n"
			     "2:cpu,cpuacct:/x\n0::/\n";
	assert_int_equal(proc_cgroup_parse(hybrid, strlen(hybrid), v2, sizeof v2, v1, sizeof v1), 0);
	assert_string_equal(v2, "/");
	assert_string_equal(v1, "/process_api/abc");
	const char *multi = "5:cpuset,memory:/a\n";	/* memory co-mounted */
	assert_int_equal(proc_cgroup_parse(multi, strlen(multi), v2, sizeof v2, v1, sizeof v1), 0);
	assert_string_equal(v1, "/a");
	const char *notmem = "5:memoryx:/a\n";
	assert_int_equal(proc_cgroup_parse(notmem, strlen(notmem), v2, sizeof v2, v1, sizeof v1), 0);
	assert_string_equal(v1, "");
	const char *bad = "garbage\n0::relative\n0::/../../etc\n";
	assert_int_equal(proc_cgroup_parse(bad, strlen(bad), v2, sizeof v2, v1, sizeof v1), -EINVAL);
	assert_string_equal(v2, "");
	assert_int_equal(proc_cgroup_parse("", 0, v2, sizeof v2, v1, sizeof v1), -EINVAL);

	assert_true(proc_limit_parse("max\n", 4) == 0);
	assert_true(proc_limit_parse("268435456\n", 10) == 268435456.0);
	assert_true(proc_limit_parse("9223372036854771712\n", 20) == 0);	/* v1 unlimited */
	assert_true(proc_limit_parse("99999999999999999999999", 23) == 0);	/* overflow */
	assert_true(proc_limit_parse("12ab", 4) == -1);
	assert_true(proc_limit_parse("", 0) == -1);
	assert_true(proc_limit_parse("-5", 2) == -1);
}

/* ------------------------------------------------------------- identify */

static void test_identify_self(void **state)
{
	proc_collector *pc = collector();
	proc_info pi;
	char comm[64];
	assert_int_equal(proc_identify(pc, getpid(), &pi), 0);
	read_comm(getpid(), comm, sizeof comm);
	assert_int_equal(pi.pid, getpid());
	assert_int_equal(pi.ppid, getppid());
	assert_int_equal(pi.uid, geteuid());
	assert_true(pi.start_time == stat_field(getpid(), 22));
	assert_string_equal(pi.name, comm);
	assert_int_equal(pi.state, 'R');
	assert_false(pi.is_node);
	/* started a moment ago (this test binary) */
	int64_t age = now_ms() - proc_start_ms(pc, pi.start_time);
	if (age < -1000 || age > 120000)
		fail_msg("process age %lld ms", (long long)age);
	proc_collector_free(pc);
}

/* Heap bytes in use (0 under ASan, whose allocator mallinfo2 does not see). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* The identity context (libproc2's 1024 primed stacks) is closed after a
 * while without a first sight and opened again for the next one. */
static void test_identify_after_idle(void **state)
{
	proc_collector *pc = collector();
	proc_info pi;
	assert_int_equal(proc_identify(pc, getpid(), &pi), 0);
	model m;
	model_init(&m, NULL);
	model_add(&m, getpid(), pi.start_time);
	size_t before = heap_in_use();
	for (int i = 0; i < 40; i++)
		assert_int_equal(proc_collector_sample(pc, &m, now_ms()), 0);
	size_t after = heap_in_use();
	if (before > 0)	/* the context's ~180 KB of stacks went */
		assert_true(before > after + 100000);
	assert_int_equal(proc_identify(pc, getpid(), &pi), 0);
	assert_int_equal(pi.pid, getpid());
	assert_true(pi.start_time == stat_field(getpid(), 22));
	assert_true(heap_in_use() >= after);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
}

/* A PID that no process has: kill() says ESRCH. */
static int unused_pid(void)
{
	for (int pid = 4000000; pid > 1000; pid -= 7919)
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return pid;
	return -1;
}

static void test_identify_missing(void **state)
{
	proc_collector *pc = collector();
	proc_info pi;
	int pid = unused_pid();
	assert_true(pid > 0);
	assert_int_equal(proc_identify(pc, pid, &pi), -ENOENT);
	assert_int_equal(proc_identify(pc, 0, &pi), -EINVAL);
	assert_int_equal(proc_identify(pc, -3, &pi), -EINVAL);
	proc_collector_free(pc);
}

/* What identify and sample must say about PID 1, given what this process can
 * read of it by itself.  Returns 0 if all agreed (run in a child too). */
static int check_pid1(void)
{
	proc_collector *pc = collector();
	proc_info pi;
	int rc = proc_identify(pc, 1, &pi);
	int fd = open("/proc/1/stat", O_RDONLY);
	int bad = 0;
	if (fd >= 0) {
		close(fd);
		bad |= rc != 0;
		bad |= rc == 0 && (pi.pid != 1 || pi.ppid != 0 ||
				   pi.start_time != stat_field(1, 22));
		char comm[64];
		read_comm(1, comm, sizeof comm);
		bad |= rc == 0 && strcmp(pi.name, comm) != 0;
	} else {
		bad |= rc != -EACCES;
	}
	/* Sampling: readable -> LIVE with an RSS; unreadable -> DENIED + why. */
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, 1, rc == 0 ? pi.start_time : 0);
	bad |= proc_collector_sample(pc, &m, now_ms()) != 0;
	if (rc == 0) {
		bad |= p->state != PROC_LIVE || p->rss_bytes <= 0;
		/* fds: a count, or -1 with the reason in err */
		bad |= p->fds < 0 && strstr(p->err, "permission denied reading /proc/1/fd") == NULL;
	} else {
		bad |= p->state != PROC_DENIED || strstr(p->err, "permission denied") == NULL;
	}
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
	return bad;
}

static void test_identify_pid1(void **state)
{
	assert_int_equal(check_pid1(), 0);
	if (geteuid() != 0)
		return;
	/* As root, also look from an unprivileged user's side. */
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		_exit(check_pid1());
	}
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* In a child: a private /proc mounted with hidepid=OPT, then become nobody
 * and look at our parent (root).  Exit 0 if the collector said denied, with
 * the reason; 1 if it said something else; 77 if the setup is impossible. */
static int denied_child(const char *opt, int target, uint64_t target_start)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, opt) < 0)
		return 77;
	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 77;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", target);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {		/* hidepid not honoured here */
		close(fd);
		return 77;
	}
	proc_collector *pc = collector();
	proc_info pi;
	int bad = proc_identify(pc, target, &pi) != -EACCES;
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, target, target_start);
	bad |= proc_collector_sample(pc, &m, 1000) != 0;
	bad |= p->state != PROC_DENIED;
	snprintf(path, sizeof path, "permission denied reading /proc/%d/stat", target);
	bad |= strcmp(p->err, path) != 0;
	bad |= p->rss_r.count != 1 || !isnan(p->rss_r.last);	/* a hole, not a zero */
	/* still denied, not exited, on the next tick; a PID that is really gone
	 * is told apart (kill() says ESRCH for it) */
	vproc *gone = model_add(&m, unused_pid(), 5);
	bad |= proc_collector_sample(pc, &m, 2000) != 0;
	bad |= p->state != PROC_DENIED || gone->state != PROC_EXITED;
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
	return bad;
}

static void test_denied(void **state)
{
	if (geteuid() != 0)
		skip();		/* needs root to mount a private /proc */
	uint64_t start = stat_field(getpid(), 22);
	const char *opts[] = { "hidepid=invisible", "hidepid=noaccess" };
	int ran = 0;
	for (size_t i = 0; i < 2; i++) {
		pid_t c = fork();
		assert_true(c >= 0);
		if (c == 0)
			_exit(denied_child(opts[i], getppid(), start));
		int st;
		assert_int_equal(waitpid(c, &st, 0), c);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 77)
			continue;
		if (WEXITSTATUS(st) != 0)
			fail_msg("%s: not reported as denied", opts[i]);
		ran++;
	}
	if (!ran)
		skip();
}

/* -------------------------------------------------------------- sampling */

static int count_fds_self(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static double rusage_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
	       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

static double mono_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_sample_self(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	/* Touch 8 MB so that RSS is well above noise. */
	size_t big = 8 << 20;
	volatile char *mem = malloc(big);
	assert_non_null(mem);
	for (size_t i = 0; i < big; i += 4096)
		mem[i] = 1;
	vproc *p = model_add(&m, getpid(), 0);	/* start time unknown: adopted */
	/* Our own memory moves while the collector works (libproc2 allocates on
	 * first use): bracket its reading between two of ours. */
	long rss0 = status_field(getpid(), "VmRSS"), size0 = status_field(getpid(), "VmSize");
	assert_int_equal(proc_collector_sample(pc, &m, now_ms()), 0);
	long rss1 = status_field(getpid(), "VmRSS"), size1 = status_field(getpid(), "VmSize");
	long threads = status_field(getpid(), "Threads");
	int fds = count_fds_self();
	assert_int_equal(m.nprocs, 1);
	assert_int_equal(p->state, PROC_LIVE);
	assert_true(p->start_time == stat_field(getpid(), 22));
	double rss_kb = p->rss_bytes / 1024.0, vsz_kb = p->vsz_bytes / 1024.0;
	if (rss_kb < 0.97 * (double)(rss0 < rss1 ? rss0 : rss1) ||
	    rss_kb > 1.03 * (double)(rss0 > rss1 ? rss0 : rss1))
		fail_msg("rss %.0f kB vs VmRSS %ld..%ld kB", rss_kb, rss0, rss1);
	if (vsz_kb < (double)(size0 < size1 ? size0 : size1) ||
	    vsz_kb > (double)(size0 > size1 ? size0 : size1))
		fail_msg("vsz %.0f kB vs VmSize %ld..%ld kB", vsz_kb, size0, size1);
	assert_int_equal(p->threads, threads);
	assert_int_equal(p->fds, fds);
	assert_int_equal(p->ppid, getppid());
	assert_int_equal(p->uid, geteuid());
	assert_non_null(p->cmdline);
	assert_non_null(strstr(p->cmdline, "test_proc"));
	assert_true(p->mem_limit >= 0);
	assert_int_equal(p->rss_r.count, 1);
	assert_true(isnan(p->cpu_r.last));	/* no CPU % before a second sample */
	assert_non_null(p->collector_data);

	/* Burn CPU for ~300 ms and compare with getrusage over the same span. */
	double r0 = rusage_ms(), t0 = mono_now_ms();
	volatile double x = 0;
	while (mono_now_ms() - t0 < 300)
		for (int i = 0; i < 10000; i++)
			x += i;
	assert_true(x > 0);
	uint64_t dirty = m.dirty;
	assert_int_equal(proc_collector_sample(pc, &m, now_ms()), 0);
	double want = (rusage_ms() - r0) * 100.0 / (mono_now_ms() - t0);
	assert_true(m.dirty > dirty);
	assert_int_equal(p->cpu_r.count, 2);
	assert_false(isnan(p->cpu_r.last));
	/* ticks are 10 ms: allow a few ticks over ~300 ms */
	if (fabs(p->cpu_pct - want) > 15.0)
		fail_msg("cpu %.1f%% vs getrusage %.1f%%", p->cpu_pct, want);
	assert_true(fabs(p->cpu_pct - (p->cpu_user_pct + p->cpu_sys_pct)) < 1e-9);
	free((void *)mem);
	proc_collector_release(&m);
	assert_null(p->collector_data);
	model_free(&m);
	proc_collector_free(pc);
}

static pid_t fork_sleeper(void)
{
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		for (;;)
			pause();
	}
	return c;
}

static void test_child_exits(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	pid_t c = fork_sleeper();
	proc_info pi;
	assert_int_equal(proc_identify(pc, c, &pi), 0);
	assert_int_equal(pi.ppid, getpid());
	vproc *p = model_add(&m, c, pi.start_time);
	assert_int_equal(proc_collector_sample(pc, &m, 1000), 0);
	assert_int_equal(proc_collector_sample(pc, &m, 2000), 0);
	assert_int_equal(p->state, PROC_LIVE);
	assert_true(p->rss_bytes > 0);
	kill(c, SIGKILL);
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	uint64_t dirty = m.dirty;
	assert_int_equal(proc_collector_sample(pc, &m, 3000), 0);
	assert_int_equal(p->state, PROC_EXITED);
	assert_int_equal(p->exited_ms, 3000);
	assert_true(m.dirty > dirty);
	assert_int_equal(p->rss_r.count, 2);	/* history kept */
	assert_int_equal(ring_len(&p->rss_r, 0), 2);
	assert_null(p->collector_data);
	assert_int_equal(m.nprocs, 1);
	/* exited processes are no longer sampled */
	assert_int_equal(proc_collector_sample(pc, &m, 4000), 0);
	assert_int_equal(p->rss_r.count, 2);
	assert_int_equal(p->exited_ms, 3000);
	model_free(&m);
	proc_collector_free(pc);
}

static void test_child_zombie(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	pid_t c = fork_sleeper();
	vproc *p = model_add(&m, c, 0);
	assert_int_equal(proc_collector_sample(pc, &m, 1000), 0);
	assert_int_equal(p->state, PROC_LIVE);
	kill(c, SIGKILL);
	/* not reaped yet: a zombie until waitpid; wait for the kernel to get there */
	for (int i = 0; i < 200; i++) {
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%d/stat", c);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, ") Z "))
			break;
		usleep(10000);
	}
	assert_int_equal(proc_collector_sample(pc, &m, 2000), 0);
	assert_int_equal(p->state, PROC_EXITED);
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	model_free(&m);
	proc_collector_free(pc);
}

static void test_pid_reuse(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	uint64_t real = stat_field(getpid(), 22);
	/* We knew a process with this PID that started earlier: it is gone and
	 * the PID now names this test process. */
	vproc *old = model_add(&m, getpid(), real > 10 ? real - 10 : real + 10);
	assert_int_equal(proc_collector_sample(pc, &m, 1000), 0);
	assert_int_equal(proc_collector_sample(pc, &m, 2000), 0);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(old->state, PROC_EXITED);
	assert_int_equal(old->exited_ms, 1000);
	assert_int_equal(old->rss_r.count, 0);
	vproc *nw = model_find(&m, getpid());
	assert_ptr_not_equal(nw, old);
	assert_true(nw->start_time == real);
	assert_int_equal(nw->state, PROC_LIVE);
	assert_int_equal(nw->rss_r.count, 2);
	assert_non_null(nw->cmdline);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
}

/* Issue 14: the PID was reused between two ticks and discovery, which runs
 * first, took on the new process already: the sample must not add it again
 * (two rows, two "found" events). */
static void test_pid_reuse_discovered(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	uint64_t real = stat_field(getpid(), 22);
	vproc *old = model_add(&m, getpid(), real > 10 ? real - 10 : real + 10);
	vproc *nw = model_add(&m, getpid(), real);	/* what discovery added */
	assert_int_equal(proc_collector_sample(pc, &m, 1000), 0);
	assert_int_equal(proc_collector_sample(pc, &m, 2000), 0);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(old->state, PROC_EXITED);
	assert_int_equal(nw->state, PROC_LIVE);
	assert_int_equal(nw->rss_r.count, 2);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
}

/* A cgroup with a memory limit, when we may make one (root, v1 or v2). */
static void test_cgroup_limit(void **state)
{
	char dir[256];
	const char *file;
	if (access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) == 0) {
		snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory/vitals-test-%d", getpid());
		file = "memory.limit_in_bytes";
	} else if (access("/sys/fs/cgroup/cgroup.subtree_control", W_OK) == 0) {
		snprintf(dir, sizeof dir, "/sys/fs/cgroup/vitals-test-%d", getpid());
		file = "memory.max";
	} else {
		skip();
		return;
	}
	if (mkdir(dir, 0755) < 0)
		skip();
	char path[320];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "268435456\n") < 0 || fclose(f) != 0) {
		rmdir(dir);
		skip();
	}
	pid_t c = fork_sleeper();
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	bool moved = f && fprintf(f, "%d\n", c) > 0;
	if (f)
		moved = fclose(f) == 0 && moved;
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, c, 0);
	vproc *me = model_add(&m, getpid(), 0);
	proc_collector_sample(pc, &m, 1000);
	double lim = p->mem_limit, mine = me->mem_limit;
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	rmdir(dir);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
	if (!moved)
		skip();
	assert_true(lim == 268435456.0);
	assert_true(mine != 268435456.0);	/* ours is not that cgroup's */
}

/* Whatever discovery adds is a node process (checked with readlink here) of
 * ours, never this test, and never twice. */
static void test_discover_only_node(void **state)
{
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	int n = proc_discover(pc, &m, geteuid(), false);
	assert_true(n >= 0);
	assert_int_equal(m.nprocs, (size_t)n);
	for (size_t i = 0; i < m.nprocs; i++) {
		vproc *p = m.procs[i];
		char path[64], exe[4096];
		snprintf(path, sizeof path, "/proc/%d/exe", p->pid);
		ssize_t len = readlink(path, exe, sizeof exe - 1);
		if (len < 0)
			continue;	/* exited meanwhile */
		exe[len] = '\0';
		const char *b = strrchr(exe, '/');
		b = b ? b + 1 : exe;
		if (strncmp(b, "node", 4) != 0)
			fail_msg("discovered %d: %s", p->pid, exe);
		assert_int_not_equal(p->pid, getpid());
		assert_int_equal(p->uid, geteuid());
		assert_true(p->start_time > 0);
		for (size_t j = 0; j < i; j++)
			assert_false(m.procs[j]->pid == p->pid &&
				     m.procs[j]->start_time == p->start_time);
	}
	/* Again: the ones we have are not added twice. */
	size_t before = m.nprocs;
	int again = proc_discover(pc, &m, geteuid(), false);
	assert_true(again >= 0);
	for (size_t i = before; i < m.nprocs; i++)
		for (size_t j = 0; j < before; j++)
			assert_false(m.procs[j]->pid == m.procs[i]->pid &&
				     m.procs[j]->start_time == m.procs[i]->start_time);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
}

/* A copy of sleep(1) named node in a fresh directory: what the "is it
 * Node?" rule takes for node (its exe's base name).  Its path into out. */
static void fake_node(char *dir, size_t dlen, char *out, size_t olen)
{
	snprintf(dir, dlen, "/tmp/vitals-kids-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(out, olen, "%s/node", dir);
	int in = open("/bin/sleep", O_RDONLY), o = open(out, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(in >= 0 && o >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(o, buf, (size_t)n), n);
	close(in);
	assert_int_equal(close(o), 0);
}

/* A child that waits for a byte on fd, then runs node (the fake). */
static pid_t fork_exec_on_byte(int fd, const char *node)
{
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		char b;
		if (read(fd, &b, 1) == 1)
			execl(node, "node", "600", (char *)NULL);
		_exit(1);
	}
	return c;
}

/* Wait until pid's comm is want (an exec done). */
static void wait_comm(int pid, const char *want)
{
	char comm[64] = "";
	for (int i = 0; i < 500; i++) {
		read_comm(pid, comm, sizeof comm);
		if (strcmp(comm, want) == 0)
			return;
		usleep(10000);
	}
	fail_msg("%d: comm %s, not %s", pid, comm, want);
}

static int stat_ppid_of(int pid)
{
	return (int)stat_field(pid, 4);
}

static bool model_holds(const model *m, int pid)
{
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->pid == pid)
			return true;
	return false;
}

/* Children discovery scans /proc only when something it judges changed,
 * and still finds a child that becomes node by exec (no new PID), a new
 * node child, and an orphan reparented to a watched subreaper; nothing
 * changed, no scan. */
static void test_discover_children(void **state)
{
	char dir[64], node[128];
	fake_node(dir, sizeof dir, node, sizeof node);
	proc_collector *pc = collector();
	model m;
	model_init(&m, NULL);
	model_add(&m, getpid(), stat_field(getpid(), 22));
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t a = fork_exec_on_byte(go[0], node);
	wait_comm(a, "test_proc");
	assert_int_equal(proc_discover_children(pc, &m), 0);	/* not node yet */
	unsigned long scans = proc_collector_scans(pc);
	assert_true(scans >= 1);
	assert_int_equal(proc_discover_children(pc, &m), 0);
	assert_int_equal(proc_discover_children(pc, &m), 0);
	assert_int_equal(proc_collector_scans(pc), scans);	/* nothing changed: no scan */

	/* exec: the same PID, now node */
	assert_int_equal(write(go[1], "x", 1), 1);
	wait_comm(a, "node");
	assert_int_equal(proc_discover_children(pc, &m), 1);
	assert_true(model_holds(&m, a));
	scans = proc_collector_scans(pc);
	assert_int_equal(proc_discover_children(pc, &m), 0);
	assert_int_equal(proc_collector_scans(pc), scans);

	/* a new child that is node */
	pid_t b = fork_exec_on_byte(go[0], node);
	assert_int_equal(write(go[1], "x", 1), 1);
	wait_comm(b, "node");
	assert_int_equal(proc_discover_children(pc, &m), 1);
	assert_true(model_holds(&m, b));

	/* an orphan: node under a child that is not watched (not node), the
	 * child ends, the grandchild is ours (we are a subreaper) */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	int gx[2], mx[2], gp[2];
	assert_int_equal(pipe(gx), 0);
	assert_int_equal(pipe(mx), 0);
	assert_int_equal(pipe(gp), 0);
	pid_t mid = fork();	/* ours, stays; its child's child is node */
	assert_true(mid >= 0);
	if (mid == 0) {
		pid_t m2 = fork();
		if (m2 == 0) {
			pid_t gc = fork_exec_on_byte(gx[0], node);
			char x;
			if (write(gp[1], &gc, sizeof gc) != sizeof gc || read(mx[0], &x, 1) != 1)
				_exit(1);
			_exit(0);
		}
		waitpid(m2, NULL, 0);
		for (;;)
			pause();
	}
	pid_t g = 0;
	assert_int_equal(read(gp[0], &g, sizeof g), sizeof g);
	assert_int_equal(write(gx[1], "x", 1), 1);
	wait_comm(g, "node");
	assert_int_equal(proc_discover_children(pc, &m), 0);	/* a great-grandchild */
	assert_false(model_holds(&m, g));
	assert_int_equal(write(mx[1], "x", 1), 1);	/* its parent goes */
	for (int i = 0; i < 500 && stat_ppid_of(g) != getpid(); i++)
		usleep(10000);
	assert_int_equal(proc_discover_children(pc, &m), 1);	/* reparented to us */
	assert_true(model_holds(&m, g));
	int fds[] = { gx[0], gx[1], mx[0], mx[1], gp[0], gp[1] };
	for (size_t i = 0; i < 6; i++)
		close(fds[i]);

	prctl(PR_SET_CHILD_SUBREAPER, 0);
	pid_t kids[] = { a, b, g, mid };
	for (size_t i = 0; i < 4; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(go[0]);
	close(go[1]);
	unlink(node);
	rmdir(dir);
	proc_collector_release(&m);
	model_free(&m);
	proc_collector_free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_fate),
		cmocka_unit_test(test_wrapper),
		cmocka_unit_test(test_cgroup_parse),
		cmocka_unit_test(test_identify_self),
		cmocka_unit_test(test_identify_after_idle),
		cmocka_unit_test(test_identify_missing),
		cmocka_unit_test(test_identify_pid1),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_sample_self),
		cmocka_unit_test(test_child_exits),
		cmocka_unit_test(test_child_zombie),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_pid_reuse_discovered),
		cmocka_unit_test(test_cgroup_limit),
		cmocka_unit_test(test_discover_only_node),
		cmocka_unit_test(test_discover_children),
		cmocka_unit_test(test_manager_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
