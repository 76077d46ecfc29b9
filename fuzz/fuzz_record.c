/* fuzz_record — the parsers of a recording (vitals replay, and the stream
 * --remote reads): record/recfile's block reader and record/rec_lines'
 * line parser and applier.  Input that starts like gzip goes through the
 * block reader, fed once whole and once in small pieces: the lines and the
 * verdict must not depend on read boundaries, and a failure has a one-line
 * reason.  Any other input is taken as lines as they come out of a block,
 * so the fuzzer reaches the JSON side directly.  Each line is parsed and
 * applied to one model, whose bounds must hold.  Each such line is also
 * typed at replay's "jump to" prompt (record/rec_time): an answer or a
 * one-line reason. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/model.h"
#include "record/rec_lines.h"
#include "record/rec_time.h"
#include "record/recfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_model(const model *m)
{
	if (m->alerts_len > ALERT_LOG_CAP || m->nprocs > m->cap)
		abort();
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		if (!memchr(p->name, 0, NAME_LEN) || p->pid <= 0)
			abort();
		const vnode *n = p->node;
		if (!n)
			continue;
		if (n->nspaces < 0 || n->nspaces > MAX_SPACES || n->nhandles < 0 || n->nhandles > MAX_HANDLE_TYPES ||
		    n->gc_cap > GC_LOG_CAP || n->gc_len > n->gc_cap || (n->gc_cap && n->gc_head >= n->gc_cap))
			abort();
		if (n->elu < 0 || n->elu > 1.01 || n->gc_pct < 0 || n->gc_pct > 100)
			abort();
		if (n->nroutes < 0 || n->nroutes > MAX_ROUTES || (n->nroutes && !n->routes) || n->nworkers < 0 ||
		    n->nworkers > MAX_WORKERS || (n->nworkers && !n->workers))
			abort();
		for (int w = 0; w < n->nworkers; w++)
			if (!memchr(n->workers[w].name, 0, sizeof n->workers[w].name) || n->workers[w].elu > 1)
				abort();
		for (int r = 0; r < n->nroutes; r++)
			if (!memchr(n->routes[r].route, 0, sizeof n->routes[r].route))
				abort();
	}
	for (uint32_t i = 0; i < m->alerts_len; i++)
		if (!memchr(model_alert_get(m, i)->msg, 0, sizeof m->alerts[0].msg))
			abort();
}

static void jump_to(const char *s, size_t len)
{
	char typed[64], err[256] = "";
	snprintf(typed, sizeof typed, "%.*s", (int)(len < 63 ? len : 63), s);
	int64_t t;
	if (rec_time_parse(typed, 1764597600000, &t, err, sizeof err) < 0 && (!err[0] || strchr(err, '\n')))
		abort();
}

static void apply_line(model *m, const char *s, size_t len)
{
	char err[256] = "";
	rec_line *l = rec_line_parse(s, len, err, sizeof err);
	if (!l) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		return;
	}
	err[0] = 0;
	if (rec_line_apply(l, m, (len & 1) ? "h" : NULL, err, sizeof err) < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	rec_line_free(l);
	check_model(m);
}

/* Read the blocks fed in pieces of step bytes (0: whole); lines applied to
 * m when m is given.  Returns a digest of the lines and the verdict. */
static uint64_t read_blocks(const uint8_t *data, size_t size, size_t step, model *m, int *verdict)
{
	rec_reader *r = rec_reader_new();
	uint64_t h = 1469598103934665603ull;
	size_t off = 0;
	int rc;
	for (;;) {
		const char *line;
		size_t len;
		rc = rec_reader_next(r, &line, &len);
		if (rc > 0) {
			for (size_t i = 0; i < len; i++)
				h = (h ^ (uint8_t)line[i]) * 1099511628211ull;
			h = (h ^ '\n') * 1099511628211ull;
			if (m)
				apply_line(m, line, len);
			continue;
		}
		if (rc < 0)
			break;
		if (off == size) {
			rec_reader_eof(r);
			rc = rec_reader_next(r, &line, &len);
			if (rc > 0)
				abort();	/* every line was handed out before eof */
			break;
		}
		size_t n = step && size - off > step ? step : size - off;
		rec_reader_feed(r, data + off, n);
		off += n;
	}
	if (rc < 0) {
		const char *e = rec_reader_error(r);
		if (!e[0] || strchr(e, '\n'))
			abort();
	}
	*verdict = rc;
	rec_reader_free(r);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ring_config small = { .ntiers = 3, .tier = { { 0, 8 }, { 10000, 4 }, { 300000, 4 } } };
	model m;
	model_init(&m, &small);
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		int v1, v2;
		uint64_t h1 = read_blocks(data, size, 0, &m, &v1);
		uint64_t h2 = read_blocks(data, size, 1 + size % 13, NULL, &v2);
		if (h1 != h2 || v1 != v2)
			abort();	/* the result depends on read boundaries */
	} else {
		const char *s = (const char *)data, *end = s + size;
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
			apply_line(&m, s, len);
			jump_to(s, len);
			s += len + 1;
		}
	}
	model_free(&m);
	return 0;
}
