/* config — settings from $XDG_CONFIG_HOME/vitals/config (INI, parsed by inih)
 * and defaults; the command line overrides them.  A bad line is a warning
 * naming file and line, never fatal.  Owner may extend.
 * Sections and keys: see core/config.c. */
#ifndef VITALS_CONFIG_H
#define VITALS_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "core/alerts.h"
#include "core/ring.h"

typedef struct vitals_config {
	char theme[64];		/* theme name, "default" */
	double interval_s;	/* process sampling interval */
	int probe_hz;		/* probe sample rate */
	int window;		/* initial time window index 0..4 */
	bool mouse;
	bool braille;
	bool bell;
	char output_dir[512];	/* captures; "" = current directory */
	char alert_log[512];	/* "" = none */
	char on_alert[1024];	/* command on alert transitions, "" = none */
	double on_alert_timeout_s;	/* its time limit [30] */
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

#endif
