/* fuzz_cli — the command line parser (tui/cli.c) on any argv: the input is
 * split at NUL bytes into up to 64 arguments after "vitals".  It must never
 * crash, and leave either options in their documented ranges or one error
 * line that is safe to print (no control characters: an argument can hold
 * an escape sequence or a newline). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli.h"

#define MAX_ARGS 64

static int in_argv(char **p, char **argv, int argc)
{
	return p >= argv && p < argv + argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	char *argv[MAX_ARGS + 2] = { "vitals" };
	int argc = 1;
	for (size_t i = 0; i < size && argc <= MAX_ARGS; i++) {
		argv[argc++] = copy + i;
		i += strlen(copy + i);
	}
	argv[argc] = NULL;
	char *saved[MAX_ARGS + 2];
	memcpy(saved, argv, sizeof saved);	/* getopt permutes argv */

	cli_opts o;
	char err[256];
	err[0] = 0;
	int r = cli_parse(argc, argv, &o, err, sizeof err);
	if (r != 0 && r != -1)
		abort();
	if (r < 0) {
		if (!err[0])
			abort();
		for (const char *s = err; *s; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				abort();	/* would garble the terminal or split the line */
	} else if (o.action == CLI_HEAP) {
		if (o.heap_argc != argc - 1 || o.heap_argv != argv + 1)
			abort();
	} else if (o.action == CLI_RUN) {
		if (o.npids < 0 || o.npids > CLI_MAX_PIDS)
			abort();
		for (int i = 0; i < o.npids; i++)
			if (o.pids[i] <= 0)
				abort();
		if (o.interval_s != 0 && !(o.interval_s >= 0.1 && o.interval_s <= 3600))
			abort();
		if (o.hz < 0 || o.hz > 20 || o.duration_s < 0 || !isfinite(o.duration_s))
			abort();
		if (o.cmd && (!in_argv(o.cmd, argv, argc) || !o.cmd[0] || o.npids))
			abort();
	}
	/* every argument is still there, only reordered */
	for (int i = 0; i < argc; i++) {
		int found = 0;
		for (int j = 0; j < argc && !found; j++)
			found = argv[j] == saved[i];
		if (!found)
			abort();
	}
	free(copy);
	return 0;
}
