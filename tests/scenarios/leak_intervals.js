'use strict';
/* Leak: every "connection" starts a heartbeat interval that is never
 * cleared; each interval keeps its connection's data alive. Active Timeout
 * handles grow by INTERVALS_PER_S (default 5) per second. */
const { num, rate, chunk, churn } = require('./common');
const perS = num('INTERVALS_PER_S', 5);
let beats = 0;
function connect() {
	const state = chunk(Math.max(1, Math.round(rate / perS)));
	setInterval(() => { beats += state.length > 0; }, 1000);
	churn(100);
}
setInterval(connect, 1000 / perS);
