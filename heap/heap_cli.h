/* heap_cli — `vitals heap summary|diff ...`, and the same reports as text for
 * the TUI.  The text functions keep no globals and touch no terminal, so the
 * app can run them on uv_queue_work.
 */
#ifndef VITALS_HEAP_CLI_H
#define VITALS_HEAP_CLI_H

#include <stddef.h>

/* argv[0] == "heap".  Returns the process exit status: 0 ok, 1 bad input
 * (message on stderr: "vitals: heap: FILE: ..."), 2 usage error. */
int heap_cli_main(int argc, char **argv);

/* The summary report (top 20 constructors and objects, with retained sizes)
 * of one snapshot file; *out_text is malloc'd and owned by the caller.
 * Returns 0, or -1 with "FILE: message" in err. */
int heap_summary_text(const char *path, char **out_text, char *err, size_t errlen);

/* The diff report (top 30 constructors by growth) from before to after, its
 * table in 80 columns (counts and size delta; the CLI adds alloc/freed). */
int heap_diff_text(const char *before, const char *after, char **out_text, char *err, size_t errlen);

/* The report of an automatic leak hunt (tui/autohunt.c): three snapshots
 * of one process, oldest first; the leak clusters (`heap leaks`) then what
 * grew from the first to the last with retainer paths (`heap diff`).
 * *headline gets what grew most in one line, with the last hops of the
 * commonest path of its new objects ("Session +300 (+72000 B): server
 * (Server) › sessions (Array) › [n]"), or NULL; both malloc'd. */
int heap_hunt_text(const char *const files[3], char **out_text, char **headline, char *err, size_t errlen);

#endif
