/* watchdog — the helper that closes an inspector when vitals dies; see
 * watchdog.h.
 *
 * Data: the parent keeps the socketpair end and the helper's PID (the
 * watchdog struct, owned by the inspector).  The helper keeps up to
 * WATCHDOG_MAX armed items and, for each, its own descriptor of the attach
 * lock's open file (flock belongs to the open file, so the lock lasts while
 * either holds it: the parent unlocks it explicitly when an attach ends).
 *
 * Messages are fixed-size records on a SOCK_SEQPACKET pair: 'A' (arm, with
 * the lock as SCM_RIGHTS) and 'D' (disarm).  End of file — vitals exited or
 * was killed, the kernel closes its end — is the only "go" signal: unlike
 * PR_SET_PDEATHSIG it does not depend on which thread forked.
 *
 * The helper is a fork of vitals made when the first attach arms it, maybe
 * while libuv's worker threads exist: it touches none of the parent's loop
 * or objects, resets signals, leaves the terminal's session and closes every
 * inherited descriptor but its end of the pair before waiting.  (glibc keeps
 * malloc and stdio usable in a child of a threaded process.)
 */
#include "collectors/watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/fdpass.h"
#include "base/xalloc.h"

struct watchdog {
	watchdog_orphan_fn fn;
	int fd;		/* our end of the pair; -1: no helper */
	pid_t child;
};

typedef struct wd_msg {
	int op;		/* 'A' arm, 'D' disarm */
	int pid, port;
} wd_msg;

/* ---------- the helper ---------- */

/* Detach from vitals's terminal, signals and descriptors; our end of the
 * pair, moved above stdio, is returned. */
static int helper_quiet(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	setsid();	/* the terminal's ^C and hangup are vitals's, not ours */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		if (null != i)
			dup2(null, i);
	/* everything else vitals had open: the terminal, probe sockets, the
	 * metrics listener… closed, so none outlives vitals through us */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0u, 0);
	prctl(PR_SET_NAME, "vitals-watchdog");
	return fd;
}

static void helper_main(watchdog_orphan_fn fn, int fd)
{
	fd = helper_quiet(fd);
	watchdog_item items[WATCHDOG_MAX];
	int locks[WATCHDOG_MAX], n = 0;
	for (;;) {
		wd_msg m;
		int lock;
		ssize_t r = fdpass_recv(fd, &m, sizeof m, &lock);
		if (r <= 0)
			break;	/* vitals is gone */
		if (r != (ssize_t)sizeof m) {
			if (lock >= 0)
				close(lock);
			continue;
		}
		int i = 0;
		while (i < n && items[i].pid != m.pid)
			i++;
		if (i < n && locks[i] >= 0)
			close(locks[i]);
		if (m.op == 'A' && (i < n || n < WATCHDOG_MAX)) {
			if (i == n)
				n++;
			items[i].pid = m.pid;
			items[i].port = m.port;
			locks[i] = lock;
		} else {
			if (lock >= 0)
				close(lock);
			if (i < n) {
				n--;
				items[i] = items[n];
				locks[i] = locks[n];
			}
		}
	}
	if (n > 0)
		fn(items, n);	/* the locks are still held: the next attach waits */
	_exit(0);
}

/* ---------- vitals's side ---------- */

watchdog *watchdog_new(watchdog_orphan_fn fn)
{
	watchdog *w = xcalloc(1, sizeof *w);
	w->fn = fn;
	w->fd = -1;
	return w;
}

static int wd_start(watchdog *w)
{
	if (w->fd >= 0)
		return 0;
	if (w->child > 0)
		waitpid(w->child, NULL, WNOHANG);	/* a helper that died */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		close(sv[0]);
		helper_main(w->fn, sv[1]);
	}
	close(sv[1]);
	if (c < 0) {
		close(sv[0]);
		return -1;
	}
	w->fd = sv[0];
	w->child = c;
	return 0;
}

static int wd_send(watchdog *w, const wd_msg *m, int lock_fd)
{
	if (fdpass_send(w->fd, m, sizeof *m, lock_fd) == (ssize_t)sizeof *m)
		return 0;
	close(w->fd);	/* the helper died: a new one next time */
	w->fd = -1;
	return -1;
}

int watchdog_arm(watchdog *w, int pid, int port, int lock_fd)
{
	wd_msg m = { 'A', pid, port };
	for (int tries = 0; tries < 2; tries++)
		if (wd_start(w) == 0 && wd_send(w, &m, lock_fd) == 0)
			return 0;
	return -1;
}

void watchdog_disarm(watchdog *w, int pid)
{
	wd_msg m = { 'D', pid, 0 };
	if (w->fd >= 0)
		wd_send(w, &m, -1);
}

void watchdog_free(watchdog *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->child > 0)
		waitpid(w->child, NULL, WNOHANG);
	free(w);
}
