/* cli — the command line, parsed into plain options (no side effects), so
 * every error case is unit-tested.  Errors are one line ("vitals: unknown
 * option '--frob'") and the caller exits with status 2. */
#ifndef VITALS_CLI_H
#define VITALS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_MAX_PIDS 256
#define CLI_MAX_REMOTES 16

typedef enum cli_action { CLI_RUN = 0, CLI_HELP, CLI_VERSION, CLI_HEAP } cli_action;

typedef struct cli_opts {
	cli_action action;
	int pids[CLI_MAX_PIDS];
	int npids;
	double interval_s;	/* 0 = from config */
	int hz;			/* 0 = from config */
	bool attach;		/* --attach */
	bool json;		/* --json: headless */
	bool no_tui;		/* --no-tui: headless, no output */
	bool no_children;	/* --no-children: PIDs given are watched alone */
	const char *prometheus;	/* --prometheus [HOST:]PORT, NULL = off */
	const char *on_alert;	/* --on-alert CMD, NULL = from config */
	double duration_s;	/* --duration, 0 = until interrupted */
	bool demo;
	bool bell;
	bool auto_snapshot;
	bool all_users;
	const char *user;	/* -u: discover this user's processes (name or uid), NULL = ours */
	bool braille;
	bool ascii;
	const char *theme;	/* NULL = from config */
	const char *config;	/* NULL = default location */
	const char *output_dir;	/* NULL = from config */
	const char *log_file;	/* launch mode log file */
	char **cmd;		/* launch mode argv (points into argv), NULL if none */
	int heap_argc;		/* CLI_HEAP: argv from "heap" on */
	char **heap_argv;
	/* vitals record / vitals replay */
	bool record;		/* record: headless, lines into a recording */
	const char *output;	/* record -o FILE ("-" = stdout), NULL = default path */
	double max_size_mb;	/* record --max-size: rotate past this, 0 = default */
	const char *replay;	/* replay FILE (the first), NULL = not replaying */
	char **replay_files;	/* replay FILE...: all of them (points into argv) */
	int nreplay;
	double speed;		/* replay --speed, 0 = 1 */
	const char *remotes[CLI_MAX_REMOTES];	/* --remote HOST, each a host to watch over ssh */
	int nremotes;
} cli_opts;

/* Returns 0, or -1 with a one-line message in err. */
int cli_parse(int argc, char **argv, cli_opts *o, char *err, size_t errlen);
/* The --help text. */
const char *cli_usage(void);

#endif
