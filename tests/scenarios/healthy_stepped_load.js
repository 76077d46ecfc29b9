'use strict';
/* Healthy: an HTTP server under stepped load — an in-process client keeps
 * 2, 4, 8, then 16 requests in flight, one step every STEP_S (default 120);
 * each request holds ~16 KB while the server "works" on it for 200 ms, and
 * each response is a 20 KB JSON body.  More load, more memory in flight:
 * the heap steps up and plateaus at every step. */
const http = require('http');
const { num, chunk } = require('./common');
const stepS = num('STEP_S', 120);
const steps = [2, 4, 8, 16];
const server = http.createServer((req, res) => {
	const state = chunk(16);
	setTimeout(() => {
		const body = JSON.stringify({ n: state.length, items: state.slice(0, 8).map((a) => a.slice(0, 64)) });
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(body);
	}, 200);
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const started = Date.now();
let inflight = 0;
function want() {
	return steps[Math.min(steps.length - 1, Math.floor((Date.now() - started) / 1000 / stepS))];
}
function request(port) {
	inflight++;
	http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
		res.resume();
		res.on('end', () => { inflight--; fill(port); });
	}).on('error', () => { inflight--; setTimeout(() => fill(port), 100); });
}
function fill(port) {
	while (inflight < want())
		request(port);
}
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	fill(port);
	setInterval(() => fill(port), 1000);	/* step up even when nothing ends */
});
