/* watchdog — a helper process that outlives vitals, so an inspector vitals
 * opened is closed even when vitals is SIGKILLed mid-attach (SIGTERM, SIGINT
 * and SIGHUP are handled by vitals itself; SIGKILL cannot be).
 *
 * Forked at the first arm and kept for vitals's life: it blocks reading a
 * socketpair.  vitals arms it (pid, port, the attach lock) just before
 * SIGUSR1 and disarms it once the attach ended, on every path.  When vitals
 * is gone (end of file on the socketpair) with something armed, the helper
 * runs the orphan function it was made with (the inspector's close-only
 * attach, in a loop of its own) while still holding the attach lock, so the
 * next attach waits for it instead of taking the open port for an app's
 * `--inspect`; then it exits.  With nothing armed it just exits.
 */
#ifndef VITALS_WATCHDOG_H
#define VITALS_WATCHDOG_H

#define WATCHDOG_MAX 4

typedef struct watchdog watchdog;

typedef struct watchdog_item {
	int pid;	/* the process SIGUSR1 went to */
	int port;	/* the inspector port it opens */
} watchdog_item;

/* Runs in the helper, after vitals died, for the n armed items. */
typedef void (*watchdog_orphan_fn)(const watchdog_item *items, int n);

/* No process yet: the first watchdog_arm forks it. */
watchdog *watchdog_new(watchdog_orphan_fn fn);
/* Before SIGUSR1 to pid: the helper closes port of pid if vitals dies
 * before watchdog_disarm.  lock_fd (or -1): the attach lock, held by the
 * helper too (the same open file) until it is done.  0, or -1 when there
 * is no helper (fork failed): the attach goes on unguarded. */
int watchdog_arm(watchdog *w, int pid, int port, int lock_fd);
/* The attach of pid ended (its inspector closed, or not ours to close). */
void watchdog_disarm(watchdog *w, int pid);
/* vitals is done: the helper exits (it has nothing armed). */
void watchdog_free(watchdog *w);

#endif
