/* attach_main — test driver for collectors/inspector and collectors/launch,
 * used by tests/attach.sh and tests/launch.sh.  Runs a libuv loop like the
 * dashboard does and prints what happened, one line per event:
 *
 *   attach_main attach PID...          queue an attach of each PID (they run
 *                                      one after the other); print "PID: ok"
 *                                      or "PID: <error>"; exit 0 if all ok.
 *   attach_main cancel MS PID...       as attach, but inspector_close() after MS
 *                                      ms: prints "cancelled N" if attaches were
 *                                      still pending (their callbacks must not run).
 *   attach_main demo DIR               launch DIR/{healthy,leaky,stall}.js
 *                                      (launch_demo), then as launch.
 *   attach_main launch [--log FILE] -- CMD ARG...
 *                                      print "launched PID", every captured
 *                                      line as "log: …", forward SIGTERM and
 *                                      SIGINT to the child, then "status: …"
 *                                      and "wait: <wait status>"; exit 0, or
 *                                      1 with "error: …" if it cannot start.
 *
 * The probe is paths_probe() (VITALS_PROBE overrides); the socket dir is
 * paths_sock_dir() (VITALS_SOCK_DIR).  At the end every handle is closed and
 * uv_loop_close() must succeed, so leaked handles fail the test.
 */
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "collectors/inspector.h"
#include "collectors/launch.h"
#include "base/model.h"
#include "base/paths.h"

static int failures, outstanding;
static inspector *insp;

static void attach_done(void *ud, int pid, int err, const char *msg)
{
	if (err)
		failures++;
	printf("%d: %s\n", pid, err ? msg : "ok");
	fflush(stdout);
	if (--outstanding == 0)
		inspector_close(insp);
}

static uv_timer_t cancel_timer;

static void on_cancel(uv_timer_t *t)
{
	if (outstanding > 0) {
		printf("cancelled %d\n", outstanding);
		fflush(stdout);
		outstanding = 0;
		inspector_close(insp);
	}
	uv_close((uv_handle_t *)t, NULL);
}

static int run_attach(uv_loop_t *loop, int argc, char **argv, long cancel_ms)
{
	if (cancel_ms >= 0) {
		uv_timer_init(loop, &cancel_timer);
		uv_timer_start(&cancel_timer, on_cancel, (uint64_t)cancel_ms, 0);
	}
	char probe[PATH_MAX];
	insp = inspector_new(loop, paths_probe(probe, sizeof probe));
	if (!insp)
		return 2;
	for (int i = 0; i < argc; i++) {
		char err[256];
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX) {
			printf("%s: not a PID\n", argv[i]);
			failures++;
			continue;
		}
		if (inspector_attach(insp, (int)pid, attach_done, NULL, err, sizeof err) < 0) {
			printf("%ld: %s\n", pid, err);
			failures++;
			continue;
		}
		outstanding++;
	}
	if (outstanding == 0)
		inspector_close(insp);
	uv_run(loop, UV_RUN_DEFAULT);
	return failures ? 1 : 0;
}

/* ---- launch ---- */

static model M;
static launch *L[3];
static int NL;
static int pids[3];
static uv_signal_t sig_term, sig_int;
static uv_timer_t tick;
static uint32_t printed;
static uint64_t exited_at;

static void print_new_lines(void)
{
	for (; printed < M.log_len; printed++)
		printf("log: %s\n", model_log_get(&M, printed));
	fflush(stdout);
}

static void on_signal(uv_signal_t *s, int signum)
{
	for (int i = 0; i < NL; i++)
		launch_signal(L[i], signum);
}

static void on_tick(uv_timer_t *t)
{
	print_new_lines();
	bool drained = true;
	for (int i = 0; i < NL; i++) {
		if (launch_running(L[i]))
			return;
		drained &= launch_drained(L[i]);
	}
	if (!exited_at)
		exited_at = uv_now(t->loop);
	/* all output read, or a grandchild holds the pipes: stop waiting */
	if (!drained && uv_now(t->loop) - exited_at < 2000)
		return;
	print_new_lines();
	printf("status: %s\n", M.status);
	for (int i = 0; i < NL; i++) {
		if (NL == 1)
			printf("wait: %d\n", launch_wait_status(L[i]));
		else
			printf("wait %d: %d\n", pids[i], launch_wait_status(L[i]));
		launch_close(L[i]);
	}
	fflush(stdout);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&tick, NULL);
}

/* launch [--log FILE] -- CMD ARG...   or   demo DIR */
static int run_launch(uv_loop_t *loop, int argc, char **argv, bool demo)
{
	const char *log_path = NULL;
	int i = 0;
	for (; !demo && i < argc; i++) {
		if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log_path = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: attach_main launch [--log FILE] -- CMD ARG... | demo DIR\n");
		return 2;
	}
	model_init(&M, NULL);
	char probe[PATH_MAX], err[256];
	paths_probe(probe, sizeof probe);
	if (demo) {
		NL = launch_demo(loop, &M, probe, argv[0], NULL, L, 3, err, sizeof err);
	} else {
		L[0] = launch_start(loop, &M, argv + i, probe, log_path, err, sizeof err);
		NL = L[0] ? 1 : -1;
	}
	if (NL <= 0) {
		printf("error: %s\n", err);
		uv_run(loop, UV_RUN_DEFAULT);	/* let the failed spawn's handles close */
		model_free(&M);
		return 1;
	}
	for (int k = 0; k < NL; k++) {
		pids[k] = launch_pid(L[k]);	/* L[k] is freed by the loop after launch_close */
		vproc *p = model_find(&M, pids[k]);
		printf("launched %d%s\n", pids[k], p && p->launched && p->start_time ? "" : " (not in model)");
	}
	fflush(stdout);
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);
	uv_run(loop, UV_RUN_DEFAULT);
	for (int k = 0; k < NL; k++) {
		vproc *p = model_find(&M, pids[k]);
		if (p)
			printf("model: exit_status=%d state=%s\n", p->exit_status,
			       p->state == PROC_EXITED ? "exited" : "live");
	}
	model_free(&M);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 3 || (strcmp(argv[1], "attach") != 0 && strcmp(argv[1], "launch") != 0 &&
			 strcmp(argv[1], "demo") != 0 && strcmp(argv[1], "cancel") != 0) ||
	    (strcmp(argv[1], "cancel") == 0 && argc < 4)) {
		fprintf(stderr, "usage: attach_main attach PID... | cancel MS PID... | "
			"launch [--log FILE] -- CMD ARG... | demo DIR\n");
		return 2;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	int rc = strcmp(argv[1], "attach") == 0 ? run_attach(&loop, argc - 2, argv + 2, -1)
		: strcmp(argv[1], "cancel") == 0 ? run_attach(&loop, argc - 3, argv + 3, atol(argv[2]))
		: run_launch(&loop, argc - 2, argv + 2, strcmp(argv[1], "demo") == 0);
	if (uv_loop_close(&loop) != 0) {
		fprintf(stderr, "attach_main: handles left open at exit\n");
		return 3;
	}
	return rc;
}
