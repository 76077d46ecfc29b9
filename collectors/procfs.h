/* procfs — the one reader of /proc/PID/... files outside libproc2's sampling
 * (collectors/proc.c keeps that), and the one "is it Node?" rule.
 *
 * Every function reads the file afresh (nothing is cached: PIDs are reused)
 * and fails softly: a process that vanished or that we may not read gives
 * -errno / false / an empty result, never an abort.  Paths are those of the
 * host's /proc, so a process in another PID namespace is named by its host
 * PID; procfs_nspid() gives the PIDs it has inside its namespaces.
 *
 * Error convention: negative errno.
 */
#ifndef VITALS_PROCFS_H
#define VITALS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read a whole file (at most max bytes) into a malloc'd buffer with a NUL
 * appended; *len (may be NULL) gets its length.  NULL with errno set. */
char *procfs_read_file(const char *path, size_t max, size_t *len);
/* Read a small file into buf (NUL-terminated); its length or -errno. */
ssize_t procfs_read_small(const char *path, char *buf, size_t buflen);

/* The fields of /proc/PID/stat that vitals uses. */
typedef struct procfs_stat {
	char comm[16];		/* field 2 without its parentheses, at most 15 bytes */
	char state;		/* R, S, D, Z, X ... */
	int ppid;
	uint64_t utime, stime;	/* fields 14, 15: clock ticks on a CPU */
	int threads;		/* field 20 */
	uint64_t start_time;	/* field 22: clock ticks since boot */
	uint64_t vsize;		/* field 23: bytes of address space */
} procfs_stat;
/* Parse /proc/PID/stat text (comm may hold blanks and ')').  0 or -EINVAL. */
int procfs_stat_parse(const char *text, size_t len, procfs_stat *out);
/* 0, or -ENOENT (gone), -EACCES, -EINVAL. */
int procfs_stat_read(int pid, procfs_stat *out);
/* Resident pages of /proc/PID/statm text (its second number; pure, fuzzed).
 * 0 or -EINVAL. */
int procfs_statm_parse(const char *text, size_t len, uint64_t *resident_pages);
/* pid's resident set in bytes from statm (exact, unlike stat's rss since
 * Linux 6.2): 0, or -ENOENT (gone), -EACCES, -EINVAL. */
int procfs_rss_read(int pid, double *bytes);

/* The processes of /proc: each one's PID and its directory's inode, which
 * is new whenever a PID names a new process (procfs makes an inode per
 * process it shows).  Fills *v (grown with realloc, *cap its room) in
 * the order readdir gives, by PID; the count, or -errno. */
typedef struct procfs_pid_ino {
	int pid;
	unsigned long ino;
} procfs_pid_ino;
int procfs_pids(procfs_pid_ino **v, size_t *cap);
/* True when pid is gone or a zombie (kill(2) still succeeds on those). */
bool procfs_gone(int pid);
/* Whether pid's main thread sleeps in epoll (its wchan): 1 (a Node process
 * there has reached its event loop), 0 (elsewhere, on a CPU, or a kernel
 * that hides wait channels), -1 unreadable. */
int procfs_in_epoll(int pid);

/* The scheduler's books on one thread, /proc/PID/task/TID/schedstat: time
 * on a CPU, time runnable but waiting in a run queue (CPU starvation), and
 * the number of times it ran. */
typedef struct procfs_sched {
	uint64_t run_ns, wait_ns, slices;
} procfs_sched;
/* Parse schedstat text: three unsigned decimal numbers separated by single
 * blanks, a newline optional (pure; fuzzed).  0 or -EINVAL. */
int procfs_schedstat_parse(const char *text, size_t len, procfs_sched *out);
/* pid's thread tid (tid == pid: the main thread, where Node's event loop
 * runs).  0, or -ENOENT (gone), -EACCES, -EINVAL; a kernel without
 * schedstats (CONFIG_SCHED_INFO) gives -ENOENT for a live process. */
int procfs_schedstat_read(int pid, int tid, procfs_sched *out);

/* The PID of pid in each PID namespace it lives in, outermost (the host's)
 * first, from the NSpid line of /proc/PID/status: at most max entries.
 * Returns the count (1 when not in a nested namespace) or -errno. */
int procfs_nspid(int pid, int *out, int max);
/* Parse the NSpid line out of /proc/PID/status text (pure; fuzzed). */
int procfs_nspid_parse(const char *text, size_t len, int *out, int max);

/* The executable's path (" (deleted)" dropped), or -errno. */
int procfs_exe(int pid, char *buf, size_t n);
/* comm, or "?" when unreadable. */
void procfs_comm(int pid, char *buf, size_t n);
/* /proc/PID/cmdline (NUL-separated), malloc'd; NULL when unreadable. */
char *procfs_cmdline(int pid, size_t *len);
/* The value of one variable of /proc/PID/environ, malloc'd; NULL if unset
 * or unreadable (another user's process). */
char *procfs_environ_get(int pid, const char *name);
/* When the system booted (btime of /proc/stat), s since the epoch; 0 when
 * unreadable.  Read once. */
double procfs_boot_time(void);
/* Number of open fds, or -errno. */
int procfs_fd_count(int pid);

/* Whether two processes share a namespace of kind ("net", "mnt", "pid"):
 * 1 yes, 0 no, -errno when either link is unreadable (pid 0: ourselves). */
int procfs_same_ns(int pid_a, int pid_b, const char *kind);

/* A listening TCP socket of a network namespace. */
typedef struct procfs_listener {
	int port;
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network byte order, as bound */
	unsigned long inode;
} procfs_listener;
/* Socket inodes of pid's open fds, sorted, malloc'd (count in *n); NULL when
 * unreadable or when it has none. */
unsigned long *procfs_socket_inodes(int pid, size_t *n);
/* Listening TCP sockets of pid's network namespace (its /proc/PID/net/tcp and
 * tcp6; pid 0: ours), filtered while reading — by inode (inodes: sorted, NULL
 * for any) and by port (0 for any) — lest the wanted ones fall beyond max. */
int procfs_net_listeners(int pid, const unsigned long *inodes, size_t ni, int port,
			 procfs_listener *out, int max);
/* Listening TCP sockets owned by pid (on port, or any when port is 0). */
int procfs_pid_listeners(int pid, int port, procfs_listener *out, int max);
/* Whether someone in pid's network namespace (0: ours) listens on port;
 * with owner, *owner = the holder's host PID, or -1 when not found (another
 * user's process).  The owner costs a look at every process's fds. */
bool procfs_port_held(int pid, int port, int *owner);

/* MemAvailable from /proc/meminfo in bytes, or -1. */
double procfs_mem_available(void);

/* The one "is it Node?" rule for an executable's base name: node, nodejs,
 * and versioned names like node20, node-18, node18.19 (distributions and
 * version managers install those). */
bool procfs_name_is_node(const char *name);
/* The base name of the first blank-separated word of s (an argv[0] that
 * process.title may have rewritten): "/usr/bin/node app.js" -> "node". */
void procfs_first_word(const char *s, char *out, size_t outlen);
/* Is pid's executable Node?  /proc/PID/exe when readable (exact), else comm
 * or the first word of argv0 (may be NULL): another user's process. */
bool procfs_is_node(int pid, const char *comm, const char *argv0);

#endif
