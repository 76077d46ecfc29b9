/* netns — sockets in another network namespace; see netns.h.
 *
 * Data: none kept.  Each call that needs another namespace opens
 * /proc/PID/ns/net, runs one thread that setns()es into it and creates the
 * socket, joins it and closes the namespace fd; the thread touches nothing
 * but its argument block, so the loop's state is never shared.
 */
#include "collectors/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/procfs.h"

typedef struct ns_job {
	int nsfd, family;
	int fd;		/* result: the socket, or -errno */
	int step;	/* 0: setns failed, 1: socket failed */
} ns_job;

static void *ns_thread(void *arg)
{
	ns_job *j = arg;
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->fd = -errno;
		return NULL;
	}
	j->step = 1;
	int fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	j->fd = fd < 0 ? -errno : fd;
	return NULL;
}

int netns_socket(int pid, int family, char *err, size_t errlen)
{
	if (procfs_same_ns(pid, 0, "net") != 0) {
		/* ours (1), or we cannot tell (-errno): the plain way; a process
		 * whose namespace we cannot see is one we cannot enter either */
		int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
			return -errno;
		}
		return fd;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
	ns_job j = { .nsfd = open(path, O_RDONLY | O_CLOEXEC), .family = family, .fd = -EIO };
	if (j.nsfd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open the network namespace of PID %d: %s", pid, strerror(e));
		return -e;
	}
	pthread_t t;
	int r = pthread_create(&t, NULL, ns_thread, &j);
	if (r == 0)
		pthread_join(t, NULL);
	close(j.nsfd);
	if (r != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(r));
		return -r;
	}
	if (j.fd >= 0)
		return j.fd;
	if (j.step == 0 && j.fd == -EPERM)
		snprintf(err, errlen,
			 "permission denied entering the network namespace of PID %d: that needs "
			 "CAP_SYS_ADMIN over it (a rootless container's is its user namespace's): "
			 "run vitals as root, or start the app with `node -r …/vitals-probe.js`", pid);
	else
		snprintf(err, errlen, "cannot %s the network namespace of PID %d: %s",
			 j.step ? "make a socket in" : "enter", pid, strerror(-j.fd));
	return j.fd;
}
