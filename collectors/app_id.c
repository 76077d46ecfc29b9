/* app_id — see app_id.h.  Paths: the script is made absolute against
 * readlink(/proc/PID/cwd) (the process's own view), normalised lexically,
 * and every package.json is opened as /proc/PID/root + that path, so a
 * process in another mount namespace is read as it sees its files.  Files
 * are read bounded (PKG_MAX); a package.json that does not parse or has no
 * string name is passed over as if absent. */
#include "collectors/app_id.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/procfs.h"
#include "base/text.h"

#define PKG_MAX (1u << 20)

void app_id_manager_app(const char *managed, char *out, size_t n)
{
	size_t l = strlen(managed);
	const char *hash = strrchr(managed, '#');
	if (hash && hash > managed && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1))
		l = (size_t)(hash - managed);
	snprintf(out, n, "%.*s", (int)l, managed);
}

int app_id_script(const char *argv, size_t len, char *out, size_t n)
{
	bool first = true, skip_next = false;
	for (size_t off = 0; off < len;) {
		const char *a = argv + off;
		const char *end = memchr(a, 0, len - off);
		size_t l = end ? (size_t)(end - a) : len - off;
		off += l + 1;
		if (first || skip_next) {
			first = skip_next = false;
			continue;
		}
		if (l == 0)
			return 0;
		char word[64];
		snprintf(word, sizeof word, "%.*s", (int)(l < sizeof word ? l : sizeof word - 1), a);
		if (strcmp(word, "-e") == 0 || strcmp(word, "--eval") == 0 || strcmp(word, "-p") == 0 ||
		    strcmp(word, "--print") == 0 || strcmp(word, "-") == 0 || strcmp(word, "--") == 0)
			return 0;
		if (word[0] == '-') {
			skip_next = !strchr(word, '=') && model_node_opt_takes_value(word);
			continue;
		}
		if (l + 1 > n)
			return 0;
		memcpy(out, a, l);
		out[l] = 0;
		return 1;
	}
	return 0;
}

int app_id_package_name(const char *json, size_t len, char *out, size_t n)
{
	json_t *o = json_loadb(json, len, JSON_DECODE_ANY, NULL);
	const char *name = json_is_object(o) ? json_string_value(json_object_get(o, "name")) : NULL;
	int ok = 0;
	if (name && name[0]) {
		text_clean(out, n, name, strlen(name), TEXT_UTF8);
		ok = 1;
	}
	json_decref(o);
	return ok;
}

/* Make path (absolute) lexically normal in place: no "//", ".", "..". */
static void normalise(char *path)
{
	char *out = path;
	const char *s = path;
	while (*s) {
		while (*s == '/')
			s++;
		const char *c = s;
		while (*s && *s != '/')
			s++;
		size_t l = (size_t)(s - c);
		if (l == 0 || (l == 1 && c[0] == '.'))
			continue;
		if (l == 2 && c[0] == '.' && c[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, c, l);
		out += l;
	}
	if (out == path)
		*out++ = '/';
	*out = 0;
}

/* The name of the package.json nearest dir (absolute, as pid sees it). */
static int package_near(int pid, char *dir, char *out, size_t n)
{
	for (int depth = 0; depth < APP_ID_DEPTH && dir[0] == '/'; depth++) {
		/* inside node_modules: a dependency's package, not the app's */
		char *nm = strstr(dir, "/node_modules");
		if (nm && (nm[13] == '/' || nm[13] == 0)) {
			*nm = 0;
			if (!dir[0])
				return 0;
			continue;
		}
		char path[PATH_MAX + 64];
		if (snprintf(path, sizeof path, "/proc/%d/root%s/package.json", pid, strcmp(dir, "/") ? dir : "") <
		    (int)sizeof path) {
			size_t len;
			char *text = procfs_read_file(path, PKG_MAX, &len);
			int ok = text && app_id_package_name(text, len, out, n);
			free(text);
			if (ok)
				return 1;
		}
		if (strcmp(dir, "/") == 0)
			return 0;
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	return 0;
}

void app_id_resolve(const vproc *p, const vproc *parent, char *out, size_t n)
{
	out[0] = 0;
	if (p->app[0]) {	/* pm2's (collectors/proc) */
		app_id_manager_app(p->app, out, n);
		return;
	}
	char *worker = procfs_environ_get(p->pid, "NODE_UNIQUE_ID");
	bool is_worker = worker != NULL;
	free(worker);
	if (is_worker && parent) {	/* the primary's app, or its label as the exporter gives it */
		if (parent->app[0])
			snprintf(out, n, "%s", parent->app);
		else
			model_proc_label(parent, out, n);
		return;
	}
	size_t len;
	char *argv = procfs_cmdline(p->pid, &len);
	char script[PATH_MAX];
	int has = argv && app_id_script(argv, len, script, sizeof script);
	free(argv);
	if (!has) {
		if (p->container[0])
			snprintf(out, n, "%s", p->container);
		return;
	}
	char dir[2 * PATH_MAX + 2];
	if (script[0] == '/') {
		snprintf(dir, sizeof dir, "%s", script);
	} else {
		char cwd[PATH_MAX], link[64];
		snprintf(link, sizeof link, "/proc/%d/cwd", p->pid);
		ssize_t k = readlink(link, cwd, sizeof cwd - 1);
		if (k <= 0 || cwd[0] != '/')
			return;
		cwd[k] = 0;
		snprintf(dir, sizeof dir, "%s/%s", cwd, script);
	}
	normalise(dir);
	char *slash = strrchr(dir, '/');	/* the script's directory */
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	package_near(p->pid, dir, out, n);
}
