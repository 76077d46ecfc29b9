/* diag — heap snapshot cost model; see diag.h. */
#include "tui/diag.h"

#include <stdio.h>
#include <string.h>

/* ~0.078 s per MB of heap: 3.5 s at 45 MB, 7 s at 90 MB (DESIGN.md). */
#define FREEZE_S_PER_MB 0.078
#define RSS_GROWTH_FACTOR 5.0
/* Refuse unless the headroom covers the growth with a margin. */
#define HEADROOM_MARGIN 1.2

snap_cost diag_snapshot_cost(double heap_used, double rss, double cgroup_limit, double mem_available)
{
	snap_cost c = { 0 };
	double mb = heap_used / (1024.0 * 1024.0);
	c.freeze_s = mb * FREEZE_S_PER_MB;
	if (c.freeze_s < 0.2)
		c.freeze_s = 0.2;
	c.rss_growth = heap_used * RSS_GROWTH_FACTOR;
	c.headroom = -1;
	if (cgroup_limit > 0) {
		c.headroom = cgroup_limit - rss;
		c.limit_is_cgroup = true;
	}
	if (mem_available >= 0 && (c.headroom < 0 || mem_available < c.headroom)) {
		c.headroom = mem_available;
		c.limit_is_cgroup = false;
	}
	c.refuse = c.headroom >= 0 && c.headroom < c.rss_growth * HEADROOM_MARGIN;
	return c;
}

const char *diag_bytes(double b, char *buf, size_t n)
{
	const char *u[] = { "B", "KB", "MB", "GB", "TB" };
	int i = 0;
	double v = b < 0 ? 0 : b;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%.0f %s", v, u[i]);
	else
		snprintf(buf, n, "%.1f %s", v, u[i]);
	return buf;
}

void diag_snapshot_prompt(const snap_cost *c, int pid, const char *name, double heap_used,
			  char *buf, size_t n)
{
	char heap[32], grow[32], room[32];
	diag_bytes(heap_used, heap, sizeof heap);
	diag_bytes(c->rss_growth, grow, sizeof grow);
	if (c->headroom >= 0)
		diag_bytes(c->headroom, room, sizeof room);
	else
		snprintf(room, sizeof room, "unknown");
	if (c->refuse)
		snprintf(buf, n,
			 "REFUSED: snapshot of %d (%s) needs ~%s more RSS, only %s free%s. Y = take it anyway, n = cancel",
			 pid, name, grow, room, c->limit_is_cgroup ? " under its cgroup limit" : "");
	else
		snprintf(buf, n,
			 "Heap snapshot of %d (%s, heap %s): freezes it ~%.1f s, RSS +~%s (free: %s%s). Take it? y/n",
			 pid, name, heap, c->freeze_s, grow, room,
			 c->limit_is_cgroup ? " under cgroup limit" : "");
}
