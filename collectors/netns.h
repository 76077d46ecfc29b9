/* netns — make a socket in another process's network namespace.
 *
 * A Node process in a container listens on its own 127.0.0.1, which the host
 * cannot reach.  A socket belongs to the namespace it was created in, and
 * keeps it wherever its fd goes: so a short-lived helper thread enters the
 * target's namespace (setns(2) changes only the calling thread), creates the
 * socket and exits; the loop then connects with it as with any other.
 */
#ifndef VITALS_NETNS_H
#define VITALS_NETNS_H

#include <stddef.h>

/* A non-blocking, close-on-exec TCP socket of family (AF_INET/AF_INET6) in
 * pid's network namespace (ours when they are the same).  The fd, or -errno
 * with one line in err: -EPERM says which permission is missing. */
int netns_socket(int pid, int family, char *err, size_t errlen);

#endif
