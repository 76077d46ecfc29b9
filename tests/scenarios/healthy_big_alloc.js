'use strict';
/* Healthy: a one-off big allocation — BIG_MB (default 300) of heap built at
 * once at BIG_AT_S (default 60), as when a file is read into memory or an
 * index is built (~1.5 s with the loop blocked, on a loaded machine), kept
 * for BIG_KEEP_S (default 120), then dropped.  A step, not a trend. */
const { num, chunk, churn } = require('./common');
const mb = num('BIG_MB', 300), at = num('BIG_AT_S', 60), keep = num('BIG_KEEP_S', 120);
let big = null;
setTimeout(() => {
	big = chunk(mb * 1024);
	setTimeout(() => { big = null; }, keep * 1000);
}, at * 1000);
setInterval(() => churn(200 + (big ? 0 : 1)), 100);
