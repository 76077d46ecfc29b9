/* paths — locating the probe, shipped data and the per-user socket dir.
 * The socket dir rule is the same as the probe's (probe/vitals-probe.js):
 * $VITALS_SOCK_DIR, else $XDG_RUNTIME_DIR/vitals, else /tmp/vitals-<uid>. */
#include "base/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int file_exists(const char *p)
{
	return access(p, R_OK) == 0;
}

/* True when the running binary sits in a configured build tree. */
static int running_uninstalled(void)
{
	char exe[PATH_MAX], cs[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = 0;
	/* tests/ binaries sit one level below the build dir */
	snprintf(cs, sizeof cs, "%s/config.status", exe);
	if (file_exists(cs))
		return 1;
	snprintf(cs, sizeof cs, "%s/../config.status", exe);
	return file_exists(cs);
}

const char *paths_data(const char *sub, char *buf, size_t n)
{
	const char *env = getenv("VITALS_DATA");
	if (env && *env)
		snprintf(buf, n, "%s/%s", env, sub);
	else if (running_uninstalled())
		snprintf(buf, n, "%s/%s", VITALS_SRCDIR, sub);
	else
		snprintf(buf, n, "%s/%s", VITALS_DATADIR, sub);
	return buf;
}

const char *paths_probe(char *buf, size_t n)
{
	const char *env = getenv("VITALS_PROBE");
	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return buf;
	}
	return paths_data("probe/vitals-probe.js", buf, n);
}

const char *paths_sock_dir(char *buf, size_t n)
{
	const char *env = getenv("VITALS_SOCK_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		snprintf(buf, n, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, n, "%s/vitals", xdg);
	else
		snprintf(buf, n, "/tmp/vitals-%u", (unsigned)getuid());
	return buf;
}

int paths_sock_dir_ensure(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "cannot read socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		snprintf(err, errlen, "refusing socket directory %s: not a 0700 directory owned by uid %u",
			 dir, (unsigned)getuid());
		return -1;
	}
	return 0;
}

/* A synchronous connect to a Unix socket answers at once. */
bool paths_sock_refuses(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	return rc < 0 && e == ECONNREFUSED;
}

const char *paths_sock_for(int pid, char *buf, size_t n)
{
	char dir[PATH_MAX];
	snprintf(buf, n, "%s/%d.sock", paths_sock_dir(dir, sizeof dir), pid);
	return buf;
}

const char *paths_user(enum paths_kind kind, const char *leaf, char *buf, size_t n)
{
	const char *env = kind == PATHS_CONFIG ? "XDG_CONFIG_HOME" : "XDG_STATE_HOME";
	const char *rel = kind == PATHS_CONFIG ? ".config" : ".local/state";
	const char *xdg = getenv(env), *home = getenv("HOME");
	int r;
	if (xdg && *xdg)
		r = snprintf(buf, n, "%s/%s", xdg, leaf);
	else if (home && *home)
		r = snprintf(buf, n, "%s/%s/%s", home, rel, leaf);
	else
		return NULL;
	return r >= 0 && (size_t)r < n ? buf : NULL;
}
