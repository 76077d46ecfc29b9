'use strict';
/* Unhealthy: the event loop is blocked for BLOCK_MS (default 300) every
 * PERIOD_MS (default 2000) by synchronous work. */
const { num } = require('./common');
const blockMs = num('BLOCK_MS', 300);
const periodMs = num('PERIOD_MS', 2000);
let x = 0;
setInterval(() => {
	const end = Date.now() + blockMs;
	while (Date.now() < end)
		x++;
}, periodMs);
setInterval(() => {}, 50);	/* something that wants to run on time */
