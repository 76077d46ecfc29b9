/* container — where a process lives, seen from the host: its container
 * (from /proc/PID/cgroup: docker, containerd, CRI-O, podman, LXC, and the
 * Kubernetes pod when the path names one), the namespaces it does not share
 * with vitals, its PID inside them, and where its probe's Unix socket is.
 *
 * The probe names its socket by its own PID (the one inside its PID
 * namespace) in the directory vitals gives it, a path it resolves in its own
 * mount namespace; vitals reaches that through /proc/PID/root.  The rule for
 * both ends lives here, once (container_probe_sock).
 */
#ifndef VITALS_CONTAINER_H
#define VITALS_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_NAME_LEN 48

typedef struct container_info {
	int nspid;		/* PID in its own PID namespace (= host PID when not nested) */
	bool other_pid, other_net;	/* namespaces not shared with vitals */
	bool other_mnt;		/* its files are not ours: another mount namespace, or
				 * another root (vitals or it chrooted) */
	char name[CONTAINER_NAME_LEN];	/* "docker:0123456789ab", "k8s:1f2e3d4c/0123456789ab",
					 * "ns:pid,net,mnt", "ns:root" (a chroot), "" here */
} container_info;

/* Fill out for pid (host PID).  Unreadable parts stay "not different". */
void container_identify(int pid, container_info *out);

/* The container named by /proc/PID/cgroup text: "docker:<12 hex>",
 * "containerd:…", "crio:…", "podman:…", "lxc:<name>", "k8s:<pod 8>/<ctr 12>";
 * "" when none.  Pure (fuzzed): the text is the process's to shape. */
void container_from_cgroup(const char *text, size_t len, char *out, size_t n);

/* Where the probe of pid puts its socket: dir as the probe sees it (give
 * it as sockDir) and path as vitals reaches it.  Same namespaces: our socket
 * directory and <pid>.sock, as always. */
void container_probe_sock(int pid, int nspid, bool other_mnt, char *dir, size_t dn, char *path,
			  size_t pn);

/* A path that fits sun_path (108 bytes) for the socket at path: path itself
 * (returns -1), or /proc/self/fd/N/<name> with N an O_PATH fd of its
 * directory that the caller closes once connect() returned (returns N).
 * -2 when the directory cannot be opened. */
int container_sock_short(const char *path, char *out, size_t n);

#endif
