/* profile_cli — `vitals profile summary [--json] [--top N] [--sort KEY] FILE`,
 * and its report for any stream (the TUI's view can render a capture with
 * profile_load + profile_report into a memory stream, on uv_queue_work: no
 * globals, no terminal). */
#ifndef VITALS_PROFILE_CLI_H
#define VITALS_PROFILE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "profile/profile.h"

/* argv[0] == "profile".  Returns the exit status: 0 ok, 1 bad input (one
 * line on stderr: "vitals: profile: FILE: ..."), 2 usage error. */
int profile_cli_main(int argc, char **argv);

/* Write the rows of p (in their current order, at most top) to f as a table
 * (narrow: cut to 80 columns) or as JSON; path names the file in the header.
 * 0, -1 on a write error, -2 when --json cannot encode path (not UTF-8). */
int profile_report(FILE *f, const char *path, const profile *p, bool json, size_t top, bool narrow);

#endif
