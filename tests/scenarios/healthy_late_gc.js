'use strict';
/* Healthy: a large heap (LATE_GC_BASE_MB, default 200, kept) whose request
 * data lives ~10 s — long enough to be promoted to old space — at
 * LEAK_KB_PER_S / 5.  Promoted garbage raises the heap floor for minutes
 * until V8 runs a major GC, which clears it (Node 20: ~22 MB climbs of
 * ~100 s at 200 KB/s), and again. */
const { num, rate, chunk, churn } = require('./common');
const base = [];
for (let i = 0; i < num('LATE_GC_BASE_MB', 200); i++)
	base.push(chunk(1024));
const perTick = Math.max(1, Math.round(rate / 5 / 10));
const recent = [];
setInterval(() => {
	recent.push(chunk(perTick));
	if (recent.length > 100)	/* 10 s of requests */
		recent.shift();
	churn(200 + (base.length & 1));
}, 100);
