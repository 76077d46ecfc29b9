'use strict';
// A plain worker thread that leaks ~200 KB a second (LEAK_KB_S: another
// rate) (http_app.js `leak`); the message 'heap' makes it answer with its own
// view of its heap.
const v8 = require('v8');
const { parentPort, threadId } = require('worker_threads');
const kept = [];
const per = Math.round((Number(process.env.LEAK_KB_S) || 200) * 12.5);	/* 8-byte slots a tenth of a second */
setInterval(() => { kept.push(new Array(per).fill({ at: Date.now() })); }, 100);
parentPort.on('message', () => {
	const h = v8.getHeapStatistics();
	parentPort.postMessage({ thread_id: threadId, ts: Date.now(), heap_used: h.used_heap_size,
		heap_total: h.total_heap_size, heap_limit: h.heap_size_limit });
});
