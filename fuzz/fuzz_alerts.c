/* fuzz_alerts — alerts_config_set on [alerts] key/value text from the config
 * file, then alerts_eval over arbitrary series (NaN, infinities, negative and
 * huge values, clock steps backwards, warnings with arbitrary bytes); the
 * time to OOM it publishes must stay a number with its limit.
 *
 * Input: lines "key=value" up to a line "--"; the rest is records of 6 bytes:
 * series (1), time step in 100 ms (1, 0xff = 5 s back), value (4, float). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alerts.h"

static void on_alert(void *ud, const model_alert *a)
{
	/* the message must be a terminated string */
	*(size_t *)ud += strnlen(a->msg, sizeof a->msg) < sizeof a->msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	alert_config c;
	alerts_config_default(&c);
	size_t i = 0;
	char line[256], err[128];
	while (i < size) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = 0;
		while (i < size && data[i] != '\n')	/* overlong line: drop the rest */
			i++;
		i++;
		if (strcmp(line, "--") == 0)
			break;
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = 0;
			alerts_config_set(&c, line, eq + 1, err, sizeof err);
		} else {
			alerts_config_set(&c, line, NULL, err, sizeof err);
		}
	}
	size_t seen = 0;
	alerts *a = alerts_new(&c, on_alert, &seen);
	if (!a)
		return 0;
	model m;
	model_init(&m, NULL);
	vproc *p = model_add(&m, 77, 1);
	vnode *nd = p ? model_node(&m, p) : NULL;
	if (!nd) {
		alerts_free(a);
		model_free(&m);
		return 0;
	}
	nd->heap_limit = 1e9;
	int64_t t = 1764450000000LL;
	for (int rec = 0; i + 6 <= size && rec < 4000; i += 6, rec++) {
		uint8_t which = data[i], step = data[i + 1];
		float v;
		memcpy(&v, data + i + 2, sizeof v);
		t += step == 0xff ? -5000 : step * 100;
		switch (which % 10) {
		case 0: ring_push(&p->rss_r, t, v); break;
		case 1: ring_push(&p->cpu_r, t, v); break;
		case 2: ring_push(&nd->heap_used_r, t, v); break;
		case 3: ring_push(&nd->lag_p99_r, t, v); ring_push(&nd->lag_max_r, t, v * 2); break;
		case 4: ring_push(&nd->gc_pct_r, t, v); break;
		case 5: {
			gc_event e = { t, v, (uint8_t)(which >> 4), (uint8_t)(which & 4) };
			model_gc_push(nd, &e);
			break;
		}
		case 6: {
			char type[2] = { (char)('A' + (which >> 4)), 0 };
			handle_count *h = model_handle(&m, nd, type);
			if (h)
				ring_push(&h->r, t, v);
			break;
		}
		case 7: p->mem_limit = v; break;
		case 8: {
			char msg[5];
			memcpy(msg, data + i + 2, 4);
			msg[4] = 0;
			alerts_warning(a, &m, p, which & 0x10 ? "MaxListenersExceededWarning" : msg, msg, t);
			break;
		}
		case 9: p->state = which & 0x10 ? PROC_EXITED : PROC_LIVE; break;
		}
		if (rec % 3 == 0) {
			alerts_eval(a, &m, t);
			/* a time to OOM is a number of seconds with its limit, or 0 */
			if (!(p->oom_in_s >= 0) || (p->oom_in_s > 0) != (p->oom_limit != NULL))
				abort();
		}
	}
	alerts_eval(a, &m, t);
	model_free(&m);
	alerts_eval(a, &m, t);	/* every process gone: state swept */
	alerts_free(a);
	return 0;
}
