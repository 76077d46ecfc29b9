/* fdpass — records with a descriptor over a Unix socket; see fdpass.h.
 * Data: none kept; EINTR is retried here, so callers see only real errors. */
#include "collectors/fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

typedef union {
	struct cmsghdr h;
	char b[CMSG_SPACE(sizeof(int))];
} fd_cmsg;

ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd)
{
	fd_cmsg cm;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&cm, 0, sizeof cm);
		m.msg_control = cm.b;
		m.msg_controllen = sizeof cm.b;
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof fd);
	}
	ssize_t r;
	do
		r = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fd)
{
	fd_cmsg cm;
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			    .msg_controllen = sizeof cm.b };
	ssize_t r;
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	*fd = -1;
	struct cmsghdr *h = r > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
	    h->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(h), sizeof *fd);
	return r;
}
