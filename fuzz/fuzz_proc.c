/* fuzz_proc — the parsers of collectors/proc and collectors/procfs that read
 * text other programs control: /proc/PID/cgroup lines, memory.max values,
 * /proc/PID/stat (comm is the process's to choose), status' NSpid,
 * schedstat, the container named by a cgroup path (collectors/container),
 * pm2's names for its apps (the JSON pm2_env and the name/pm_id variables), and a
 * process's argv
 * (any process can write anything into its command line).  The input is used
 * whole for the two text parsers and split on NUL bytes into an argv for the
 * wrapper rule.  Checks the outputs' invariants, not just "no crash". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "collectors/container.h"
#include "collectors/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char v2[64], v1[64];
	memset(v2, 'x', sizeof v2);
	memset(v1, 'x', sizeof v1);
	int rc = proc_cgroup_parse((const char *)data, size, v2, sizeof v2, v1, sizeof v1);
	if (!memchr(v2, '\0', sizeof v2) || !memchr(v1, '\0', sizeof v1))
		abort();	/* unterminated output */
	if (rc < 0 && (v2[0] || v1[0]))
		abort();	/* failure must leave nothing behind */
	if ((v2[0] && (v2[0] != '/' || strstr(v2, ".."))) ||
	    (v1[0] && (v1[0] != '/' || strstr(v1, ".."))))
		abort();	/* a path we would append to a mount point */

	procfs_stat st;
	if (procfs_stat_parse((const char *)data, size, &st) == 0 && st.state == 0)
		abort();	/* parsed, yet no state */
	if (!memchr(st.comm, '\0', sizeof st.comm))
		abort();	/* unterminated comm */
	uint64_t res = 7;
	if (procfs_statm_parse((const char *)data, size, &res) < 0 && res != 7)
		abort();	/* a refused line leaves nothing behind */
	procfs_sched ss;
	if (procfs_schedstat_parse((const char *)data, size, &ss) < 0 && (ss.run_ns || ss.wait_ns || ss.slices))
		abort();	/* a refused line leaves nothing behind */
	int ns[8];
	int nn = procfs_nspid_parse((const char *)data, size, ns, 8);
	if (nn > 8 || nn == 0)
		abort();
	for (int i = 0; i < nn; i++)
		if (ns[i] <= 0)
			abort();

	char ctr[CONTAINER_NAME_LEN];
	memset(ctr, 'x', sizeof ctr);
	container_from_cgroup((const char *)data, size, ctr, sizeof ctr);
	if (!memchr(ctr, '\0', sizeof ctr))
		abort();

	double lim = proc_limit_parse((const char *)data, size);
	if (!(lim == -1 || lim >= 0))
		abort();

	/* argv: NUL-separated, like /proc/PID/cmdline */
	char *buf = malloc(size + 1);
	const char **argv = malloc((size + 1) * sizeof *argv);
	if (!buf || !argv) {
		free(buf);
		free(argv);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	int argc = 0;
	for (size_t i = 0; i <= size; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	(void)proc_argv_is_wrapper(argv, argc);
	/* pm2's name: the input as the JSON environment and as the variables */
	char app[32];
	proc_manager_name(buf, buf, argv[0], argc > 1 ? argv[1] : NULL, app, sizeof app);
	if (!memchr(app, '\0', sizeof app))
		abort();
	for (const unsigned char *c = (const unsigned char *)app; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			abort();	/* control bytes reach a terminal */
	free(buf);
	free(argv);
	return 0;
}
