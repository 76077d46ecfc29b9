/* fuzz_probe_line — probe_line_apply, the parser of everything a probe (any
 * process of the user's, or whatever listens on a socket we connect to) sends.
 * The input is split at newlines, as the connection does, and each line is
 * applied in turn to one fresh process that first got a valid hello (so that
 * samples, warnings and command messages are reached without the fuzzer
 * having to find a hello first; hello lines in the input are parsed too).
 * Checks, beyond "no crash": a refused line has a one-line reason and leaves
 * the model untouched (m.dirty unchanged, except that a hello of another
 * version marks the process failed), and the model's bounds hold. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/probe_line.h"
#include "base/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char hello[] = "{\"t\":\"hello\",\"v\":1,\"pid\":4242,\"node\":\"v20.20.2\",\"v8\":\"11.3\",\"hz\":1}";

static void check_bounds(const model *m, const vproc *p)
{
	const vnode *n = p->node;
	if (m->alerts_len > ALERT_LOG_CAP)
		abort();
	if (!n)
		return;
	if (n->nspaces < 0 || n->nspaces > MAX_SPACES || n->nhandles < 0 || n->nhandles > MAX_HANDLE_TYPES ||
	    n->gc_cap > GC_LOG_CAP || n->gc_len > n->gc_cap || (n->gc_cap && n->gc_head >= n->gc_cap))
		abort();
	if (n->gc_pct < 0 || n->gc_pct > 100 || n->elu < 0 || n->elu > 1 || n->handles_total < 0)
		abort();
	for (int i = 0; i < n->nspaces; i++)
		if (!memchr(n->spaces[i].name, 0, NAME_LEN))
			abort();
	for (int i = 0; i < n->nhandles; i++)
		if (!memchr(n->handles[i].type, 0, NAME_LEN) || n->handles[i].count < 0)
			abort();
	if (!memchr(n->node_version, 0, sizeof n->node_version))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ring_config small = { .ntiers = 3, .tier = { { 0, 8 }, { 10000, 4 }, { 300000, 4 } } };
	model m;
	char err[256];
	model_init(&m, &small);
	vproc *p = model_add(&m, 4242, 1);
	if (!p || probe_line_apply(&m, p, hello, sizeof hello - 1, err, sizeof err) != 0)
		abort();
	const char *s = (const char *)data, *end = s + size;
	while (s <= end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		uint64_t dirty = m.dirty;
		probe_state before = p->pstate;
		char before_err[sizeof p->probe_err];
		memcpy(before_err, p->probe_err, sizeof before_err);
		err[0] = 0;
		int rc = probe_line_apply(&m, p, s, len, err, sizeof err);
		if (rc != 0 && rc != -1)
			abort();
		if (rc == -1) {
			if (!err[0] || strchr(err, '\n'))
				abort();	/* the reason must be one line */
			bool newly_failed = p->pstate == PROBE_FAILED &&
					    (before != PROBE_FAILED || strcmp(before_err, p->probe_err) != 0);
			if (m.dirty != dirty && !newly_failed)
				abort();	/* a refused line changed the model */
		} else if (m.dirty == dirty) {
			abort();	/* an applied line must bump dirty */
		}
		check_bounds(&m, p);
		if (!nl)
			break;
		s = nl + 1;
	}
	model_free(&m);
	return 0;
}
