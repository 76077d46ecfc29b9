/* netns — sockets in another network namespace; see netns.h.
 *
 * Data: none kept.  Each call that needs another namespace opens
 * /proc/PID/ns/net and makes the socket in it one of two ways, closing every
 * namespace fd before it returns:
 *  - a thread that setns()es into the network namespace (setns changes only
 *    the calling thread): enough with CAP_SYS_ADMIN over it (root);
 *  - else, when the namespace belongs to a user namespace below ours (a
 *    rootless container), a forked child that enters that user namespace
 *    first — its owner has every capability in it — then the network one,
 *    makes the socket and passes it back over a socketpair (SCM_RIGHTS).  A
 *    child, because the kernel lets only a single-threaded process change
 *    its user namespace.  Between fork and _exit it makes system calls only.
 * Neither touches the loop's state.
 */
#include "collectors/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/fdpass.h"
#include "collectors/procfs.h"

enum { STEP_USER, STEP_NET, STEP_SOCKET };

typedef struct ns_job {
	int nsfd, family;
	int fd;		/* result: the socket, or -errno */
	int step;	/* the one that failed */
} ns_job;

static void *ns_thread(void *arg)
{
	ns_job *j = arg;
	j->step = STEP_NET;
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->fd = -errno;
		return NULL;
	}
	j->step = STEP_SOCKET;
	int fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	j->fd = fd < 0 ? -errno : fd;
	return NULL;
}

/* The socket made by a child in user namespace userfd, then network
 * namespace j->nsfd; the result in j as ns_thread leaves it. */
static void socket_via_child(ns_job *j, int userfd)
{
	int sv[2];
	j->step = STEP_USER;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		j->fd = -errno;
		return;
	}
	pid_t c = fork();
	if (c == 0) {
		close(sv[0]);
		int r[2] = { STEP_USER, 0 }, fd = -1;
		if (setns(userfd, CLONE_NEWUSER) < 0)
			r[1] = errno;
		else if (r[0] = STEP_NET, setns(j->nsfd, CLONE_NEWNET) < 0)
			r[1] = errno;
		else if (r[0] = STEP_SOCKET,
			 (fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
			r[1] = errno;
		_exit(fdpass_send(sv[1], r, sizeof r, fd) < 0);
	}
	close(sv[1]);
	if (c < 0) {
		j->fd = -errno;
		close(sv[0]);
		return;
	}
	int r[2] = { STEP_USER, EIO }, fd;
	ssize_t n = fdpass_recv(sv[0], r, sizeof r, &fd);
	close(sv[0]);
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	j->step = r[0];
	if (n == (ssize_t)sizeof r && r[1] == 0 && fd >= 0)
		j->fd = fd;
	else
		j->fd = n == (ssize_t)sizeof r && r[1] ? -r[1] : -EIO;
	if (fd >= 0 && j->fd != fd)
		close(fd);
}

/* The user namespace owning the network namespace nsfd, when it is not
 * ours (so entering it could give us the capability we lack): its fd and
 * owner's uid, else -1. */
static int owning_userns(int nsfd, uid_t *owner)
{
	int ufd = ioctl(nsfd, NS_GET_USERNS);
	if (ufd < 0)
		return -1;
	struct stat a, b;
	if (fstat(ufd, &a) < 0 || stat("/proc/self/ns/user", &b) < 0 ||
	    (a.st_dev == b.st_dev && a.st_ino == b.st_ino) || ioctl(ufd, NS_GET_OWNER_UID, owner) < 0) {
		close(ufd);
		return -1;
	}
	return ufd;
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
	else
		j.fd = -r;
	uid_t owner = (uid_t)-1;
	int ufd = -1;
	if (j.fd == -EPERM && j.step == STEP_NET && (ufd = owning_userns(j.nsfd, &owner)) >= 0) {
		/* a rootless container: as its owner, through its user namespace */
		socket_via_child(&j, ufd);
		close(ufd);
	}
	close(j.nsfd);
	if (j.fd >= 0)
		return j.fd;
	if (r != 0)
		snprintf(err, errlen, "cannot start a thread: %s", strerror(r));
	else if (ufd >= 0 && j.step == STEP_USER && (j.fd == -EPERM || j.fd == -EACCES))
		snprintf(err, errlen,
			 "permission denied entering the user namespace of PID %d's container (owned by "
			 "uid %u; vitals runs as uid %u): run vitals as uid %u or as root, or start the app "
			 "with `node -r …/vitals-probe.js`", pid, (unsigned)owner, (unsigned)geteuid(),
			 (unsigned)owner);
	else if (j.fd == -EPERM && j.step == STEP_NET)
		snprintf(err, errlen,
			 "permission denied entering the network namespace of PID %d: that needs "
			 "CAP_SYS_ADMIN over it: run vitals as root (or as the owner of its rootless "
			 "container), or start the app with `node -r …/vitals-probe.js`", pid);
	else
		snprintf(err, errlen, "cannot %s of PID %d: %s",
			 j.step == STEP_USER ? "enter the user namespace of the container" :
			 j.step == STEP_NET ? "enter the network namespace" :
			 "make a socket in the network namespace", pid, strerror(-j.fd));
	return j.fd;
}
