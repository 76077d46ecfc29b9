/* xalloc — the one allocator of vitals.  Running out of memory is not a state
 * any caller can do better with than stop, so these never return NULL: they
 * run the fatal hook (the dashboard restores the terminal there), print one
 * line naming the size asked for and abort.  New code uses these instead of
 * malloc + an untested error path. */
#ifndef VITALS_XALLOC_H
#define VITALS_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called once, before the message, when an allocation fails (e.g. endwin). */
void xalloc_set_fatal_hook(void (*hook)(void));
#endif
