/* proc — the process collector and Node discovery; see proc.h.
 *
 * Data: up to two libproc2 `pids` contexts, each with the fewest items its
 * job needs, because libproc2 reads only the /proc files its items require:
 *   - ident: stat + cmdline — identity of a process at first sight;
 *   - scan:  stat only, over every process — discovery; opened on the first
 *            proc_discover, then run every tick in "all my node processes"
 *            mode, where the memo below spares a readlink per process per
 *            tick.
 * A sample reads each watched process's stat and statm itself (procfs):
 * libproc2's select also reads /proc/PID/status for every PID (for a thread
 * group id), the costliest file of the three, and parses with sscanf.
 * RSS is statm's resident (not stat's rss field): since Linux 6.2 stat's
 * counter is a per-CPU approximation that can be several % off VmRSS.
 * Open fds are st_size of /proc/PID/fd (Linux >= 6.2: the count, one stat()
 * instead of a readdir), falling back to counting entries.  The cgroup memory
 * limit is read at first sight and every CG_REREAD_MS after.
 * Children discovery (PIDs given) scans every process only when a readdir
 * of /proc and the stat of what is new say it could find something new
 * (children_unchanged): watching 50 apps, the scan was a third of a tick.
 *
 * Invariants: vproc->collector_data is NULL or a proc_track owned here; it
 * exists only while the vproc is not PROC_EXITED (freed when marked exited, by
 * proc_collector_forget and proc_collector_release).  A vproc's start_time is
 * its identity: a different start time under the same PID means reuse, and the
 * old vproc is never brought back to life.  A failed read changes a process's
 * state only once missing_reason() says it is gone or hidden (a transient
 * error must not mark it exited).  CPU deltas use
 * CLOCK_MONOTONIC, whatever now_ms the caller passes for the time stamps.
 */
#include "collectors/proc.h"
#include "base/clock.h"
#include "base/text.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libproc2/pids.h>

#include "collectors/app_id.h"
#include "collectors/container.h"
#include "collectors/procfs.h"

#define SELECT_MAX 255		/* libproc2's FILL_ID_MAX for procps_pids_select */
#define CG_REREAD_MS 60000	/* memory limits change rarely */
#define CMDLINE_MAX 4096
#define CG_PATH_MAX 1024

/* Items of the ident and scan contexts: the same prefix, ident adds argv. */
static enum pids_item ident_items[] = {
	PIDS_ID_PID, PIDS_ID_PPID, PIDS_TICS_BEGAN, PIDS_ID_EUID, PIDS_CMD, PIDS_STATE,
	PIDS_TICS_USER, PIDS_TICS_SYSTEM, PIDS_CMDLINE_V,
};
enum { I_PID, I_PPID, I_BEGAN, I_EUID, I_CMD, I_STATE, I_UTIME, I_STIME, I_ARGV, I_COUNT };
#define SCAN_NITEMS I_ARGV	/* scan = ident without the command line */

struct proc_collector {
	struct pids_info *ident, *scan;
	int ident_idle;			/* samples since ident was last used */
	long hz;			/* clock ticks per second */
	int64_t btime_ms;		/* boot time, ms since the epoch */
	char cg2_root[256];		/* cgroup2 mount point, "" if none */
	char cg2_mroot[256];		/* the cgroup it shows at that point ("/" mostly) */
	char cg1mem_root[256];		/* cgroup v1 memory controller mount, "" if none */
	char cg1mem_mroot[256];
	vproc **watch;			/* scratch: the processes of this sample */
	size_t watch_cap;
	struct scan_memo *memo;		/* node or not, per process, from the last */
	size_t nmemo;			/* discovery, sorted by pid */
	/* children discovery (see children_unchanged) */
	struct ls_ent *ls, *ls_new;	/* /proc's processes at the last look, by pid */
	size_t nls, ls_cap, ls_new_cap;
	procfs_pid_ino *ls_now;		/* scratch: readdir of /proc */
	size_t ls_now_cap;
	int *gone;			/* scratch: PIDs gone since the last look */
	size_t gone_cap;
	int *live;			/* scratch: the live watched PIDs, sorted */
	size_t live_cap;
	uint64_t kid_model;		/* model_sig() after the last complete scan */
	struct kid *kids;		/* the children it passed over */
	size_t nkids, kids_cap;
	bool kids_ok;			/* all that describes a complete scan */
	unsigned long scans;		/* full scans of /proc (tests, benches) */
};

/* A process of /proc as children discovery last saw it: its directory's
 * inode (new when the PID names a new process) and its parent (-1 unknown). */
typedef struct ls_ent {
	int pid, ppid;
	unsigned long ino;
} ls_ent;

/* A child of a watched process that children discovery did not add (not
 * Node, or a wrapper): an exec may make it one without a new PID. */
typedef struct kid {
	int pid, ppid;
	uint64_t start;
	char comm[16];
} kid;

/* Discovery runs every tick in "watch all my node processes" mode: keep
 * the readlink verdict of each (pid, start time, comm) for the next round.
 * comm is part of the key because execve keeps pid and start time
 * (`exec node app.js` in an entrypoint script) but sets a new comm. */
typedef struct scan_memo {
	int pid;
	uint64_t start;
	char comm[16];
	bool node;
} scan_memo;

/* Per-process state between samples (vproc->collector_data). */
typedef struct proc_track {
	uint64_t utime, stime;	/* ticks at the previous sample */
	int64_t mono_ms;	/* when they were read */
	bool have;		/* utime/stime valid */
	int64_t cg_next_ms;	/* when to re-read the cgroup memory limit */
	uint64_t wait_ns, run_ns;	/* main thread's schedstat at the previous sample */
	int64_t wait_mono_ms;	/* when it was read; 0 = not yet */
	bool named;		/* app and start time resolved (first sight) */
} proc_track;

/* ---------------------------------------------------------------- pure helpers */

double proc_cpu_pct(uint64_t dticks, int64_t dt_ms, long ticks_per_sec)
{
	if (dt_ms <= 0 || ticks_per_sec <= 0 || dticks >= (UINT64_C(1) << 63))
		return 0.0;
	return (double)dticks * 100000.0 / ((double)ticks_per_sec * (double)dt_ms);
}

uint64_t proc_tick_delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : 0;
}

proc_fate proc_fate_of(uint64_t known_start, bool present, uint64_t seen_start, char seen_state)
{
	if (!present)
		return PROC_FATE_GONE;
	if (known_start != 0 && seen_start != known_start)
		return PROC_FATE_REUSED;
	/* A zombie has finished; only its exit status waits for the parent. */
	if (seen_state == 'Z' || seen_state == 'X')
		return PROC_FATE_GONE;
	return PROC_FATE_SAME;
}

/* Basename of the first space-separated word of s, into out (no extension
 * .js/.cjs/.mjs, no "-cli" suffix): "/x/npm-cli.js a" -> "npm". */
static void command_word(const char *s, char *out, size_t outlen)
{
	procfs_first_word(s, out, outlen);
	size_t len = strlen(out);
	static const char *const exts[] = { ".js", ".cjs", ".mjs", "-cli" };
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		size_t el = strlen(exts[i]);
		if (len > el && memcmp(out + len - el, exts[i], el) == 0)
			len -= el;
	}
	out[len] = '\0';
}

static bool name_is_wrapper(const char *w)
{
	static const char *const names[] = {
		"npm", "npx", "yarn", "yarnpkg", "pnpm", "pnpx", "corepack", "pm2",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(w, names[i]) == 0)
			return true;
	return false;
}

bool proc_argv_is_wrapper(const char *const *argv, int argc)
{
	char w[64];
	if (argc < 1 || !argv || !argv[0])
		return false;
	/* pm2's daemon supervises the apps and is itself worth watching. */
	if (strstr(argv[0], "God Daemon"))
		return false;
	command_word(argv[0], w, sizeof w);	/* "npm exec x" after process.title */
	if (name_is_wrapper(w))
		return true;
	if (!procfs_name_is_node(w))
		return false;
	/* node [options] script: find the script, skipping options and the
	 * values of those that take a separate argument. */
	for (int i = 1; i < argc && argv[i]; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			command_word(a, w, sizeof w);
			return name_is_wrapper(w);
		}
		if (strcmp(a, "--") == 0) {	/* the script follows */
			if (i + 1 >= argc || !argv[i + 1])
				return false;
			command_word(argv[i + 1], w, sizeof w);
			return name_is_wrapper(w);
		}
		if (strcmp(a, "-e") == 0 || strcmp(a, "--eval") == 0 || strcmp(a, "-p") == 0 ||
		    strcmp(a, "--print") == 0)
			return false;
		if (model_node_opt_takes_value(a))
			i++;
	}
	return false;
}

/* Copy the n bytes at s into out as a NUL-terminated string. */
static void copy_field(char *out, size_t outlen, const char *s, size_t n)
{
	if (outlen == 0)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* A cgroup path we are willing to append to a mount point. */
static bool cg_path_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/' || n >= CG_PATH_MAX)
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	return memchr(s, '\0', n) == NULL;
}

static bool list_has(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);
	while (n > 0) {
		const char *c = memchr(s, ',', n);
		size_t tl = c ? (size_t)(c - s) : n;
		if (tl == wl && memcmp(s, word, wl) == 0)
			return true;
		if (!c)
			break;
		n -= tl + 1;
		s = c + 1;
	}
	return false;
}

int proc_cgroup_parse(const char *text, size_t len, char *v2, size_t v2len, char *v1mem,
		      size_t v1len)
{
	int parsed = 0;
	if (v2len)
		v2[0] = '\0';
	if (v1len)
		v1mem[0] = '\0';
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t ll = nl ? (size_t)(nl - text) : len;
		/* hierarchy-ID:controller-list:cgroup-path */
		const char *c1 = memchr(text, ':', ll);
		const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - text)) : NULL;
		if (c2) {
			const char *path = c2 + 1;
			size_t pl = ll - (size_t)(path - text);
			size_t hl = (size_t)(c1 - text), cl = (size_t)(c2 - c1 - 1);
			if (cg_path_ok(path, pl)) {
				parsed++;
				if (hl == 1 && text[0] == '0' && cl == 0)
					copy_field(v2, v2len, path, pl);
				else if (list_has(c1 + 1, cl, "memory"))
					copy_field(v1mem, v1len, path, pl);
			}
		}
		if (!nl)
			break;
		len -= ll + 1;
		text = nl + 1;
	}
	return parsed ? 0 : -EINVAL;
}

double proc_limit_parse(const char *text, size_t len)
{
	char buf[32];
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	if (len == 3 && memcmp(text, "max", 3) == 0)
		return 0;
	if (len == 0 || len >= sizeof buf)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)text[i]))
			return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	unsigned long long v = strtoull(buf, NULL, 10);
	if (errno == ERANGE)
		return 0;
	/* cgroup v1 says "unlimited" with PAGE_COUNTER_MAX pages, ~2^63 bytes. */
	if (v >= (1ULL << 62))
		return 0;
	return (double)v;
}

/* ------------------------------------------------------------- /proc helpers */

/* Why select did not return pid: -ENOENT if it is gone, -EACCES if it exists
 * but /proc will not show it to us, -EAGAIN if it is readable after all. */
static int missing_reason(int pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return -ENOENT;
	procfs_stat st;
	int r = procfs_stat_read(pid, &st);
	if (r == -ENOENT || r == -EACCES || r == -EPERM)	/* ENOENT: hidepid, but kill() saw it */
		return -EACCES;
	return r < 0 && r != -EINVAL ? r : -EAGAIN;
}

/* argv joined with spaces, trailing empty arguments dropped (process.title
 * leaves them), control characters replaced; malloc'd, NULL if empty. */
static char *join_argv(char **argv)
{
	if (!argv)
		return NULL;
	int n = 0, last = -1;
	for (; argv[n]; n++)
		if (argv[n][0])
			last = n;
	if (last < 0)
		return NULL;
	char *out = malloc(CMDLINE_MAX);
	if (!out)
		return NULL;
	size_t len = 0;
	for (int i = 0; i <= last && len + 1 < CMDLINE_MAX; i++) {
		if (i > 0)
			out[len++] = ' ';
		size_t al = strlen(argv[i]);
		if (al > CMDLINE_MAX - 1 - len)
			al = CMDLINE_MAX - 1 - len;
		memcpy(out + len, argv[i], al);
		len += al;
	}
	out[len] = '\0';
	text_clean(out, CMDLINE_MAX, out, CMDLINE_MAX, 0);
	char *fit = realloc(out, len + 1);	/* most command lines are short */
	return fit ? fit : out;
}

static int argv_count(char **argv)
{
	int n = 0;
	while (argv && argv[n])
		n++;
	return n;
}

/* ------------------------------------------------------------------- cgroups */

/* Find the cgroup2 and v1-memory mount points in /proc/self/mountinfo. */
static void cg_find_mounts(proc_collector *pc)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		/* id parent maj:min root mountpoint opts [tags] - fstype source superopts */
		char root[256], mnt[256];
		if (sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2)
			continue;
		const char *sep = strstr(line, " - ");
		if (!sep || root[0] != '/')
			continue;
		char fstype[32], source[128], opts[512];
		if (sscanf(sep + 3, "%31s %127s %511s", fstype, source, opts) != 3)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !pc->cg2_root[0]) {
			snprintf(pc->cg2_root, sizeof pc->cg2_root, "%s", mnt);
			snprintf(pc->cg2_mroot, sizeof pc->cg2_mroot, "%s", root);
		} else if (strcmp(fstype, "cgroup") == 0 && !pc->cg1mem_root[0] &&
			   list_has(opts, strlen(opts), "memory")) {
			snprintf(pc->cg1mem_root, sizeof pc->cg1mem_root, "%s", mnt);
			snprintf(pc->cg1mem_mroot, sizeof pc->cg1mem_mroot, "%s", root);
		}
	}
	fclose(f);
}

/* The smallest limit on the way from cgpath up to the root of the mount: a
 * parent's limit binds its children too.  0 when none.  mroot is the cgroup
 * the mount shows (not "/" when a container sees only its own subtree). */
static double cg_walk(const char *root, const char *mroot, const char *cgpath,
		      const char *file)
{
	char dir[CG_PATH_MAX + 256], path[CG_PATH_MAX + 300], buf[64];
	double best = 0;
	size_t ml = strlen(mroot);
	if (ml > 1 && strncmp(cgpath, mroot, ml) == 0 && (cgpath[ml] == '/' || !cgpath[ml]))
		cgpath += ml;
	snprintf(dir, sizeof dir, "%s%s", root, strcmp(cgpath, "/") == 0 ? "" : cgpath);
	size_t rootlen = strlen(root);
	for (int depth = 0; depth < 64; depth++) {
		snprintf(path, sizeof path, "%s/%s", dir, file);
		ssize_t n = procfs_read_small(path, buf, sizeof buf);
		if (n > 0) {
			double v = proc_limit_parse(buf, (size_t)n);
			if (v > 0 && (best == 0 || v < best))
				best = v;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < rootlen)
			break;
		*slash = '\0';
	}
	return best;
}

static double cg_limit(const proc_collector *pc, int pid)
{
	char path[48], text[2048], v2[CG_PATH_MAX], v1[CG_PATH_MAX];
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	ssize_t n = procfs_read_small(path, text, sizeof text);
	if (n <= 0 || proc_cgroup_parse(text, (size_t)n, v2, sizeof v2, v1, sizeof v1) < 0)
		return 0;
	/* On a hybrid host the memory controller is v1 even if cgroup2 exists. */
	if (v1[0] && pc->cg1mem_root[0])
		return cg_walk(pc->cg1mem_root, pc->cg1mem_mroot, v1, "memory.limit_in_bytes");
	if (v2[0] && pc->cg2_root[0])
		return cg_walk(pc->cg2_root, pc->cg2_mroot, v2, "memory.max");
	return 0;
}

/* --------------------------------------------------------------- collector */

/* The ident context is opened when a process is seen for the first time and
 * closed again after IDENT_IDLE_SAMPLES samples without one: libproc2 primes
 * 1024 result stacks per context it selects with (~180 KB for ident's
 * items, plus its tables), which a dashboard watching given PIDs uses once
 * at start and a discovering one when a new node process comes. */
#define IDENT_IDLE_SAMPLES 30

static struct pids_info *ident_ctx(proc_collector *pc)
{
	if (!pc->ident && procps_pids_new(&pc->ident, ident_items, I_COUNT) < 0)
		pc->ident = NULL;
	pc->ident_idle = 0;
	return pc->ident;
}

proc_collector *proc_collector_new(char *err, size_t errlen)
{
	if (access("/proc/self/stat", R_OK) < 0) {
		snprintf(err, errlen, "cannot read /proc (%s): is it mounted?", strerror(errno));
		return NULL;
	}
	proc_collector *pc = calloc(1, sizeof *pc);
	if (!pc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = procps_pids_new(&pc->ident, ident_items, I_COUNT);
	/* pc->scan (discovery) is opened on the first proc_discover: watching
	 * given PIDs never pays for a third context (~300 KB). */
	if (rc < 0) {
		snprintf(err, errlen, "libproc2: cannot open a pids context: %s", strerror(-rc));
		proc_collector_free(pc);
		return NULL;
	}
	pc->hz = sysconf(_SC_CLK_TCK);
	if (pc->hz <= 0)
		pc->hz = 100;
	cg_find_mounts(pc);
	char buf[4096];
	if (procfs_read_small("/proc/stat", buf, sizeof buf) > 0) {
		const char *b = strstr(buf, "\nbtime ");
		if (b)
			pc->btime_ms = strtoll(b + 7, NULL, 10) * 1000;
	}
	return pc;
}

void proc_collector_free(proc_collector *pc)
{
	if (!pc)
		return;
	if (pc->ident)
		procps_pids_unref(&pc->ident);
	if (pc->scan)
		procps_pids_unref(&pc->scan);
	free(pc->watch);
	free(pc->memo);
	free(pc->ls);
	free(pc->ls_new);
	free(pc->ls_now);
	free(pc->gone);
	free(pc->live);
	free(pc->kids);
	free(pc);
}

int64_t proc_start_ms(const proc_collector *pc, uint64_t start_time)
{
	if (!pc->btime_ms || !start_time)
		return 0;
	return pc->btime_ms + (int64_t)(start_time * 1000 / (uint64_t)pc->hz);
}

void proc_collector_forget(vproc *p)
{
	free(p->collector_data);
	p->collector_data = NULL;
}

void proc_collector_release(model *m)
{
	for (size_t i = 0; i < m->nprocs; i++)
		proc_collector_forget(m->procs[i]);
}

static void info_from_ident(const struct pids_stack *s, proc_info *out)
{
	memset(out, 0, sizeof *out);
	out->pid = s->head[I_PID].result.s_int;
	out->ppid = s->head[I_PPID].result.s_int;
	out->start_time = s->head[I_BEGAN].result.ull_int;
	out->uid = s->head[I_EUID].result.u_int;
	out->state = s->head[I_STATE].result.s_ch;
	snprintf(out->name, sizeof out->name, "%s", s->head[I_CMD].result.str);
	text_clean(out->name, sizeof out->name, out->name, sizeof out->name, 0);
}

int proc_identify(proc_collector *pc, int pid, proc_info *out)
{
	memset(out, 0, sizeof *out);
	if (pid <= 0)
		return -EINVAL;
	unsigned u = (unsigned)pid;
	struct pids_info *ident = ident_ctx(pc);
	struct pids_fetch *f = ident ? procps_pids_select(ident, &u, 1, PIDS_SELECT_PID) : NULL;
	if (!f)
		return errno ? -errno : -ENOMEM;
	if (f->counts->total < 1) {
		int r = missing_reason(pid);
		return r == -EAGAIN ? -EIO : r;
	}
	struct pids_stack *s = f->stacks[0];
	info_from_ident(s, out);
	char **argv = s->head[I_ARGV].result.strv;
	out->is_node = procfs_is_node(pid, out->name, argv && argv[0] ? argv[0] : NULL);
	return 0;
}

/* Name, command line, uid... of p from an ident stack. */
static void vproc_set_identity(vproc *p, const struct pids_stack *s)
{
	proc_info pi;
	info_from_ident(s, &pi);
	if (p->start_time == 0)
		p->start_time = pi.start_time;
	p->ppid = pi.ppid;
	p->uid = pi.uid;
	p->state_char = pi.state;
	memcpy(p->name, pi.name, sizeof p->name);
	char *cl = join_argv(s->head[I_ARGV].result.strv);
	if (cl) {
		free(p->cmdline);
		p->cmdline = cl;
	}
}

/* Where p lives: its container, namespaces and PID inside them. */
static void vproc_place(vproc *p)
{
	container_info ci;
	container_identify(p->pid, &ci);
	p->nspid = ci.nspid;
	p->other_mnt = ci.other_mnt;
	snprintf(p->container, sizeof p->container, "%s", ci.name);
}

/* "NAME#ID" into out, the id kept whole when the name is long. */
static void manager_label(const char *name, long long id, char *out, size_t n)
{
	char ids[24];
	snprintf(ids, sizeof ids, "#%lld", id);
	int room = (int)n - 1 - (int)strlen(ids);
	if (!name[0] || id < 0 || id > 999999 || room < 1)
		return;
	snprintf(out, n, "%.*s%s", room, name, ids);
	text_clean(out, n, out, n, 0);
}

void proc_manager_name(const char *cmdline, const char *pm2_env, const char *env_name,
		       const char *env_pm_id, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = 0;
	if (cmdline && strncmp(cmdline, "PM2 v", 5) == 0 && strstr(cmdline, ": God Daemon")) {
		snprintf(out, n, "pm2");
		return;
	}
	if (pm2_env) {		/* cluster mode: one JSON object of pm2's */
		json_t *j = json_loads(pm2_env, JSON_REJECT_DUPLICATES, NULL);
		json_t *name = json_object_get(j, "name"), *id = json_object_get(j, "pm_id");
		if (json_is_string(name) && json_is_integer(id))
			manager_label(json_string_value(name), json_integer_value(id), out, n);
		json_decref(j);
		if (out[0])
			return;
	}
	/* fork mode: pm_id is pm2's small integer; anything else is not pm2's */
	if (env_name && env_pm_id && env_pm_id[0] && strspn(env_pm_id, "0123456789") == strlen(env_pm_id) &&
	    strlen(env_pm_id) <= 6)
		manager_label(env_name, strtoll(env_pm_id, NULL, 10), out, n);
}

/* p's name under a process manager (pm2), read once at first sight: the
 * environment a process was started with does not change. */
static void vproc_name_app(vproc *p)
{
	char *env = NULL, *name = NULL, *id = NULL;
	if (!p->cmdline || strncmp(p->cmdline, "PM2 v", 5) != 0) {
		env = procfs_environ_get(p->pid, "pm2_env");
		if (!env && (id = procfs_environ_get(p->pid, "pm_id")))
			name = procfs_environ_get(p->pid, "name");
	}
	proc_manager_name(p->cmdline, env, name, id, p->app, sizeof p->app);
	free(env);
	free(name);
	free(id);
}

/* Fill in identity of a vproc someone else added (command line, launch). */
static void vproc_identify(proc_collector *pc, vproc *p)
{
	unsigned u = (unsigned)p->pid;
	struct pids_info *ident = ident_ctx(pc);
	struct pids_fetch *f = ident ? procps_pids_select(ident, &u, 1, PIDS_SELECT_PID) : NULL;
	if (f && f->counts->total > 0)
		vproc_set_identity(p, f->stacks[0]);
}

static void mark_exited(model *m, vproc *p, int64_t now_ms)
{
	p->state = PROC_EXITED;
	p->exited_ms = now_ms;
	p->cpu_pct = p->cpu_user_pct = p->cpu_sys_pct = 0;
	p->sched_wait = p->sched_run = NAN;
	proc_collector_forget(p);
	model_touch(m);
}

static void push_missing(vproc *p, int64_t now_ms)
{
	ring_push(&p->rss_r, now_ms, NAN);
	ring_push(&p->cpu_r, now_ms, NAN);
	ring_push(&p->sched_share_r, now_ms, NAN);
}

/* The main thread's run-queue wait and run time since the last sample, in
 * ms per second, and the wait's share of its runnable time; NaN on first
 * sight, or where the kernel keeps no schedstats. */
static double sched_update(vproc *p, proc_track *t, int64_t mono)
{
	procfs_sched ss;
	double share = NAN;
	p->sched_wait = p->sched_run = NAN;
	if (procfs_schedstat_read(p->pid, p->pid, &ss) < 0) {
		t->wait_mono_ms = 0;
		return share;
	}
	int64_t dt = mono - t->wait_mono_ms;
	if (t->wait_mono_ms && dt > 0 && ss.wait_ns >= t->wait_ns && ss.run_ns >= t->run_ns) {
		double w = (double)(ss.wait_ns - t->wait_ns), r = (double)(ss.run_ns - t->run_ns);
		p->sched_wait = fmin(1000.0, w / 1e6 / (double)dt * 1000.0);
		p->sched_run = fmin(1000.0, r / 1e6 / (double)dt * 1000.0);
		share = w + r > 0 ? w / (w + r) : 0;
	}
	t->wait_ns = ss.wait_ns;
	t->run_ns = ss.run_ns;
	t->wait_mono_ms = mono;
	return share;
}

/* What a sample reads of one process: stat, and statm's resident set. */
typedef struct tick_read {
	procfs_stat st;
	double rss;
} tick_read;

/* Read pid's stat and statm: 0, or what procfs said (-ENOENT: gone). */
static int tick_read_pid(int pid, tick_read *r)
{
	int rc = procfs_stat_read(pid, &r->st);
	if (rc == 0)
		rc = procfs_rss_read(pid, &r->rss);
	return rc;
}

/* Update p from what this sample read of it (p is the process it describes). */
static void vproc_update(proc_collector *pc, model *m, vproc *p, const tick_read *s, int64_t now_ms)
{
	int64_t mono = clock_mono_ms();
	proc_track *t = p->collector_data;
	if (!t) {
		t = calloc(1, sizeof *t);
		if (!t)
			return;		/* try again next tick */
		p->collector_data = t;
		if (!p->cmdline || !p->name[0])
			vproc_identify(pc, p);
		vproc_place(p);
		vproc_name_app(p);
	}
	if (p->start_time == 0)
		p->start_time = s->st.start_time;
	uint64_t ut = s->st.utime, st = s->st.stime;
	p->rss_bytes = s->rss;
	p->vsz_bytes = (double)s->st.vsize;
	p->threads = s->st.threads;
	p->state_char = s->st.state;
	p->ppid = s->st.ppid;
	if (!t->named) {	/* first sight: what it is, once its parent is known */
		t->named = true;
		const vproc *parent = p->ppid > 0 ? model_find(m, p->ppid) : NULL;
		app_id_resolve(p, parent && !strcmp(parent->host, p->host) ? parent : NULL, p->app_name,
			       sizeof p->app_name);
		double bt = procfs_boot_time();
		long hz = sysconf(_SC_CLK_TCK);
		if (bt > 0 && hz > 0 && p->start_time)
			p->started_s = bt + (double)p->start_time / (double)hz;
	}

	double cpu = NAN;
	if (t->have) {
		int64_t dt = mono - t->mono_ms;
		p->cpu_user_pct = proc_cpu_pct(proc_tick_delta(t->utime, ut), dt, pc->hz);
		p->cpu_sys_pct = proc_cpu_pct(proc_tick_delta(t->stime, st), dt, pc->hz);
		p->cpu_pct = p->cpu_user_pct + p->cpu_sys_pct;
		cpu = p->cpu_pct;
	}
	p->cpu_user_s = (double)ut / (double)pc->hz;
	p->cpu_sys_s = (double)st / (double)pc->hz;
	t->utime = ut;
	t->stime = st;
	t->mono_ms = mono;
	t->have = true;

	if (p->state == PROC_DENIED)
		p->err[0] = '\0';
	p->state = PROC_LIVE;
	int fds = procfs_fd_count(p->pid);
	if (fds >= 0) {
		p->fds = fds;
		if (strncmp(p->err, "permission denied reading /proc/", 32) == 0)
			p->err[0] = '\0';
	} else {
		p->fds = -1;
		if (fds == -EACCES || fds == -EPERM)
			snprintf(p->err, sizeof p->err, "permission denied reading /proc/%d/fd",
				 p->pid);
	}
	if (mono >= t->cg_next_ms) {
		p->mem_limit = cg_limit(pc, p->pid);
		t->cg_next_ms = mono + CG_REREAD_MS;
	}
	p->last_seen_ms = now_ms;
	double share = sched_update(p, t, mono);

	ring_push(&p->rss_r, now_ms, p->rss_bytes);
	ring_push(&p->cpu_r, now_ms, cpu);
	ring_push(&p->sched_share_r, now_ms, share);
	model_touch(m);
}

/* A watched process select did not return: gone, or hidden from us. */
static void vproc_missing(model *m, vproc *p, int64_t now_ms)
{
	int r = missing_reason(p->pid);
	if (r == -ENOENT) {
		mark_exited(m, p, now_ms);
	} else if (r == -EACCES) {
		if (p->state != PROC_DENIED)
			model_touch(m);
		p->state = PROC_DENIED;
		snprintf(p->err, sizeof p->err, "permission denied reading /proc/%d/stat", p->pid);
		push_missing(p, now_ms);
	}
	/* else: readable again (a race with select); next tick will tell. */
}

static bool model_has(const model *m, int pid, uint64_t start);

/* Sample p: its stat and statm, read afresh (one open each: libproc2's
 * select also reads /proc/PID/status, the costliest file, for a thread
 * group id a PID we watch already is). */
static void sample_one(proc_collector *pc, model *m, vproc *p, int64_t now_ms)
{
	tick_read r;
	bool present = tick_read_pid(p->pid, &r) == 0;
	const tick_read *s = present ? &r : NULL;
	uint64_t began = s ? s->st.start_time : 0;
	char st = s ? s->st.state : 0;
	switch (proc_fate_of(p->start_time, s != NULL, began, st)) {
	case PROC_FATE_SAME:
		vproc_update(pc, m, p, s, now_ms);
		break;
	case PROC_FATE_GONE:
		if (s && p->launched)
			/* our own child, not reaped yet: the launch module's exit
			 * callback marks it, with its wait status (marked here
			 * first, the "exited" event went out without it) */
			break;
		if (s)		/* a zombie */
			mark_exited(m, p, now_ms);
		else
			vproc_missing(m, p, now_ms);
		break;
	case PROC_FATE_REUSED: {
		mark_exited(m, p, now_ms);
		/* discovery, run earlier in this tick, may have taken on the
		 * new process already: it is in this sample as itself */
		if (model_has(m, p->pid, began))
			break;
		vproc *np = model_add(m, p->pid, began);
		if (np)
			vproc_update(pc, m, np, s, now_ms);
		break;
	}
	}
}

int proc_collector_sample(proc_collector *pc, model *m, int64_t now_ms)
{
	/* Collect the watched set first: a reused PID adds to m->procs. */
	size_t total = m->nprocs;
	if (total > pc->watch_cap) {
		vproc **w = realloc(pc->watch, total * sizeof *w);
		if (!w)
			return -ENOMEM;
		pc->watch = w;
		pc->watch_cap = total;
	}
	vproc **watch = pc->watch;
	size_t nw = 0;
	for (size_t i = 0; i < total; i++) {
		vproc *p = m->procs[i];
		if (p->state == PROC_EXITED)
			proc_collector_forget(p);	/* marked by someone else */
		else
			watch[nw++] = p;
	}
	for (size_t i = 0; i < nw; i++)
		sample_one(pc, m, watch[i], now_ms);
	if (pc->ident && ++pc->ident_idle > IDENT_IDLE_SAMPLES) {
		procps_pids_unref(&pc->ident);
		pc->ident = NULL;
#ifdef __GLIBC__
		/* its blocks are in the heap once glibc's mmap threshold has
		 * grown past them: give the pages back */
		malloc_trim(0);
#endif
	}
	return 0;
}

/* ---------------------------------------------------------------- discovery */

typedef struct scan_entry {
	int pid, ppid;
	int idx;		/* index into the scan's stacks */
	signed char node;	/* -1 unknown, 0, 1 */
	uint64_t start;
} scan_entry;

static int cmp_pid(const void *a, const void *b)
{
	const scan_entry *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static scan_entry *scan_find(scan_entry *e, size_t n, int pid)
{
	scan_entry key = { .pid = pid };
	return bsearch(&key, e, n, sizeof *e, cmp_pid);
}

static bool scan_is_node(struct pids_fetch *f, scan_entry *e)
{
	if (e->node < 0) {
		struct pids_stack *s = f->stacks[e->idx];
		char state = s->head[I_STATE].result.s_ch;
		e->node = state != 'Z' && procfs_is_node(e->pid, s->head[I_CMD].result.str, NULL);
	}
	return e->node;
}

/* Does a node process run somewhere below pid? */
static bool has_node_descendant(struct pids_fetch *f, scan_entry *e, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].pid == pid)
			continue;
		/* Walk up from e[i]; a short walk, trees are shallow. */
		int anc = e[i].ppid;
		bool below = false;
		for (int depth = 0; depth < 64 && anc > 0; depth++) {
			if (anc == pid) {
				below = true;
				break;
			}
			scan_entry *a = scan_find(e, n, anc);
			if (!a)
				break;
			anc = a->ppid;
		}
		if (below && scan_is_node(f, &e[i]))
			return true;
	}
	return false;
}

static int cmp_memo(const void *a, const void *b)
{
	const scan_memo *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Take the verdicts of the last discovery for processes still there. */
static void memo_apply(const proc_collector *pc, struct pids_fetch *f, scan_entry *e, size_t n)
{
	for (size_t i = 0; i < n && pc->nmemo; i++) {
		scan_memo key = { .pid = e[i].pid };
		const scan_memo *m = bsearch(&key, pc->memo, pc->nmemo, sizeof key, cmp_memo);
		if (m && m->start == e[i].start &&
		    strncmp(m->comm, f->stacks[e[i].idx]->head[I_CMD].result.str, sizeof m->comm) == 0)
			e[i].node = m->node;
	}
}

/* Remember this discovery's verdicts (e is sorted by pid). */
static void memo_save(proc_collector *pc, struct pids_fetch *f, const scan_entry *e, size_t n)
{
	scan_memo *mm = realloc(pc->memo, (n ? n : 1) * sizeof *mm);
	if (!mm)
		return;		/* keep the old memo; it only saves work */
	pc->memo = mm;
	pc->nmemo = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].node >= 0) {
			scan_memo *x = &mm[pc->nmemo++];
			*x = (scan_memo){ .pid = e[i].pid, .start = e[i].start, .node = e[i].node == 1 };
			snprintf(x->comm, sizeof x->comm, "%s", f->stacks[e[i].idx]->head[I_CMD].result.str);
		}
}

static bool model_has(const model *m, int pid, uint64_t start)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		if (p->pid == pid && (p->start_time == start || p->start_time == 0))
			return true;
	}
	return false;
}

/* A live watched process with this pid (a parent whose children we add). */
static bool watched_parent(const model *m, int ppid)
{
	const vproc *p = ppid > 1 ? model_find(m, ppid) : NULL;
	return p && p->state == PROC_LIVE;
}

/* What children discovery looks at in the model, hashed (FNV-1a): each
 * process's PID, start time and whether it is live, in order. */
static uint64_t model_sig(const model *m)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		uint64_t w[3] = { (uint64_t)(unsigned)p->pid, p->start_time, p->state == PROC_LIVE };
		for (int k = 0; k < 3; k++)
			for (int b = 0; b < 64; b += 8)
				h = (h ^ ((w[k] >> b) & 0xff)) * 0x100000001b3ull;
	}
	return h ^ m->nprocs;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_ls(const void *a, const void *b)
{
	return cmp_int(&((const ls_ent *)a)->pid, &((const ls_ent *)b)->pid);
}

/* After a children scan: the parents it saw (it has the last word on them),
 * the children of live watched processes it passed over, and the model; ok =
 * the scan was complete and may be trusted until something changes. */
static void kids_note(proc_collector *pc, const model *m, struct pids_fetch *f, const scan_entry *e,
		      size_t n, bool ok)
{
	for (size_t i = 0; i < pc->nls; i++) {
		const scan_entry *x = scan_find((scan_entry *)e, n, pc->ls[i].pid);
		pc->ls[i].ppid = x ? x->ppid : -1;
	}
	pc->nkids = 0;
	pc->kids_ok = false;
	for (size_t i = 0; i < n && ok; i++) {
		const struct pids_stack *s = f->stacks[e[i].idx];
		if (s->head[I_STATE].result.s_ch == 'Z' || !watched_parent(m, e[i].ppid) ||
		    model_has(m, e[i].pid, e[i].start))
			continue;
		if (pc->nkids == pc->kids_cap) {
			size_t nc = pc->kids_cap ? pc->kids_cap * 2 : 16;
			kid *k = realloc(pc->kids, nc * sizeof *k);
			if (!k)
				return;		/* not remembered: scan again next time */
			pc->kids = k;
			pc->kids_cap = nc;
		}
		kid *k = &pc->kids[pc->nkids++];
		*k = (kid){ .pid = e[i].pid, .ppid = e[i].ppid, .start = e[i].start };
		snprintf(k->comm, sizeof k->comm, "%.15s", s->head[I_CMD].result.str);
	}
	pc->kid_model = model_sig(m);
	pc->kids_ok = ok;
}

/* Room for n entries in pc->ls_new. */
static bool grow_ls(proc_collector *pc, size_t n)
{
	ls_ent *v = realloc(pc->ls_new, n * sizeof *v);
	if (!v)
		return false;
	pc->ls_new = v;
	pc->ls_new_cap = n;
	return true;
}

/* Append pid to pc->gone (ngone entries so far); the new count, or
 * (size_t)-1 once memory ran out (then stays so). */
static size_t gone_add(proc_collector *pc, size_t ngone, int pid)
{
	if (ngone == (size_t)-1)
		return ngone;
	if (ngone == pc->gone_cap) {
		size_t nc = pc->gone_cap ? pc->gone_cap * 2 : 64;
		int *g = realloc(pc->gone, nc * sizeof *g);
		if (!g)
			return (size_t)-1;
		pc->gone = g;
		pc->gone_cap = nc;
	}
	pc->gone[ngone] = pid;
	return ngone + 1;
}

/* pid's parent from its stat, -1 when it cannot be read (gone, hidden). */
static int stat_ppid(int pid)
{
	procfs_stat st;
	return procfs_stat_read(pid, &st) == 0 ? st.ppid : -1;
}

/* The live watched PIDs into pc->live, sorted; their count, or -1 when one
 * is the init of a PID namespace (a container's), which adopts orphans
 * from outside its tree too (docker exec), or when out of memory. */
static ssize_t live_watched(proc_collector *pc, const model *m)
{
	if (m->nprocs > pc->live_cap) {
		int *v = realloc(pc->live, m->nprocs * sizeof *v);
		if (!v)
			return -1;
		pc->live = v;
		pc->live_cap = m->nprocs;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		if (p->state != PROC_LIVE || p->pid <= 1)
			continue;
		if (p->nspid == 1)
			return -1;
		pc->live[n++] = p->pid;
	}
	if (n)
		qsort(pc->live, n, sizeof *pc->live, cmp_int);
	return (ssize_t)n;
}

/* Whether e descends from a live watched process through at least one
 * process between (the ppids last seen). */
static bool below_child(const proc_collector *pc, const ls_ent *e, size_t nlive)
{
	int anc = e->ppid;
	for (int depth = 1; depth < 64 && anc > 1 && nlive; depth++) {
		if (bsearch(&anc, pc->live, nlive, sizeof *pc->live, cmp_int))
			return depth >= 2;
		ls_ent key = { .pid = anc };
		const ls_ent *a = bsearch(&key, pc->ls, pc->nls, sizeof key, cmp_ls);
		if (!a)
			return false;
		anc = a->ppid;
	}
	return false;
}

/* Whether a children scan now would find what the last one found, at the
 * cost of a readdir of /proc and a stat of each process that is new or
 * lives below a watched one's child: what a scan judges changes only when
 *   - a process starts (a PID, or a PID's inode, new in /proc) as the child
 *     of a live watched process (its stat says),
 *   - a process is reparented to a live watched process: one that is a
 *     subreaper adopts orphans from below it (re-read each time: their
 *     parent may be a zombie still, or gone), a container's init from
 *     anywhere in its namespace (no skipping then),
 *   - a child the last scan passed over (not Node) execs (its comm), or
 *   - the model changes (a watched process comes, goes or ends).
 * Every look also keeps pc->ls, /proc's processes and their parents. */
static bool children_unchanged(proc_collector *pc, const model *m)
{
	int n = procfs_pids(&pc->ls_now, &pc->ls_now_cap);
	if (n < 0 || ((size_t)n > pc->ls_new_cap && !grow_ls(pc, (size_t)n))) {
		pc->kids_ok = false;
		pc->nls = 0;
		return false;
	}
	ssize_t nlive = live_watched(pc, m);
	bool same = pc->kids_ok && nlive >= 0 && model_sig(m) == pc->kid_model;
	size_t j = 0, ngone = 0;
	ls_ent *nl = pc->ls_new;
	for (size_t i = 0; i < (size_t)n; i++) {
		const procfs_pid_ino *now = &pc->ls_now[i];
		for (; j < pc->nls && pc->ls[j].pid < now->pid; j++)
			ngone = gone_add(pc, ngone, pc->ls[j].pid);
		nl[i] = (ls_ent){ now->pid, -1, now->ino };
		if (j < pc->nls && pc->ls[j].pid == now->pid) {
			if (pc->ls[j].ino == now->ino) {
				nl[i].ppid = pc->ls[j++].ppid;
				continue;
			}
			ngone = gone_add(pc, ngone, pc->ls[j++].pid);	/* reused */
		}
		nl[i].ppid = stat_ppid(now->pid);
		if (watched_parent(m, nl[i].ppid))
			same = false;
	}
	for (; j < pc->nls; j++)
		ngone = gone_add(pc, ngone, pc->ls[j].pid);
	if (ngone == (size_t)-1) {	/* out of memory: no telling */
		same = false;
		ngone = 0;
	}
	if (ngone)
		qsort(pc->gone, ngone, sizeof *pc->gone, cmp_int);
	for (size_t i = 0; ngone && i < (size_t)n; i++)	/* orphans: their new parent */
		if (nl[i].ppid > 0 && bsearch(&nl[i].ppid, pc->gone, ngone, sizeof *pc->gone, cmp_int)) {
			nl[i].ppid = stat_ppid(nl[i].pid);
			if (watched_parent(m, nl[i].ppid))
				same = false;
		}
	ls_ent *t = pc->ls;
	size_t tcap = pc->ls_cap;
	pc->ls = nl;
	pc->ls_cap = pc->ls_new_cap;
	pc->nls = (size_t)n;
	pc->ls_new = t;
	pc->ls_new_cap = tcap;
	/* readdir gives PIDs in order; should it not, the merge above only
	 * costs more reads, and the bsearches need them sorted */
	if (pc->nls)
		qsort(pc->ls, pc->nls, sizeof *pc->ls, cmp_ls);
	for (size_t i = 0; same && i < pc->nls; i++)
		if (below_child(pc, &pc->ls[i], (size_t)nlive)) {
			pc->ls[i].ppid = stat_ppid(pc->ls[i].pid);
			if (nlive && bsearch(&pc->ls[i].ppid, pc->live, (size_t)nlive, sizeof *pc->live, cmp_int))
				same = false;
		}
	for (size_t i = 0; same && i < pc->nkids; i++) {
		const kid *k = &pc->kids[i];
		procfs_stat st;
		same = procfs_stat_read(k->pid, &st) == 0 && st.start_time == k->start && st.ppid == k->ppid &&
		       strcmp(st.comm, k->comm) == 0;
	}
	return same;
}

/* children: only the children of watched processes (of any user). */
static int discover(proc_collector *pc, model *m, uid_t uid, bool all_users, bool children)
{
	if (!pc->scan) {
		int rc = procps_pids_new(&pc->scan, ident_items, SCAN_NITEMS);
		if (rc < 0)
			return rc;
	}
	struct pids_fetch *f = procps_pids_reap(pc->scan, PIDS_FETCH_TASKS_ONLY);
	if (!f)
		return errno ? -errno : -ENOMEM;
	pc->scans++;
	size_t n = (size_t)f->counts->total;
	scan_entry *e = calloc(n ? n : 1, sizeof *e);
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct pids_stack *s = f->stacks[i];
		e[i] = (scan_entry){ s->head[I_PID].result.s_int, s->head[I_PPID].result.s_int,
				     (int)i, -1, s->head[I_BEGAN].result.ull_int };
	}
	qsort(e, n, sizeof *e, cmp_pid);
	memo_apply(pc, f, e, n);

	/* Candidates: node processes of the user, not zombies, not yet watched.
	 * Their command lines come from ident selects of up to SELECT_MAX. */
	int self = getpid(), added = 0, rc = 0;
	bool wrapped = false;	/* a wrapper passed over for its node child */
	size_t ncand = 0;
	unsigned *cand = malloc((n ? n : 1) * sizeof *cand);
	if (!cand) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct pids_stack *s = f->stacks[e[i].idx];
		if (e[i].pid == self || s->head[I_STATE].result.s_ch == 'Z')
			continue;
		if (children ? !watched_parent(m, e[i].ppid) : !all_users && s->head[I_EUID].result.u_int != uid)
			continue;
		if (model_has(m, e[i].pid, s->head[I_BEGAN].result.ull_int))
			continue;
		if (scan_is_node(f, &e[i]))
			cand[ncand++] = (unsigned)e[i].pid;
	}
	for (size_t off = 0; off < ncand && rc == 0; off += SELECT_MAX) {
		int nb = (int)(ncand - off < SELECT_MAX ? ncand - off : SELECT_MAX);
		struct pids_info *ident = ident_ctx(pc);
		struct pids_fetch *cf = ident ? procps_pids_select(ident, cand + off, nb, PIDS_SELECT_PID) : NULL;
		if (!cf) {
			rc = errno ? -errno : -ENOMEM;
			break;
		}
		for (int k = 0; k < cf->counts->total; k++) {
			struct pids_stack *s = cf->stacks[k];
			int pid = s->head[I_PID].result.s_int;
			uint64_t began = s->head[I_BEGAN].result.ull_int;
			char **argv = s->head[I_ARGV].result.strv;
			if (s->head[I_STATE].result.s_ch == 'Z' || model_has(m, pid, began))
				continue;
			if (proc_argv_is_wrapper((const char *const *)argv, argv_count(argv)) &&
			    has_node_descendant(f, e, n, pid)) {
				wrapped = true;
				continue;	/* its node child is the one to watch */
			}
			vproc *p = model_add(m, pid, began);
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			vproc_set_identity(p, s);
			vproc_place(p);
			vproc_name_app(p);
			/* Baseline ticks now, so the first sample already has a CPU %. */
			proc_track *t = calloc(1, sizeof *t);
			if (t) {
				t->utime = s->head[I_UTIME].result.ull_int;
				t->stime = s->head[I_STIME].result.ull_int;
				t->mono_ms = clock_mono_ms();
				t->have = true;
				p->collector_data = t;
			}
			added++;
		}
	}
	free(cand);
	memo_save(pc, f, e, n);
	if (children)	/* a wrapper's node descendant may go: scan each time */
		kids_note(pc, m, f, e, n, rc == 0 && !wrapped);
	free(e);
	if (added)
		model_touch(m);
	return rc < 0 && added == 0 ? rc : added;
}

int proc_discover(proc_collector *pc, model *m, uid_t uid, bool all_users)
{
	return discover(pc, m, uid, all_users, false);
}

int proc_discover_children(proc_collector *pc, model *m)
{
	if (children_unchanged(pc, m))
		return 0;
	return discover(pc, m, 0, true, true);
}

unsigned long proc_collector_scans(const proc_collector *pc)
{
	return pc->scans;
}
