/* filewrite — a whole file written so that a crash leaves the old file or
 * the new one, never half of one: the text goes to a temporary file in the
 * same directory (created 0600 by mkstemp), is flushed to disk and renamed
 * over path.  Thread-safe (the heap hunt writes from the thread pool). */
#ifndef VITALS_FILEWRITE_H
#define VITALS_FILEWRITE_H

#include <stddef.h>

/* 0, or -1 with "FILE: reason" in err (nothing left behind). */
int filewrite_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
