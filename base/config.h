/* config — settings from $XDG_CONFIG_HOME/vitals/config (INI, parsed by inih)
 * and defaults; the command line overrides them.  A bad line is a warning
 * naming file and line, never fatal.  Owner may extend.
 * Sections and keys: see base/config.c. */
#ifndef VITALS_CONFIG_H
#define VITALS_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "base/alerts.h"
#include "base/ring.h"

typedef struct vitals_config {
	char theme[64];		/* theme name, "default" */
	double interval_s;	/* process sampling interval */
	int probe_hz;		/* probe sample rate */
	int window;		/* initial time window index 0..4 */
	int sort;		/* initial sort: an index of config_sort_names */
	bool sort_invert;
	bool tree;		/* start in the tree view */
	bool mouse;
	bool braille;
	bool bell;
	char output_dir[512];	/* captures; "" = current directory */
	char alert_log[512];	/* "" = none */
	char on_alert[1024];	/* command on alert transitions, "" = none */
	double on_alert_timeout_s;	/* its time limit [30] */
	double hunt_spacing_s;	/* --auto-snapshot: between the hunt's snapshots [30] */
	ring_config ring;
	int64_t exited_keep_ms;	/* an exited process leaves after this [1 h] ... */
	int exited_max;		/* ... or when this many newer exited ones are kept [100] */
	alert_config alerts;
} vitals_config;

/* a bigger file is refused ("larger than 64 KiB") rather than parsed */
#define CONFIG_MAX_BYTES (64 * 1024)

void config_default(vitals_config *c);
/* Load path (NULL: the default location; a missing default file is fine).
 * Warnings ("config:12: unknown key 'foo'") are written to warn (may be
 * NULL). Returns the number of warnings, or -1 if an explicit file could not
 * be read. */
int config_load(vitals_config *c, const char *path, FILE *warn);
/* Parse an open stream over c (name is used in warnings: "name:LINE: ...").
 * Returns the number of warnings.  For tests and the fuzz harness. */
int config_load_stream(vitals_config *c, FILE *f, const char *name, FILE *warn);

/* [ui] sort values, in the order of the dashboard's sort columns. */
#define CONFIG_NSORT 6
extern const char *const config_sort_names[CONFIG_NSORT];	/* "pid", "name", "cpu", ... */

/* Set keys[i] = vals[i] in [section] of the file at path (NULL: the default
 * location), keeping every other line as it is (config_write.c).  Written
 * to a temporary file (0600) in the same directory, renamed over the old
 * one; the directory is made (0700) if missing.  0, or -1 with a one-line
 * message in err. */
int config_update(const char *path, const char *section, const char *const *keys,
		  const char *const *vals, size_t n, char *err, size_t errlen);
/* The text transformation alone: in (NULL: empty) with the keys set;
 * returns a new string (free). */
char *config_update_text(const char *in, const char *section, const char *const *keys,
			 const char *const *vals, size_t n);

#endif
