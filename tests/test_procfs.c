/* Unit tests for collectors/procfs: the parsers on text with the traps real
 * /proc files have (a comm holding ") ", NSpid of nested namespaces), the
 * readers against this test process (expected values from getpid(),
 * getppid(), fstat — never from procfs itself), and the one Node rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <unistd.h>

#include "collectors/container.h"
#include "collectors/procfs.h"

#define TXT(s) (s), sizeof(s) - 1

static void test_stat_parse(void **state)
{
	(void)state;
	procfs_stat st;
	/* process.title may put ") " and blanks into comm */
	assert_int_equal(procfs_stat_parse(TXT("42 (a) b (c) S 7 42 42 0 -1 4194560 1 0 0 0 3 1 0 0 "
						"20 0 11 0 123456 1000 20 18446744073709551615\n"), &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 7);
	assert_true(st.start_time == 123456);
	assert_string_equal(st.comm, "a) b (c");
	assert_true(st.utime == 3 && st.stime == 1 && st.vsize == 1000);
	assert_int_equal(st.threads, 11);
	/* comm is kept to 15 bytes, as the kernel keeps it */
	assert_int_equal(procfs_stat_parse(TXT("9 (a-very-long-command-name) R 1 9 9 0 -1 0 0 0 0 0 7 8 0 0 "
					       "20 0 1 0 5 4096 1\n"), &st), 0);
	assert_string_equal(st.comm, "a-very-long-com");
	assert_true(st.utime == 7 && st.stime == 8 && st.start_time == 5 && st.vsize == 4096);
	/* a counter that is not one: a sign, a letter, more than 64 bits */
	assert_int_equal(procfs_stat_parse(TXT("9 (x) R 1 9 9 0 -1 0 0 0 0 0 -7 8 0 0 20 0 1 0 5 4096\n"), &st),
			 -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT("9 (x) R 1 9 9 0 -1 0 0 0 0 0 7 8 0 0 20 0 z 0 5 4096\n"), &st),
			 -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT("9 (x) R 1 9 9 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 5 "
					       "18446744073709551616\n"), &st), -EINVAL);
	/* no field 23 */
	assert_int_equal(procfs_stat_parse(TXT("9 (x) R 1 9 9 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 5\n"), &st),
			 -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT("9 x) R 1 9 9 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 5 1\n"), &st),
			 -EINVAL);
	/* cut short, no ')', garbage where numbers go */
	assert_int_equal(procfs_stat_parse(TXT("42 (x) R 1 2 3"), &st), -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT("42 x R 1"), &st), -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT("42 (x) Z zz 42 42 0 -1 4194560 1 0 0 0 3 1 0 0 "
					       "20 0 11 0 9 1000\n"), &st), -EINVAL);
	assert_int_equal(procfs_stat_parse(TXT(""), &st), -EINVAL);
}

static void test_stat_read_self(void **state)
{
	(void)state;
	procfs_stat st;
	assert_int_equal(procfs_stat_read(getpid(), &st), 0);
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.state, 'R');
	assert_true(st.start_time > 0);
	assert_false(procfs_gone(getpid()));
	assert_int_equal(procfs_stat_read(0x3fffffff, &st), -ENOENT);
	assert_true(procfs_gone(0x3fffffff));
}

static void test_statm(void **state)
{
	(void)state;
	uint64_t res = 0;
	assert_int_equal(procfs_statm_parse(TXT("182295 11343 9352 6802 0 12420 0\n"), &res), 0);
	assert_true(res == 11343);
	assert_int_equal(procfs_statm_parse(TXT("1 2"), &res), 0);
	assert_true(res == 2);
	const char *bad[] = { "", "1", "1 ", "1 x 3\n", "1 -2 3\n", "1 99999999999999999999999 3\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(procfs_statm_parse(bad[i], strlen(bad[i]), &res), -EINVAL);
	/* ours, against VmRSS of status (read before and after: it moves) */
	double b = 0;
	assert_int_equal(procfs_rss_read(getpid(), &b), 0);
	assert_true(b > 0);
	assert_int_equal(procfs_rss_read(0x3fffffff, &b), -ENOENT);
}

/* The PIDs of /proc with an inode each: ours is there, a child appears with
 * its own inode, the same on a second look, and is gone once reaped. */
static void test_pids(void **state)
{
	(void)state;
	procfs_pid_ino *v = NULL;
	size_t cap = 0;
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		pause();
		_exit(0);
	}
	int n = procfs_pids(&v, &cap);
	assert_true(n > 1 && (size_t)n <= cap);
	unsigned long me = 0, child = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			assert_true(v[i].pid > v[i - 1].pid);	/* readdir's order */
		if (v[i].pid == getpid())
			me = v[i].ino;
		if (v[i].pid == c)
			child = v[i].ino;
	}
	assert_true(me && child && me != child);
	n = procfs_pids(&v, &cap);
	bool again = false;
	for (int i = 0; i < n; i++)
		if (v[i].pid == c)
			again = v[i].ino == child;
	assert_true(again);
	kill(c, SIGKILL);
	assert_int_equal(waitpid(c, NULL, 0), c);
	n = procfs_pids(&v, &cap);
	for (int i = 0; i < n; i++)
		assert_int_not_equal(v[i].pid, c);
	free(v);
}

static void test_nspid(void **state)
{
	(void)state;
	int v[4];
	assert_int_equal(procfs_nspid_parse(TXT("Name:\tnode\nNSpid:\t826\t1\nNSpgid:\t1\n"), v, 4), 2);
	assert_int_equal(v[0], 826);
	assert_int_equal(v[1], 1);
	assert_int_equal(procfs_nspid_parse(TXT("NSpid:\t9\n"), v, 4), 1);
	assert_int_equal(procfs_nspid_parse(TXT("Name:\tx\n"), v, 4), -ENOENT);
	assert_int_equal(procfs_nspid_parse(TXT("NSpid:\t9x\n"), v, 4), -EINVAL);
	assert_int_equal(procfs_nspid_parse(TXT("NSpid:\t99999999999\n"), v, 4), -EINVAL);
	assert_int_equal(procfs_nspid_parse(TXT("NSpid:\t\n"), v, 4), -EINVAL);
	/* at most max entries */
	assert_int_equal(procfs_nspid_parse(TXT("NSpid:\t5\t4\t3\n"), v, 2), 2);
	int n = procfs_nspid(getpid(), v, 4);
	assert_true(n >= 1);
	assert_int_equal(v[0], getpid());	/* outermost first: the host's */
}

/* schedstat: "run_ns wait_ns slices\n"; anything else is refused whole. */
/* A child sleeping in epoll_wait reads as in its event loop (once it gets
 * there); a spinning one never does; a gone pid is unreadable. */
static void test_in_epoll(void **state)
{
	(void)state;
	pid_t waiter = fork();
	assert_true(waiter >= 0);
	if (waiter == 0) {
		int ep = epoll_create1(0);
		struct epoll_event ev;
		for (;;)
			epoll_wait(ep, &ev, 1, -1);
	}
	pid_t spinner = fork();
	assert_true(spinner >= 0);
	if (spinner == 0) {
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	int seen = 0;
	char path[64], last[64] = "";
	snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", (int)waiter, (int)waiter);
	for (int i = 0; i < 500 && seen != 1; i++) {	/* up to 5 s on a loaded machine */
		seen = procfs_in_epoll(waiter);
		if (procfs_read_small(path, last, sizeof last) <= 0)
			last[0] = 0;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	int spun = 0;
	for (int i = 0; i < 20; i++)
		spun |= procfs_in_epoll(spinner) == 1;
	kill(waiter, SIGKILL);
	kill(spinner, SIGKILL);
	waitpid(waiter, NULL, 0);
	waitpid(spinner, NULL, 0);
	/* only a kernel that hides wait channels (every one "0") never says
	 * epoll (vitals then attaches by age) */
	if (seen != 1)
		assert_string_equal(last, "0");
	assert_false(spun);
	assert_int_equal(procfs_in_epoll(waiter), -1);	/* reaped: gone */
}

static void test_schedstat(void **state)
{
	(void)state;
	procfs_sched ss;
	assert_int_equal(procfs_schedstat_parse(TXT("266678575 19896924640 1024\n"), &ss), 0);
	assert_true(ss.run_ns == 266678575ull && ss.wait_ns == 19896924640ull && ss.slices == 1024);
	assert_int_equal(procfs_schedstat_parse(TXT("1 2 3"), &ss), 0);
	const char *bad[] = { "", "1 2", "1 2 3 4\n", "1  2 3\n", "-1 2 3\n", "1 2 3\n\n", "1 x 3\n",
			      "18446744073709551616 0 0\n", " 1 2 3\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(procfs_schedstat_parse(bad[i], strlen(bad[i]), &ss), -EINVAL);
		assert_true(ss.run_ns == 0 && ss.wait_ns == 0);
	}
	assert_int_equal(procfs_schedstat_parse(TXT("18446744073709551615 0 0"), &ss), 0);
	/* our own main thread: it has run */
	assert_int_equal(procfs_schedstat_read(getpid(), getpid(), &ss), 0);
	assert_true(ss.run_ns > 0);
	assert_int_equal(procfs_schedstat_read(getpid(), 1, &ss), -ENOENT);	/* not our thread */
}

static void test_name_is_node(void **state)
{
	(void)state;
	const char *yes[] = { "node", "nodejs", "node20", "node18.19.1", "node-18", "node_20" };
	const char *no[] = { "nodemon", "node-gyp", "node-", "nodex", "Node", "bun", "deno", "" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(procfs_name_is_node(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(procfs_name_is_node(no[i]));
	/* exe readable: it decides, whatever comm says */
	assert_false(procfs_is_node(getpid(), "node", "node app.js"));
}

static void test_environ_and_cmdline(void **state)
{
	(void)state;
	setenv("VITALS_PROCFS_TEST", "a b=c", 1);
	/* /proc/self/environ is the environment at exec: check a variable we had */
	char *path = procfs_environ_get(getpid(), "PATH");
	const char *want = getenv("PATH");
	if (want) {
		assert_non_null(path);
		assert_string_equal(path, want);
	}
	free(path);
	assert_null(procfs_environ_get(getpid(), "VITALS_NO_SUCH_VARIABLE_X"));
	size_t len;
	char *cl = procfs_cmdline(getpid(), &len);
	assert_non_null(cl);
	assert_true(strstr(cl, "test_procfs") != NULL);
	free(cl);
}

static void test_listeners(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 1), 0);
	socklen_t sl = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &sl);
	int port = ntohs(a.sin_port);
	procfs_listener l[4];
	assert_int_equal(procfs_pid_listeners(getpid(), port, l, 4), 1);
	assert_int_equal(l[0].port, port);
	assert_int_equal(l[0].family, AF_INET);
	assert_memory_equal(l[0].addr, &a.sin_addr, 4);
	int owner = 0;
	assert_true(procfs_port_held(0, port, &owner));
	assert_int_equal(owner, getpid());
	assert_true(procfs_port_held(getpid(), port, NULL));
	int before = procfs_fd_count(getpid());
	close(fd);
	assert_int_equal(procfs_fd_count(getpid()), before - 1);
	assert_false(procfs_port_held(0, port, NULL));
	assert_int_equal(procfs_same_ns(getpid(), 0, "net"), 1);
	assert_true(procfs_mem_available() > 0);
}

static void test_container_from_cgroup(void **state)
{
	(void)state;
	char out[CONTAINER_NAME_LEN];
	static const struct { const char *text, *want; } cases[] = {
		{ "0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n",
		  "docker:0123456789ab" },
		{ "12:memory:/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"
		  "0::/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n",
		  "docker:fedcba987654" },
		{ "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e3d4c_5b6a_4789_9abc_def012345678.slice/"
		  "cri-containerd-aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999.scope\n",
		  "k8s:1f2e3d4c/aaaabbbbcccc" },
		{ "0::/kubepods/burstable/pod0a1b2c3d-0000-1111-2222-333344445555/"
		  "0011223344556677889900112233445566778899001122334455667788990011\n",
		  "k8s:0a1b2c3d/001122334455" },
		{ "0::/machine.slice/libpod-abcdefabcdef0123456789abcdefabcdef0123456789abcdefabcdef01234567.scope/container\n",
		  "podman:abcdefabcdef" },
		{ "0::/lxc.payload.web1/system.slice\n", "lxc:web1" },
		{ "0::/user.slice/user-1000.slice/session-2.scope\n", "" },
		{ "0::/\n", "" },
		{ "garbage without colons", "" },
		{ "0::/docker-XYZ.scope\n", "" },	/* not hex */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		container_from_cgroup(cases[i].text, strlen(cases[i].text), out, sizeof out);
		assert_string_equal(out, cases[i].want);
	}
	/* this process: on the host, or in the container vitals runs in */
	container_info ci;
	container_identify(getpid(), &ci);
	assert_int_equal(ci.nspid, getpid());
	assert_false(ci.other_net || ci.other_mnt || ci.other_pid);
	assert_string_equal(ci.name, "");
	char dir[256], path[256];
	container_probe_sock(1234, 1, true, dir, sizeof dir, path, sizeof path);
	assert_true(strncmp(dir, "/tmp/vitals-", 12) == 0);
	assert_true(strncmp(path, "/proc/1234/root/tmp/vitals-", 27) == 0);
	assert_true(strstr(path, "/1.sock") != NULL);
	/* a path past sun_path is reached through its directory */
	char longp[300], via[108];
	snprintf(longp, sizeof longp, "/tmp/%0200d/x.sock", 0);
	assert_int_equal(container_sock_short(longp, via, sizeof via), -2);	/* no such dir */
	assert_int_equal(container_sock_short("/tmp/x.sock", via, sizeof via), -1);
	assert_string_equal(via, "/tmp/x.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_stat_read_self),
		cmocka_unit_test(test_statm),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_nspid),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_in_epoll),
		cmocka_unit_test(test_name_is_node),
		cmocka_unit_test(test_environ_and_cmdline),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_container_from_cgroup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
