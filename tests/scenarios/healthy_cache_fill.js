'use strict';
/* Healthy: a cache warming up — it fills at CACHE_KB_PER_S (default 200)
 * for CACHE_FILL_S seconds (default 90), then is full and evicts as fast as
 * it inserts: the heap rises for a minute and a half, then plateaus. */
const { num, chunk, churn } = require('./common');
const kbPerTick = Math.max(1, Math.round(num('CACHE_KB_PER_S', 200) / 10));
const cap = Math.max(1, Math.round(num('CACHE_FILL_S', 90) * 10));	/* entries, 10 a second */
const cache = new Map();
let key = 0;
setInterval(() => {
	cache.set(key++, chunk(kbPerTick));
	while (cache.size > cap)
		cache.delete(cache.keys().next().value);
	churn(200);
}, 100);
