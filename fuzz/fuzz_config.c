/* fuzz_config — the config file parser (base/config.c over inih) on any
 * bytes: it must warn, never crash, hang or overflow, and leave a config
 * whose values are in their documented ranges.  The same bytes go through
 * the writer of settings (config_update_text), whose result must parse as
 * well (under ASan: no overflow in the line surgery). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vitals_config c;
	config_default(&c);
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	FILE *warn = fopen("/dev/null", "w");
	config_load_stream(&c, f, "fuzz", warn);
	fclose(f);
	if (warn)
		fclose(warn);
	/* what the rest of vitals relies on */
	if (c.window < 0 || c.window > 4 || c.probe_hz < 1 || c.probe_hz > 20 ||
	    !(c.interval_s >= 0.1 && c.interval_s <= 60) || c.ring.ntiers < 1 ||
	    c.ring.ntiers > RING_MAX_TIERS || c.ring.tier[0].cap < 1)
		abort();
	if (c.exited_max < 0 || c.exited_max > 100000 || c.exited_keep_ms < 0 ||
	    !(c.on_alert_timeout_s >= 1 && c.on_alert_timeout_s <= 3600) || !memchr(c.on_alert, 0, sizeof c.on_alert))
		abort();
	for (int i = 1; i < c.ring.ntiers; i++)
		if (c.ring.tier[i].span_ms <= c.ring.tier[i - 1].span_ms || c.ring.tier[i].cap < 1)
			abort();

	/* settings written into this text (the writer works on text: a NUL
	 * ends it, and config_update refuses such a file) */
	if (memchr(data, 0, size))
		return 0;
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	const char *keys[] = { "sort", "window" }, *vals[] = { "lag", "1h" };
	char *out = config_update_text(in, "ui", keys, vals, 2);
	free(in);
	f = fmemopen(out, strlen(out), "r");
	if (f) {
		config_default(&c);
		warn = fopen("/dev/null", "w");
		config_load_stream(&c, f, "fuzz", warn);
		fclose(f);
		if (warn)
			fclose(warn);
	}
	free(out);
	return 0;
}
