/* alert_action — run the user's command on an alert transition
 * (`--on-alert CMD`, config [actions] on_alert).
 *
 * CMD is run as `/bin/sh -c CMD`, the alert only in the environment:
 * VITALS_RULE, VITALS_SEVERITY (info/warn/crit), VITALS_STATE (firing,
 * resolved), VITALS_PID, VITALS_NAME, VITALS_MESSAGE, VITALS_TIME (seconds
 * since the epoch).  Nothing of the alert is ever spliced into the command
 * text, so a message holding `$(...)` or quotes stays data.
 *
 * Bounded: one action at a time per rule (a transition that comes while one
 * runs waits, and only the newest waiting one is kept, so the last state is
 * always told); a timeout (SIGTERM to the action's process group, SIGKILL
 * 2 s later); its output (stdout and stderr) is read as it comes and only
 * the first lines are kept, the rest counted and dropped.  Every action ends
 * with one line (exit status, signal or timeout) to the log callback.
 * Everything runs on the libuv loop; vitals never waits for an action.
 */
#ifndef VITALS_ALERT_ACTION_H
#define VITALS_ALERT_ACTION_H

#include <uv.h>

#include "base/model.h"

typedef struct alert_actions alert_actions;

/* A line about an action for alert a: one of its first output lines, or how
 * it ended.  line is cleaned text. */
typedef void (*alert_action_log_cb)(void *ud, const model_alert *a, const char *line);

/* cmd is copied.  timeout_s > 0. */
alert_actions *alert_actions_new(uv_loop_t *loop, const char *cmd, double timeout_s, alert_action_log_cb log,
				 void *ud);
/* Run the command for a transition of a (name: the process's label). */
void alert_actions_run(alert_actions *x, const model_alert *a, const char *name);
/* Actions running now. */
int alert_actions_running(const alert_actions *x);
/* Stop: SIGTERM to running actions' groups, drop waiting ones; freed once
 * libuv has closed every handle (run the loop afterwards). */
void alert_actions_close(alert_actions *x);

#endif
