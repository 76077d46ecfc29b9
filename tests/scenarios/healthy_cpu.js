'use strict';
/* Healthy but busy: a CPU-bound computation in 20 ms slices that yields to
 * the event loop between slices — a core at ~100%, no loop stall, no leak.
 * (cpu_saturation may fire here: that is a true observation, not a leak.) */
require('./common');
let x = 0;
(function work() {
	const end = Date.now() + 20;
	while (Date.now() < end)
		for (let i = 0; i < 10000; i++)
			x = (x * 1103515245 + 12345) % 2147483648;
	setImmediate(work);
})();
