// healthy.js — vitals demo: a well-behaved HTTP service.  It listens on an
// ephemeral 127.0.0.1 port and calls itself a few times per second, so the
// dashboard shows steady light traffic, a flat heap and a quiet event loop.
'use strict';
const http = require('http');

let served = 0, failed = 0;
const server = http.createServer((req, res) => {
	served++;
	// a little JSON work per request, released at once
	const body = JSON.stringify({ path: req.url, at: Date.now(), items: Array.from({ length: 50 }, (_, i) => i * i) });
	res.setHeader('content-type', 'application/json');
	res.end(body);
});

server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	console.log(`serving on http://127.0.0.1:${port} (pid ${process.pid})`);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
	setInterval(() => {
		const req = http.get({ host: '127.0.0.1', port, path: '/status?n=' + served, agent }, (res) => {
			res.resume();
		});
		req.on('error', () => { failed++; });
	}, 250);
	setInterval(() => {
		console.log(`${served} requests served, ${failed} failed`);
	}, 10000);
});
