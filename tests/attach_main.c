/* attach_main — test driver for collectors/inspector and collectors/launch,
 * used by tests/attach.sh and tests/launch.sh.  Runs a libuv loop like the
 * dashboard does and prints what happened, one line per event:
 *
 *   attach_main attach PID...          queue an attach of each PID (they run
 *                                      one after the other); print "PID: ok"
 *                                      or "PID: <error>"; exit 0 if all ok.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "collectors/inspector.h"
#include "collectors/launch.h"
#include "core/model.h"
#include "core/paths.h"

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

static int run_attach(uv_loop_t *loop, int argc, char **argv)
{
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
static launch *L;
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
	launch_signal(L, signum);
}

static void on_tick(uv_timer_t *t)
{
	print_new_lines();
	if (launch_running(L))
		return;
	if (!exited_at)
		exited_at = uv_now(t->loop);
	/* all output read, or a grandchild holds the pipes: stop waiting */
	if (!launch_drained(L) && uv_now(t->loop) - exited_at < 2000)
		return;
	print_new_lines();
	printf("status: %s\n", M.status);
	printf("wait: %d\n", launch_wait_status(L));
	fflush(stdout);
	launch_close(L);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&tick, NULL);
}

static int run_launch(uv_loop_t *loop, int argc, char **argv)
{
	const char *log_path = NULL;
	int i = 0;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log_path = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: attach_main launch [--log FILE] -- CMD ARG...\n");
		return 2;
	}
	model_init(&M, NULL);
	char probe[PATH_MAX], err[256];
	L = launch_start(loop, &M, argv + i, paths_probe(probe, sizeof probe), log_path, err, sizeof err);
	if (!L) {
		printf("error: %s\n", err);
		uv_run(loop, UV_RUN_DEFAULT);	/* let the failed spawn's handles close */
		model_free(&M);
		return 1;
	}
	int pid = launch_pid(L);	/* L is freed by the loop after launch_close */
	vproc *p = model_find(&M, pid);
	printf("launched %d%s\n", pid, p && p->launched && p->start_time ? "" : " (not in model)");
	fflush(stdout);
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);
	uv_run(loop, UV_RUN_DEFAULT);
	p = model_find(&M, pid);
	if (p)
		printf("model: exit_status=%d state=%s\n", p->exit_status,
		       p->state == PROC_EXITED ? "exited" : "live");
	model_free(&M);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 3 || (strcmp(argv[1], "attach") != 0 && strcmp(argv[1], "launch") != 0)) {
		fprintf(stderr, "usage: attach_main attach PID... | launch [--log FILE] -- CMD ARG...\n");
		return 2;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	int rc = strcmp(argv[1], "attach") == 0 ? run_attach(&loop, argc - 2, argv + 2)
						 : run_launch(&loop, argc - 2, argv + 2);
	if (uv_loop_close(&loop) != 0) {
		fprintf(stderr, "attach_main: handles left open at exit\n");
		return 3;
	}
	return rc;
}
