/* procfs — /proc readers and the "is it Node?" rule; see procfs.h.
 *
 * Data: none kept.  Each call opens, reads and closes its file; buffers are
 * the caller's or malloc'd for the caller (the function says which).  The
 * parsers of file text (stat, status' NSpid, net/tcp lines) take the text
 * and its length, so they are unit-tested and fuzzed without a process.
 *
 * Why one reader: /proc/PID/stat's comm field may hold blanks and ')' (node's
 * process.title sets it), so every hand parser must find the last ')'; and a
 * process in a container has other PIDs inside, another network namespace
 * and another root: those rules live here once.
 */
#include "collectors/procfs.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

char *procfs_read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);
	while (buf) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			buf = NULL;
			errno = e;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	int e = errno;
	close(fd);
	errno = e;
	if (!buf)
		return NULL;
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

ssize_t procfs_read_small(const char *path, char *buf, size_t buflen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n + 1 < buflen) {
		ssize_t r = read(fd, buf + n, buflen - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* ---------------------------------------------------------------- stat */

/* An unsigned decimal field of n bytes (stat's counters; "-1" is no such). */
static int parse_u64(const char *w, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(w[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int procfs_stat_parse(const char *text, size_t len, procfs_stat *out)
{
	memset(out, 0, sizeof *out);
	const char *rp = NULL, *lp = memchr(text, '(', len);
	for (size_t i = 0; i < len; i++)	/* the last ')': comm may hold one */
		if (text[i] == ')')
			rp = text + i;
	if (!rp || !lp || lp > rp)
		return -EINVAL;
	size_t cl = (size_t)(rp - lp - 1);
	if (cl >= sizeof out->comm)
		cl = sizeof out->comm - 1;
	memcpy(out->comm, lp + 1, cl);
	const char *p = rp + 1, *end = text + len;
	/* fields after ')' start at 3 (state); ppid is 4, the CPU times 14
	 * and 15, threads 20, the start time 22, the address space 23 */
	for (int field = 3; field <= 23; field++) {
		if (p >= end || *p != ' ')
			return -EINVAL;
		p++;
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == w)
			return -EINVAL;
		size_t wl = (size_t)(p - w);
		uint64_t v;
		switch (field) {
		case 3:	/* one letter: R, S, D, Z ... */
			if (wl != 1 || !isalpha((unsigned char)*w))
				return -EINVAL;
			out->state = *w;
			break;
		case 4:	/* 0 for the first process of a namespace */
			if (parse_u64(w, wl, &v) < 0 || v > INT_MAX)
				return -EINVAL;
			out->ppid = (int)v;
			break;
		case 14:
		case 15:
		case 22:
		case 23:
			if (parse_u64(w, wl, &v) < 0)
				return -EINVAL;
			*(field == 14 ? &out->utime : field == 15 ? &out->stime
			  : field == 22 ? &out->start_time : &out->vsize) = v;
			break;
		case 20:
			if (parse_u64(w, wl, &v) < 0 || v > INT_MAX)
				return -EINVAL;
			out->threads = (int)v;
			break;
		default:
			break;
		}
	}
	return 0;
}

int procfs_stat_read(int pid, procfs_stat *out)
{
	char path[48], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	ssize_t n = procfs_read_small(path, buf, sizeof buf);
	if (n < 0) {
		memset(out, 0, sizeof *out);
		return n == -ENOENT || n == -ESRCH ? -ENOENT : (int)n;
	}
	return procfs_stat_parse(buf, (size_t)n, out);
}

int procfs_statm_parse(const char *text, size_t len, uint64_t *resident_pages)
{
	const char *sp = memchr(text, ' ', len);
	if (!sp)
		return -EINVAL;
	const char *w = sp + 1, *end = text + len, *p = w;
	while (p < end && *p != ' ' && *p != '\n')
		p++;
	return parse_u64(w, (size_t)(p - w), resident_pages);
}

int procfs_rss_read(int pid, double *bytes)
{
	static long page;
	char path[48], buf[256];
	uint64_t pages;
	if (page <= 0)
		page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
	snprintf(path, sizeof path, "/proc/%d/statm", pid);
	ssize_t n = procfs_read_small(path, buf, sizeof buf);
	if (n < 0)
		return n == -ESRCH ? -ENOENT : (int)n;
	if (procfs_statm_parse(buf, (size_t)n, &pages) < 0)
		return -EINVAL;
	*bytes = (double)pages * (double)page;
	return 0;
}

int procfs_pids(procfs_pid_ino **v, size_t *cap)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	size_t n = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;	/* self, thread-self, the files */
		if (n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			procfs_pid_ino *nv = realloc(*v, nc * sizeof *nv);
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			*v = nv;
			*cap = nc;
		}
		(*v)[n++] = (procfs_pid_ino){ atoi(e->d_name), (unsigned long)e->d_ino };
	}
	closedir(d);
	return rc < 0 ? rc : (int)n;
}

/* ---------------------------------------------------------------- schedstat */

int procfs_schedstat_parse(const char *text, size_t len, procfs_sched *out)
{
	uint64_t v[3] = { 0, 0, 0 };
	size_t i = 0;
	memset(out, 0, sizeof *out);
	for (int k = 0; k < 3; k++) {
		if (k > 0 && (i >= len || text[i++] != ' '))
			return -EINVAL;
		size_t start = i;
		for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
			unsigned d = (unsigned)(text[i] - '0');
			if (v[k] > (UINT64_MAX - d) / 10)
				return -EINVAL;	/* not a counter the kernel writes */
			v[k] = v[k] * 10 + d;
		}
		if (i == start)
			return -EINVAL;
	}
	if (i < len && !(text[i] == '\n' && i + 1 == len))
		return -EINVAL;
	out->run_ns = v[0];
	out->wait_ns = v[1];
	out->slices = v[2];
	return 0;
}

int procfs_schedstat_read(int pid, int tid, procfs_sched *out)
{
	char path[64], buf[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
	ssize_t n = procfs_read_small(path, buf, sizeof buf);
	if (n < 0) {
		memset(out, 0, sizeof *out);
		return n == -ESRCH ? -ENOENT : (int)n;
	}
	return procfs_schedstat_parse(buf, (size_t)n, out);
}

bool procfs_gone(int pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	procfs_stat st;
	int r = procfs_stat_read(pid, &st);
	if (r == -ENOENT)
		return true;
	return r == 0 && (st.state == 'Z' || st.state == 'X');
}

int procfs_in_epoll(int pid)
{
	char path[64], w[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", pid, pid);
	ssize_t n = procfs_read_small(path, w, sizeof w);
	if (n <= 0)
		return -1;
	/* do_epoll_wait, ep_poll; "0" is on a CPU (or every wait on a kernel
	 * that hides its symbols): only a named wait tells */
	return strstr(w, "epoll") || strstr(w, "ep_poll") ? 1 : 0;
}

/* ---------------------------------------------------------------- status */

int procfs_nspid_parse(const char *text, size_t len, int *out, int max)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > 6 && memcmp(p, "NSpid:", 6) == 0) {
			int n = 0;
			const char *q = p + 6;
			while (q < eol && n < max) {
				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
				if (q == eol)
					break;
				long v = 0;
				const char *d = q;
				while (q < eol && isdigit((unsigned char)*q) && q - d < 10)
					v = v * 10 + (*q++ - '0');
				if (q == d || (q < eol && *q != ' ' && *q != '\t') || v <= 0 || v > INT_MAX)
					return -EINVAL;
				out[n++] = (int)v;
			}
			return n > 0 ? n : -EINVAL;
		}
		p = eol + 1;
	}
	return -ENOENT;	/* kernels before 4.1 have no NSpid line */
}

int procfs_nspid(int pid, int *out, int max)
{
	char path[48];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	size_t len;
	char *s = procfs_read_file(path, 1 << 16, &len);
	if (!s)
		return -errno;
	int n = procfs_nspid_parse(s, len, out, max);
	free(s);
	if (n == -ENOENT && max > 0) {	/* no namespaces to tell apart */
		out[0] = pid;
		n = 1;
	}
	return n;
}

/* ---------------------------------------------------------------- identity */

int procfs_exe(int pid, char *buf, size_t n)
{
	char path[48];
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	ssize_t r = readlink(path, buf, n - 1);
	if (r <= 0) {
		buf[0] = 0;
		return r < 0 ? -errno : -ENOENT;
	}
	buf[r] = 0;
	char *del = strstr(buf, " (deleted)");	/* node upgraded under it */
	if (del && del[10] == 0)
		*del = 0;
	return 0;
}

void procfs_comm(int pid, char *buf, size_t n)
{
	char path[48];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	if (procfs_read_small(path, buf, n) <= 0)
		snprintf(buf, n, "?");
	buf[strcspn(buf, "\n")] = 0;
}

char *procfs_cmdline(int pid, size_t *len)
{
	char path[48];
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	return procfs_read_file(path, 1 << 20, len);
}

char *procfs_environ_get(int pid, const char *name)
{
	char path[48];
	size_t len, nl = strlen(name);
	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	char *buf = procfs_read_file(path, 1 << 20, &len);
	char *val = NULL;
	for (size_t off = 0; buf && off < len && !val; off += strlen(buf + off) + 1)
		if (strncmp(buf + off, name, nl) == 0 && buf[off + nl] == '=')
			val = xstrdup(buf + off + nl + 1);
	free(buf);
	return val;
}

double procfs_boot_time(void)
{
	static double btime = -1;
	if (btime >= 0)
		return btime;
	btime = 0;
	char *text = procfs_read_file("/proc/stat", 1 << 20, NULL);
	const char *b = text ? strstr(text, "\nbtime ") : NULL;
	if (b)
		btime = strtod(b + 7, NULL);
	free(text);
	return btime;
}

int procfs_fd_count(int pid)
{
	char path[48];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	if (stat(path, &st) < 0)
		return -errno;
	if (st.st_size > 0)	/* Linux >= 6.2 reports the count here */
		return st.st_size > INT_MAX ? INT_MAX : (int)st.st_size;
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int procfs_same_ns(int pid_a, int pid_b, const char *kind)
{
	char pa[64], pb[64];
	struct stat sa, sb;
	if (pid_a > 0)
		snprintf(pa, sizeof pa, "/proc/%d/ns/%s", pid_a, kind);
	else
		snprintf(pa, sizeof pa, "/proc/self/ns/%s", kind);
	if (pid_b > 0)
		snprintf(pb, sizeof pb, "/proc/%d/ns/%s", pid_b, kind);
	else
		snprintf(pb, sizeof pb, "/proc/self/ns/%s", kind);
	if (stat(pa, &sa) < 0 || stat(pb, &sb) < 0)
		return -errno;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---------------------------------------------------------------- sockets */

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

unsigned long *procfs_socket_inodes(int pid, size_t *n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	*n = 0;
	DIR *d = opendir(path);
	if (!d)
		return NULL;
	size_t cap = 64;
	unsigned long *v = xmalloc(cap * sizeof *v);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char lp[320], target[64];
		snprintf(lp, sizeof lp, "%s/%s", path, e->d_name);
		ssize_t r = readlink(lp, target, sizeof target - 1);
		if (r <= 0)
			continue;
		target[r] = 0;
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		if (*n == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = ino;
	}
	closedir(d);
	qsort(v, *n, sizeof *v, cmp_ulong);
	return v;
}

int procfs_net_listeners(int pid, const unsigned long *inodes, size_t ni, int port,
			 procfs_listener *out, int max)
{
	int n = 0;
	for (int v6 = 0; v6 < 2; v6++) {
		char path[64];
		if (pid > 0)
			snprintf(path, sizeof path, "/proc/%d/net/tcp%s", pid, v6 ? "6" : "");
		else
			snprintf(path, sizeof path, "/proc/self/net/tcp%s", v6 ? "6" : "");
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[512];
		while (fgets(line, sizeof line, f) && n < max) {
			char laddr[40];
			unsigned lport, st;
			unsigned long inode;
			if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*u %*u %lu",
				   laddr, &lport, &st, &inode) != 4 || st != 0x0A)
				continue;
			if ((port && (int)lport != port) ||
			    (inodes && !bsearch(&inode, inodes, ni, sizeof *inodes, cmp_ulong)))
				continue;
			procfs_listener *l = &out[n];
			memset(l, 0, sizeof *l);
			l->port = (int)lport;
			l->inode = inode;
			l->family = v6 ? AF_INET6 : AF_INET;
			/* each 8-hex-digit word is a host-order u32 of network bytes */
			size_t words = v6 ? 4 : 1;
			if (strlen(laddr) != words * 8)
				continue;
			for (size_t w = 0; w < words; w++) {
				char h[9];
				memcpy(h, laddr + w * 8, 8);
				h[8] = 0;
				uint32_t u = (uint32_t)strtoul(h, NULL, 16);
				memcpy(l->addr + w * 4, &u, 4);
			}
			n++;
		}
		fclose(f);
	}
	return n;
}

int procfs_pid_listeners(int pid, int port, procfs_listener *out, int max)
{
	size_t ni;
	unsigned long *inodes = procfs_socket_inodes(pid, &ni);
	if (!inodes)
		return 0;
	int n = procfs_net_listeners(pid, inodes, ni, port, out, max);
	free(inodes);
	return n;
}

bool procfs_port_held(int pid, int port, int *owner)
{
	procfs_listener all[16];	/* IPv4 and IPv6, a few addresses */
	int na = procfs_net_listeners(pid, NULL, 0, port, all, 16);
	if (!owner || na == 0)
		return na > 0;
	/* Socket inodes are unique across namespaces: any process holding one
	 * of these fds is the holder, wherever it lives. */
	*owner = -1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) && *owner < 0) {
		int p = atoi(e->d_name);
		if (p <= 0)
			continue;
		size_t ni;
		unsigned long *inodes = procfs_socket_inodes(p, &ni);
		for (int i = 0; inodes && i < na; i++)
			if (bsearch(&all[i].inode, inodes, ni, sizeof *inodes, cmp_ulong))
				*owner = p;
		free(inodes);
	}
	if (d)
		closedir(d);
	return true;
}

/* ---------------------------------------------------------------- system */

double procfs_mem_available(void)
{
	char buf[4096];
	if (procfs_read_small("/proc/meminfo", buf, sizeof buf) <= 0)
		return -1;
	const char *p = strstr(buf, "MemAvailable:");
	unsigned long long kb;
	if (!p || sscanf(p, "MemAvailable: %llu kB", &kb) != 1)
		return -1;
	return (double)kb * 1024.0;
}

/* ---------------------------------------------------------------- Node */

bool procfs_name_is_node(const char *name)
{
	if (strcmp(name, "nodejs") == 0)
		return true;
	if (strncmp(name, "node", 4) != 0)
		return false;
	/* node, node20, node-18, node_20, node18.19.1 — not node-gyp, nodemon */
	const char *p = name + 4;
	/* scan-build: name starts with "node" (strncmp above): name[4] is at worst its NUL */
	if (*p == '-' || *p == '_')
		p++;
	if (p > name + 4 && !isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

void procfs_first_word(const char *s, char *out, size_t outlen)
{
	size_t n = strcspn(s, " ");
	const char *b = s;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/')
			b = s + i + 1;
	size_t len = (size_t)(s + n - b);
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, b, len);
	out[len] = 0;
}

bool procfs_is_node(int pid, const char *comm, const char *argv0)
{
	char exe[PATH_MAX];
	if (procfs_exe(pid, exe, sizeof exe) == 0) {
		const char *b = strrchr(exe, '/');
		return procfs_name_is_node(b ? b + 1 : exe);
	}
	/* exe unreadable (another user's, a zombie, undumpable): the names */
	if (comm && procfs_name_is_node(comm))
		return true;
	if (argv0) {
		char w[64];
		procfs_first_word(argv0, w, sizeof w);
		return procfs_name_is_node(w);
	}
	return false;
}
