/* probe_series — PROBE_SERIES as data; see probe_series.h.
 *
 * The rows' offsets into vnode come from the same X-macro that declares the
 * fields, so the table and the struct cannot disagree. */
#include "base/probe_series.h"

#include <stddef.h>

#include "base/model.h"

#define PS_RINGOFF_RING(id) ((long)offsetof(vnode, id##_r))
#define PS_RINGOFF_RECENT(id) ((long)offsetof(vnode, id##_r))
#define PS_RINGOFF_LATEST(id) (-1L)
#define PS_RECENT_RING false
#define PS_RECENT_RECENT true
#define PS_RECENT_LATEST false
#define PS_ROW(id_, keep, unit_, src_, alt_, json_, prom_, help_) \
	[PS_##id_] = { .id = #id_, .unit = PU_##unit_, .src = src_, .alt = alt_, .json = json_, \
		       .prom = prom_, .help = help_, .off = offsetof(vnode, id_), \
		       .ring_off = PS_RINGOFF_##keep(id_), .recent = PS_RECENT_##keep },

const probe_series probe_series_table[PS_COUNT] = { PROBE_SERIES(PS_ROW) };

double probe_unit_max(probe_unit u)
{
	switch (u) {
	case PU_BYTES: return 1e15;	/* 1 PB: a larger size is garbage */
	case PU_MS: return 1e12;	/* ~31 years */
	case PU_RATIO: return 1.01;	/* float noise above 1 is clamped */
	case PU_PCT: return 100;
	case PU_COUNT: return 1e12;
	}
	return 0;
}

double probe_unit_scale(probe_unit u)
{
	switch (u) {
	case PU_MS: return 1e-3;
	case PU_PCT: return 1e-2;
	default: return 1;
	}
}
