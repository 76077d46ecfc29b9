'use strict';
// piscina task of http_app.js: n > 0 does a little CPU work; n < 0 answers
// with this worker thread's own view of its heap.
const v8 = require('v8');
const { threadId } = require('worker_threads');
module.exports = (n) => {
	if (n < 0) {
		const h = v8.getHeapStatistics();
		return { thread_id: threadId, ts: Date.now(), heap_used: h.used_heap_size, heap_total: h.total_heap_size,
			heap_limit: h.heap_size_limit };
	}
	let x = 0;
	for (let i = 0; i < n; i++) x += Math.sqrt(i);
	return x;
};
