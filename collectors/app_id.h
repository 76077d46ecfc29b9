/* app_id — what names a Node.js application across restarts, for the
 * Prometheus `app` label (export/prom_exposition): a restarted process gets
 * a new pid but the same app, so its series go on instead of multiplying.
 *
 * In order: its process manager's app (pm2's "web#0" is app "web": its
 * instances are told apart by the exporter's worker index); for a cluster
 * worker (`NODE_UNIQUE_ID` in its environment) its primary's app; the
 * `name` of the package.json nearest the script (walking up from the
 * script's directory at most APP_ID_DEPTH levels, past any node_modules so
 * a tool's own package does not name the app); for a process without a
 * script, its container's name; else "" (the caller uses the table's
 * label).  Read once, at first sight (after collectors/proc has named its
 * manager's app in vproc.app), through /proc/PID/root and /proc/PID/cwd, so
 * the files are the ones the process sees (containers included); what
 * cannot be read is passed over.
 *
 * The parsers of what the process controls (its command line and
 * package.json) are pure and fuzzed (fuzz/fuzz_app_id). */
#ifndef VITALS_APP_ID_H
#define VITALS_APP_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "base/model.h"

#define APP_ID_DEPTH 8

/* p's app into out ("" = none of the above); parent: the process's parent
 * vproc when watched (a cluster worker takes its app), else NULL. */
void app_id_resolve(const vproc *p, const vproc *parent, char *out, size_t n);

/* A process manager's name without its instance ("web#0" -> "web"). */
void app_id_manager_app(const char *managed, char *out, size_t n);
/* The script in a node command line (NUL-separated argv): 1 with it in out,
 * 0 when there is none (-e, -p, a REPL). */
int app_id_script(const char *argv, size_t len, char *out, size_t n);
/* package.json text's "name" (cleaned, ≤ n - 1 bytes): 1, or 0 when none. */
int app_id_package_name(const char *json, size_t len, char *out, size_t n);

#endif
