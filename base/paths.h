/* paths — where vitals finds its own files and where probes put sockets.
 * Uninstalled runs (binary in the build tree) use the source tree; installed
 * runs use the data dir. VITALS_PROBE / VITALS_DATA override both. */
#ifndef VITALS_PATHS_H
#define VITALS_PATHS_H
#include <stdbool.h>
#include <stddef.h>

/* Path of probe/vitals-probe.js; NULL-free: always returns buf. */
const char *paths_probe(char *buf, size_t n);
/* Directory of a shipped data folder ("demo", "themes"). */
const char *paths_data(const char *sub, char *buf, size_t n);
/* Per-user socket directory: $VITALS_SOCK_DIR, else $XDG_RUNTIME_DIR/vitals,
 * else /tmp/vitals-<uid> (the probe's rule too).  Not checked: see
 * paths_sock_dir_ensure; readers refuse a directory that is not 0700 and ours. */
const char *paths_sock_dir(char *buf, size_t n);
/* Create the socket directory 0700 if missing; refuse (return -1 with a
 * message in err) one that is not ours or is group/world accessible. */
int paths_sock_dir_ensure(const char *dir, char *err, size_t errlen);
/* A per-user directory under the XDG base named by kind (PATHS_CONFIG:
 * $XDG_CONFIG_HOME or ~/.config; PATHS_STATE: $XDG_STATE_HOME or
 * ~/.local/state) joined with leaf, e.g. "vitals/themes"; NULL when neither
 * the variable nor $HOME is set.  Nothing is created. */
enum paths_kind { PATHS_CONFIG, PATHS_STATE };
const char *paths_user(enum paths_kind kind, const char *leaf, char *buf, size_t n);
/* Whether nobody listens on the Unix socket at path (connect refused): a
 * probe socket left by a dead process.  False if it cannot tell. */
bool paths_sock_refuses(const char *path);
/* <dir>/<pid>.sock */
const char *paths_sock_for(int pid, char *buf, size_t n);
#endif
