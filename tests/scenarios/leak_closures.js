'use strict';
/* Leak: callbacks registered in a map "until done" — and never removed;
 * each closure captures its job's data. */
const { rate, chunk, churn } = require('./common');
const registry = new Map();
let next = 0;
function submit() {
	const job = { id: next++, input: chunk(Math.max(1, Math.round(rate / 10))) };
	registry.set(job.id, (result) => result + job.input.length);
	churn(200);
}
setInterval(submit, 100);
