'use strict';
/* Healthy: a bounded LRU cache. It fills for LRU_FILL_S seconds (default 30)
 * at LEAK_KB_PER_S, then evicts as fast as it inserts: heap grows, then
 * plateaus. */
const { num, rate, chunk, churn } = require('./common');
const cap = Math.max(10, Math.round(num('LRU_FILL_S', 30) * 10));	/* entries */
const lru = new Map();
let key = 0, hits = 0;
function get(k) {
	const v = lru.get(k);
	if (v) { lru.delete(k); lru.set(k, v); hits++; }
	return v;
}
setInterval(() => {
	get(key - 5);
	lru.set(key++, chunk(Math.max(1, Math.round(rate / 10))));
	while (lru.size > cap)
		lru.delete(lru.keys().next().value);
	churn(200);
}, 100);
