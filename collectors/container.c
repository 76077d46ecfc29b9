/* container — a process's container and namespaces; see container.h.
 *
 * Data: none kept; container_identify reads /proc/PID/cgroup, status (NSpid)
 * and the ns/ links once per call, so callers keep the result (the proc
 * collector stores it in the vproc at first sight: namespaces of a running
 * process do not change under it in practice).
 *
 * cgroup paths seen in the wild (v2, or v1 lines; the last match wins, the
 * innermost directory being the container):
 *   /system.slice/docker-<64 hex>.scope        /docker/<64 hex>
 *   /system.slice/containerd.service/…/cri-containerd-<hex>.scope
 *   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<hex>.scope
 *   /kubepods/burstable/pod<uid>/<64 hex>       …/crio-<hex>.scope
 *   /machine.slice/libpod-<hex>.scope (podman)  /lxc.payload.<name>, /lxc/<name>
 */
#include "collectors/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "collectors/procfs.h"
#include "base/paths.h"

/* Whether s[0..n) is all hex digits (and at least min of them). */
static bool all_hex(const char *s, size_t n, size_t min)
{
	if (n < min)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return false;
	return true;
}

/* comp (length n) is "<prefix><hex>[.scope]": copy the first 12 hex digits. */
static bool prefixed_id(const char *comp, size_t n, const char *prefix, char *id, size_t idn)
{
	size_t pl = strlen(prefix);
	if (n <= pl || memcmp(comp, prefix, pl) != 0)
		return false;
	const char *h = comp + pl;
	size_t hl = n - pl;
	if (hl > 6 && memcmp(h + hl - 6, ".scope", 6) == 0)
		hl -= 6;
	if (!all_hex(h, hl, 12))
		return false;
	snprintf(id, idn, "%.12s", h);
	return true;
}

/* One cgroup path: update runtime/id/pod from its components. */
static void scan_path(const char *p, size_t len, char *rt, char *id, char *pod, char *lxc)
{
	const char *end = p + len, *prev = NULL;
	size_t prevn = 0;
	while (p < end) {
		while (p < end && *p == '/')
			p++;
		const char *c = p;
		while (p < end && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		if (n == 0)
			break;
		char tmp[16];
		if (prefixed_id(c, n, "docker-", id, 16)) {
			snprintf(rt, 16, "docker");
		} else if (prefixed_id(c, n, "cri-containerd-", id, 16)) {
			snprintf(rt, 16, "containerd");
		} else if (prefixed_id(c, n, "crio-", id, 16)) {
			snprintf(rt, 16, "crio");
		} else if (prefixed_id(c, n, "libpod-", id, 16)) {
			snprintf(rt, 16, "podman");
		} else if (all_hex(c, n, 32) && prev) {
			/* cgroupfs drivers: /docker/<id>, /kubepods/…/pod<uid>/<id> */
			snprintf(id, 16, "%.12s", c);
			if (prevn == 6 && memcmp(prev, "docker", 6) == 0)
				snprintf(rt, 16, "docker");
			else if (!rt[0])
				snprintf(rt, 16, "container");
		} else if (n > 12 && memcmp(c, "lxc.payload.", 12) == 0) {
			snprintf(lxc, 32, "%.*s", (int)(n - 12 < 31 ? n - 12 : 31), c + 12);
		} else if (prev && prevn == 3 && memcmp(prev, "lxc", 3) == 0) {
			snprintf(lxc, 32, "%.*s", (int)(n < 31 ? n : 31), c);
		}
		/* pod: "pod<uid>" or "kubepods-<qos>-pod<uid_with_underscores>.slice" */
		const char *pp = NULL;
		for (size_t i = 0; i + 3 < n; i++)
			if (memcmp(c + i, "pod", 3) == 0 && (i == 0 || c[i - 1] == '-'))
				pp = c + i + 3;
		if (pp) {
			size_t k = 0;
			for (const char *q = pp; q < c + n && k < 8; q++)
				if (strchr("0123456789abcdef", *q) && *q)
					tmp[k++] = *q;
				else if (*q != '-' && *q != '_')
					break;
			tmp[k] = 0;
			if (k == 8)
				snprintf(pod, 16, "%s", tmp);
		}
		prev = c;
		prevn = n;
	}
}

void container_from_cgroup(const char *text, size_t len, char *out, size_t n)
{
	char rt[16] = "", id[16] = "", pod[16] = "", lxc[32] = "";
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		/* hierarchy-ID:controllers:path — the path may hold ':' */
		const char *c1 = memchr(p, ':', (size_t)(le - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
		if (c2 && c2 + 1 < le && c2[1] == '/')
			scan_path(c2 + 1, (size_t)(le - c2 - 1), rt, id, pod, lxc);
		p = le + 1;
	}
	if (pod[0] && id[0])
		snprintf(out, n, "k8s:%s/%s", pod, id);
	else if (id[0])
		snprintf(out, n, "%s:%s", rt[0] ? rt : "container", id);
	else if (lxc[0])
		snprintf(out, n, "lxc:%s", lxc);
	else if (n)
		out[0] = 0;
}

/* The container of pid (0: ourselves) from its /proc/PID/cgroup. */
static void cgroup_container(int pid, char *out, size_t n)
{
	char path[48], text[4096];
	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	else
		snprintf(path, sizeof path, "/proc/self/cgroup");
	ssize_t len = procfs_read_small(path, text, sizeof text);
	out[0] = 0;
	if (len > 0)
		container_from_cgroup(text, (size_t)len, out, n);
}

void container_identify(int pid, container_info *out)
{
	memset(out, 0, sizeof *out);
	out->nspid = pid;
	int ns[8];
	int nn = procfs_nspid(pid, ns, 8);
	if (nn > 0)
		out->nspid = ns[nn - 1];	/* innermost: what process.pid says */
	out->other_pid = procfs_same_ns(pid, 0, "pid") == 0;
	out->other_net = procfs_same_ns(pid, 0, "net") == 0;
	out->other_mnt = procfs_same_ns(pid, 0, "mnt") == 0;
	/* one mount namespace, two roots (vitals copied into a chroot, or the
	 * app in one): paths still differ, /proc/PID/root bridges them */
	char rp[48];
	snprintf(rp, sizeof rp, "/proc/%d/root/", pid);
	struct stat a, b;
	bool other_root = !out->other_mnt && stat(rp, &a) == 0 && stat("/", &b) == 0 &&
			  (a.st_dev != b.st_dev || a.st_ino != b.st_ino);
	cgroup_container(pid, out->name, sizeof out->name);
	/* vitals may run in a container itself: its own is "here", not "there" */
	char self[CONTAINER_NAME_LEN];
	cgroup_container(0, self, sizeof self);
	if (strcmp(self, out->name) == 0)
		out->name[0] = 0;
	if (!out->name[0] && (out->other_pid || out->other_net || out->other_mnt || other_root))
		snprintf(out->name, sizeof out->name, "ns:%s%s%s%s", out->other_pid ? "pid," : "",
			 out->other_net ? "net," : "", out->other_mnt ? "mnt," : "", other_root ? "root," : "");
	out->other_mnt |= other_root;
	size_t l = strlen(out->name);
	if (l && out->name[l - 1] == ',')
		out->name[l - 1] = 0;
}

void container_probe_sock(int pid, int nspid, bool other_mnt, char *dir, size_t dn, char *path,
			  size_t pn)
{
	char ours[PATH_MAX];
	paths_sock_dir(ours, sizeof ours);
	if (other_mnt) {
		/* our directory may not exist there (/run/user/…): the probe
		 * makes this one, 0700, in the target's own /tmp */
		struct stat st;
		char sp[64];
		snprintf(sp, sizeof sp, "/proc/%d", pid);
		unsigned uid = stat(sp, &st) == 0 ? (unsigned)st.st_uid : (unsigned)getuid();
		snprintf(dir, dn, "/tmp/vitals-%u", uid);
		snprintf(path, pn, "/proc/%d/root%s/%d.sock", pid, dir, nspid);
	} else if (nspid != pid) {
		/* a PID namespace on our file system: its PIDs would collide with
		 * ours in one directory, so a directory per target */
		snprintf(dir, dn, "%s/pidns-%d", ours, pid);
		snprintf(path, pn, "%s/%d.sock", dir, nspid);
	} else {
		snprintf(dir, dn, "%s", ours);
		snprintf(path, pn, "%s/%d.sock", ours, pid);
	}
}

int container_sock_short(const char *path, char *out, size_t n)
{
	struct sockaddr_un sa;
	if (strlen(path) < sizeof sa.sun_path) {
		snprintf(out, n, "%s", path);
		return -1;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -2;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	snprintf(out, n, "/proc/self/fd/%d/%s", fd, slash + 1);
	if (strlen(out) >= sizeof sa.sun_path) {
		close(fd);
		return -2;
	}
	return fd;
}
