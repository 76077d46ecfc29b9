/* cli — parses argv into cli_opts; see cli.h.  Options are a data table so
 * that --help is generated from the same place the parser reads. */
#include "tui/cli.h"
#include "base/text.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_ATTACH = 256, OPT_JSON, OPT_DURATION, OPT_DEMO, OPT_THEME, OPT_CONFIG, OPT_OUTDIR,
	OPT_BELL, OPT_AUTOSNAP, OPT_ALLUSERS, OPT_HZ, OPT_BRAILLE, OPT_ASCII, OPT_LOGFILE,
	OPT_PROMETHEUS, OPT_NOTUI, OPT_ONALERT, OPT_MAXSIZE, OPT_SPEED, OPT_REMOTE, OPT_NOCHILDREN,
};

typedef struct opt_doc {
	struct option lo;
	const char *arg, *help;
} opt_doc;

static const opt_doc opts[] = {
	{ { "interval", required_argument, 0, 'i' }, "SECONDS", "process sampling interval (default 1)" },
	{ { "delay", required_argument, 0, 'd' }, "TENTHS", "the same in tenths of a second, as htop's -d" },
	{ { "pid", required_argument, 0, 'p' }, "PID,...", "watch these PIDs (as htop's -p; the same as PID arguments)" },
	{ { "user", required_argument, 0, 'u' }, "USER", "watch the Node processes of USER (name or uid), as htop's -u" },
	{ { "attach", no_argument, 0, OPT_ATTACH }, NULL, "attach the probe to the given PIDs at start (no restart)" },
	{ { "no-children", no_argument, 0, OPT_NOCHILDREN }, NULL, "with PIDs: do not add the Node processes they start (cluster workers)" },
	{ { "hz", required_argument, 0, OPT_HZ }, "N", "probe sample rate, 1..20 (default 1)" },
	{ { "json", no_argument, 0, OPT_JSON }, NULL, "no TUI: one JSON line per sample and per alert on stdout" },
	{ { "no-tui", no_argument, 0, OPT_NOTUI }, NULL, "no TUI and no output: for a daemon (with --prometheus)" },
	{ { "prometheus", required_argument, 0, OPT_PROMETHEUS }, "[HOST:]PORT", "serve /metrics for Prometheus (host 127.0.0.1 unless given)" },
	{ { "duration", required_argument, 0, OPT_DURATION }, "SECONDS", "stop after this long (dashboard or --json)" },
	{ { "demo", no_argument, 0, OPT_DEMO }, NULL, "launch the bundled demo apps and watch them" },
	{ { "theme", required_argument, 0, OPT_THEME }, "NAME", "colour theme (default, light, high-contrast, monochrome, solarized)" },
	{ { "config", required_argument, 0, OPT_CONFIG }, "FILE", "config file (default $XDG_CONFIG_HOME/vitals/config)" },
	{ { "output-dir", required_argument, 0, OPT_OUTDIR }, "DIR", "where snapshots, profiles and reports go (default .)" },
	{ { "log-file", required_argument, 0, OPT_LOGFILE }, "FILE", "launch mode: save the program's output here (default ~/.local/state/vitals/NAME-TIME.log)" },
	{ { "on-alert", required_argument, 0, OPT_ONALERT }, "CMD", "run CMD (by /bin/sh -c) on each alert; the alert is in VITALS_* variables" },
	{ { "output", required_argument, 0, 'o' }, "FILE", "record: write to FILE (default ~/.local/state/vitals/record.vrec; - = stdout)" },
	{ { "max-size", required_argument, 0, OPT_MAXSIZE }, "MB", "record: start a new file past this size (default 64, from 0.001; also daily)" },
	{ { "speed", required_argument, 0, OPT_SPEED }, "N", "replay: playback speed, 1..64 (default 1; [ ] change it)" },
	{ { "remote", required_argument, 0, OPT_REMOTE }, "HOST", "watch HOST's processes over ssh (vitals record -o - there; again for more hosts: a HOST column; --json: \"host\")" },
	{ { "bell", no_argument, 0, OPT_BELL }, NULL, "ring the terminal bell when an alert fires" },
	{ { "auto-snapshot", no_argument, 0, OPT_AUTOSNAP }, NULL, "on a leak alert: three heap snapshots and a report of what leaks" },
	{ { "all-users", no_argument, 0, OPT_ALLUSERS }, NULL, "discover other users' Node processes too" },
	{ { "braille", no_argument, 0, OPT_BRAILLE }, NULL, "braille sparklines (double resolution)" },
	{ { "ascii", no_argument, 0, OPT_ASCII }, NULL, "plain ASCII drawing" },
	{ { "help", no_argument, 0, 'h' }, NULL, "show this help" },
	{ { "version", no_argument, 0, 'V' }, NULL, "show the version" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

const char *cli_usage(void)
{
	static char buf[8192];
	if (buf[0])
		return buf;
	size_t n = (size_t)snprintf(buf, sizeof buf,
		"usage: vitals [options] [PID...]\n"
		"       vitals [options] -- COMMAND [ARGS...]   launch COMMAND with the probe and watch it\n"
		"       vitals record [options] [PID...]           record what the dashboard sees to a file\n"
		"       vitals replay [options] FILE...            the dashboard on a recording (rotated files in order)\n"
		"       vitals heap summary FILE | heap diff BEFORE AFTER\n"
		"       vitals profile summary FILE.cpuprofile\n\n"
		"Live health of Node.js processes: heap, RSS, CPU, event-loop lag, GC.\n"
		"With no PID, watches this user's Node processes as they come and go.\n\n"
		"options:\n");
	for (size_t i = 0; i < NOPTS && n < sizeof buf; i++) {
		char left[64];
		const opt_doc *d = &opts[i];
		if (d->lo.val < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->lo.val, d->lo.name,
				 d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", d->lo.name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		n += (size_t)snprintf(buf + n, sizeof buf - n, "  %-28s %s\n", left, d->help);
	}
	if (n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, "\nIn the dashboard, press ? for the keys.\n");
	return buf;
}

static int parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* An argument as quoted in an error line: controls and bad UTF-8 as '?',
 * so it can neither garble the terminal nor start a second line. */
static const char *shown(const char *arg, char *buf, size_t n)
{
	text_clean(buf, n, arg, strlen(arg), TEXT_UTF8);
	return buf;
}

/* One PID argument into o->pids; -1 with err when it is not one. */
static int add_pid(cli_opts *o, const char *arg, size_t len, char *err, size_t errlen)
{
	char buf[32], sb[128];
	snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf - 1 ? len : sizeof buf - 1), arg);
	char *end;
	errno = 0;
	long pid = strtol(buf, &end, 10);
	if (len >= sizeof buf - 1 || errno || end == buf || *end || pid <= 0 || pid > 4194304) {
		char q[128];
		snprintf(q, sizeof q, "%.*s", (int)(len < sizeof q - 1 ? len : sizeof q - 1), arg);
		snprintf(err, errlen, "'%s' is not a PID (expected a positive number)", shown(q, sb, sizeof sb));
		return -1;
	}
	if (o->npids == CLI_MAX_PIDS) {
		snprintf(err, errlen, "too many PIDs (at most %d)", CLI_MAX_PIDS);
		return -1;
	}
	o->pids[o->npids++] = (int)pid;
	return 0;
}

int cli_parse(int argc, char **argv, cli_opts *o, char *err, size_t errlen)
{
	char sb[128];
	memset(o, 0, sizeof *o);
	if (argc >= 2 && strcmp(argv[1], "heap") == 0) {
		o->action = CLI_HEAP;
		o->heap_argc = argc - 1;
		o->heap_argv = argv + 1;
		return 0;
	}
	/* "record" and "replay" take the usual options after them */
	if (argc >= 2 && (strcmp(argv[1], "record") == 0 || strcmp(argv[1], "replay") == 0)) {
		o->record = argv[1][2] == 'c';
		o->replay = o->record ? NULL : "";
		argc--;
		argv++;
	}
	struct option lo[NOPTS + 1];
	for (size_t i = 0; i < NOPTS; i++)
		lo[i] = opts[i].lo;
	memset(&lo[NOPTS], 0, sizeof lo[NOPTS]);

	/* Everything after the first "--" is the command to launch, untouched. */
	int nopt = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			nopt = i;
			if (i + 1 >= argc) {
				snprintf(err, errlen, "nothing to launch after '--'");
				return -1;
			}
			o->cmd = &argv[i + 1];
			break;
		}
	}
	optind = 0;	/* 0: glibc re-initialises, so parsing twice works (tests) */
	opterr = 0;
	int c;
	double v;
	const char *range = "";
	while ((c = getopt_long(nopt, argv, ":i:d:p:u:o:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			range = "0.1 to 3600 seconds";
			if (parse_number(optarg, 0.1, 3600, &v) < 0)
				goto bad_value;
			o->interval_s = v;
			break;
		case 'd':
			range = "1 to 36000 tenths of a second";
			if (parse_number(optarg, 1, 36000, &v) < 0)
				goto bad_value;
			o->interval_s = v / 10;
			break;
		case 'p':
			for (const char *q = optarg;; q++) {
				size_t len = strcspn(q, ",");
				if (add_pid(o, q, len, err, errlen) < 0)
					return -1;
				q += len;
				if (!*q)
					break;
			}
			break;
		case 'u':
			if (!*optarg) {
				snprintf(err, errlen, "-u needs a user name or uid");
				return -1;
			}
			o->user = optarg;
			break;
		case OPT_HZ:
			range = "a whole number from 1 to 20";
			if (parse_number(optarg, 1, 20, &v) < 0 || v != floor(v))
				goto bad_value;
			o->hz = (int)v;
			break;
		case OPT_DURATION:
			range = "seconds, at least 0.1";
			if (parse_number(optarg, 0.1, 1e7, &v) < 0)
				goto bad_value;
			o->duration_s = v;
			break;
		case 'o': o->output = optarg; break;
		case OPT_REMOTE:
			if (!*optarg || *optarg == '-') {
				snprintf(err, errlen, "--remote needs a host name (not '%s')", shown(optarg, sb, sizeof sb));
				return -1;
			}
			if (o->nremotes == CLI_MAX_REMOTES) {
				snprintf(err, errlen, "too many --remote hosts (at most %d)", CLI_MAX_REMOTES);
				return -1;
			}
			o->remotes[o->nremotes++] = optarg;
			break;
		case OPT_MAXSIZE:
			range = "megabytes, 0.001 to 1000000";
			if (parse_number(optarg, 0.001, 1e6, &v) < 0)
				goto bad_value;
			o->max_size_mb = v;
			break;
		case OPT_SPEED:
			range = "1 to 64";
			if (parse_number(optarg, 1, 64, &v) < 0)
				goto bad_value;
			o->speed = v;
			break;
		case OPT_ATTACH: o->attach = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_NOTUI: o->no_tui = true; break;
		case OPT_NOCHILDREN: o->no_children = true; break;
		case OPT_PROMETHEUS: o->prometheus = optarg; break;
		case OPT_ONALERT: o->on_alert = optarg; break;
		case OPT_DEMO: o->demo = true; break;
		case OPT_THEME: o->theme = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_OUTDIR: o->output_dir = optarg; break;
		case OPT_LOGFILE: o->log_file = optarg; break;
		case OPT_BELL: o->bell = true; break;
		case OPT_AUTOSNAP: o->auto_snapshot = true; break;
		case OPT_ALLUSERS: o->all_users = true; break;
		case OPT_BRAILLE: o->braille = true; break;
		case OPT_ASCII: o->ascii = true; break;
		case 'h': o->action = CLI_HELP; return 0;
		case 'V': o->action = CLI_VERSION; return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", shown(argv[optind - 1], sb, sizeof sb));
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s' (see vitals --help)",
				 shown(argv[optind - 1], sb, sizeof sb));
			return -1;
		}
	}
	if (o->replay) {
		if (optind >= nopt || o->cmd) {
			snprintf(err, errlen, "replay takes recordings: vitals replay FILE...");
			return -1;
		}
		o->replay = argv[optind];
		o->replay_files = argv + optind;
		o->nreplay = nopt - optind;
		if (o->npids || o->attach || o->json || o->no_tui || o->demo || o->user || o->prometheus) {
			snprintf(err, errlen, "replay shows a recording: no PIDs, --attach, --json, --no-tui, --demo, -u or --prometheus");
			return -1;
		}
	}
	if (o->nremotes && (o->record || o->replay || (o->no_tui && !o->json) || o->prometheus)) {
		snprintf(err, errlen, "--remote is for the dashboard and --json: not with record, replay, --no-tui or --prometheus");
		return -1;
	}
	if ((o->output || o->max_size_mb) && !o->record) {
		snprintf(err, errlen, "-o and --max-size are options of vitals record");
		return -1;
	}
	if (o->speed && !o->replay) {
		snprintf(err, errlen, "--speed is an option of vitals replay");
		return -1;
	}
	if (o->record && (o->json || o->no_tui)) {
		snprintf(err, errlen, "record has no TUI already: no --json or --no-tui");
		return -1;
	}
	for (int i = optind; i < nopt && !o->replay; i++)
		if (add_pid(o, argv[i], strlen(argv[i]), err, errlen) < 0)
			return -1;
	if (o->nremotes && (o->npids || o->cmd || o->demo || o->attach || o->user)) {
		snprintf(err, errlen, "--remote shows the remote hosts' processes only (add --remote localhost for this one's)");
		return -1;
	}
	if (o->cmd && o->npids) {
		snprintf(err, errlen, "give PIDs or a command to launch, not both");
		return -1;
	}
	if (o->user && (o->cmd || o->npids || o->demo)) {
		snprintf(err, errlen, "-u chooses whose processes to discover: no PIDs, command or --demo with it");
		return -1;
	}
	if (o->json && o->no_tui) {
		snprintf(err, errlen, "--json and --no-tui: give one (--json has no TUI already)");
		return -1;
	}
	if (o->demo && (o->cmd || o->npids)) {
		snprintf(err, errlen, "--demo launches its own programs: no PIDs or command with it");
		return -1;
	}
	return 0;
bad_value:
	/* named from the table: argv[optind - 1] is the value itself in "-i 0" */
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].lo.val == c)
			snprintf(err, errlen, "bad value '%s' for --%s (%s)", shown(optarg, sb, sizeof sb),
				 opts[i].lo.name, range);
	return -1;
}
