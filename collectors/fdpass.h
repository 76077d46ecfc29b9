/* fdpass — one fixed-size record, with at most one file descriptor riding
 * along (SCM_RIGHTS), over a Unix socket: how netns's child hands back the
 * socket it made in a rootless container, and how the attach lock reaches
 * the watchdog.  Received descriptors are close-on-exec.
 */
#ifndef VITALS_FDPASS_H
#define VITALS_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Send len bytes of buf and fd (-1: none).  The bytes sent, or -1 (errno);
 * never SIGPIPE. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd);
/* Receive up to len bytes into buf and *fd (-1 when none came; the caller
 * owns it).  The bytes received, 0 at end of file, or -1 (errno). */
ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fd);

#endif
