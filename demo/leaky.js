// leaky.js — vitals demo: a slow heap leak.  Every 100 ms it keeps ~30 KB of
// new objects (instances of LeakyRecord plus strings) in a global array and a
// global Map, about 300 KB/s, so "heap used" climbs steadily and the leak
// alert fires.  For safety it drops everything once heap used passes 400 MB
// and starts over.
'use strict';
const crypto = require('crypto');

class LeakyRecord {
	constructor(id) {
		this.id = id;
		this.createdAt = new Date();
		this.payload = crypto.randomBytes(96).toString('hex');	// 192 unique chars
		this.tags = ['session', 'user-' + (id % 1000), 'req-' + id];
		this.meta = { hits: id % 7, source: 'demo', note: 'kept forever by mistake #' + id };
	}
}

const CAP_BYTES = 400 * 1024 * 1024;
globalThis.leakyRecords = [];		// the "cache" nobody evicts
globalThis.leakySessions = new Map();
let next = 0, resets = 0;

setInterval(() => {
	for (let i = 0; i < 50; i++) {
		const r = new LeakyRecord(next++);
		if (i % 2) globalThis.leakyRecords.push(r);
		else globalThis.leakySessions.set('s' + r.id, { record: r, log: 'opened ' + r.createdAt.toISOString() });
	}
	if (process.memoryUsage().heapUsed > CAP_BYTES) {
		globalThis.leakyRecords = [];
		globalThis.leakySessions.clear();
		resets++;
		console.log(`heap passed 400 MB, dropped everything (reset #${resets})`);
	}
}, 100);

setInterval(() => {
	const mb = (process.memoryUsage().heapUsed / 1048576).toFixed(1);
	console.log(`holding ${globalThis.leakyRecords.length + globalThis.leakySessions.size} records, heap used ${mb} MB`);
}, 10000);
console.log(`started (pid ${process.pid}), retaining ~300 KB/s`);
