'use strict';
/* Healthy: every 3 s a burst of temporary data (3 s worth of LEAK_KB_PER_S)
 * is built in slices, held for a second, then dropped. */
const { rate, chunk, churn } = require('./common');
let total = 0;
setInterval(() => {
	const parts = [];
	let left = Math.max(1, Math.round(rate * 3));
	(function slice() {
		const n = Math.min(left, 2000);
		parts.push(chunk(n));
		left -= n;
		if (left > 0)
			return setImmediate(slice);
		setTimeout(() => { total += parts.length; parts.length = 0; }, 1000);
	})();
	churn(200);
}, 3000);
