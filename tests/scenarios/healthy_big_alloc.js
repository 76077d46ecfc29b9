'use strict';
/* Healthy: a one-off big allocation — BIG_MB (default 300) of heap built at
 * BIG_AT_S (default 60) in 10 MB slices (so the loop is not blocked), kept
 * for BIG_KEEP_S (default 120), then dropped.  A step, not a trend. */
const { num, chunk, churn } = require('./common');
const mb = num('BIG_MB', 300), at = num('BIG_AT_S', 60), keep = num('BIG_KEEP_S', 120);
let big = null;
setTimeout(() => {
	const parts = [];
	(function slice() {
		parts.push(chunk(10 * 1024));
		if (parts.length * 10 < mb)
			return setImmediate(slice);
		big = parts;
		setTimeout(() => { big = null; }, keep * 1000);
	})();
}, at * 1000);
setInterval(() => churn(200 + (big ? 0 : 1)), 100);
