'use strict';
// HTTP traffic and worker threads (issue 13 items 2 and 3): what the probe
// reports against what the app and the load generator know. The framework
// part needs tests/apps/node_modules (scripts/install-deps); without it, it
// is skipped and says so.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const path = require('path');
const h = require('./helpers');

const app = h.appPool(after);
const APPS = path.resolve(__dirname, '..', '..', 'tests', 'apps');
const haveApps = fs.existsSync(path.join(APPS, 'node_modules', 'fastify')) &&
	fs.existsSync(path.join(APPS, 'node_modules', 'piscina')) &&
	fs.existsSync(path.join(APPS, 'node_modules', 'autocannon'));

function get(port, p) {
	return new Promise((resolve, reject) => {
		http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		}).on('error', reject);
	});
}

/* Sums a sample field over the samples after index `from`. */
function sum(c, from, key) {
	const out = { count: 0, status: {}, p50: [], p99: [], max: 0 };
	for (const s of c.samples().slice(from)) {
		const x = s[key];
		if (!x) continue;
		out.count += x.count;
		for (const k of Object.keys(x.status)) out.status[k] = (out.status[k] || 0) + x.status[k];
		if (x.count) { out.p50.push(x.p50_ms); out.p99.push(x.p99_ms); }
		out.max = Math.max(out.max, x.max_ms);
	}
	return out;
}

function median(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	return s[s.length >> 1];
}

describe('http traffic (node:http)', { concurrency: 2 }, () => {
	it('server requests: exact count, status classes, latency of a 50 ms route, none left in flight', async () => {
		const a = await app(['http']);
		const { port } = await a.line((l) => l.port);
		const c = await h.connect(a.sock);
		await c.cmd({ id: 1, cmd: 'hz', hz: 4 });
		const from = c.samples().length;
		for (let i = 0; i < 60; i++) await get(port, '/ok');
		for (let i = 0; i < 15; i++) await get(port, '/fail');
		await Promise.all(Array.from({ length: 20 }, () => get(port, '/slow')));
		const n0 = c.samples().length;
		await c.wait((m) => m.t === 'sample' && m.seq > c.samples()[n0 - 1].seq + 1, 5000);
		const t = sum(c, from, 'http');
		assert.equal(t.count, 95, JSON.stringify(t));
		assert.deepEqual(t.status, { '2xx': 80, '5xx': 15 });
		const last = c.samples().slice(-1)[0];
		assert.equal(last.http.in_flight, 0);
		assert.ok(t.max >= 50 && t.max < 1000, 'max ' + t.max);
		assert.equal(c.samples().slice(from).some((s) => s.http_client), false, 'no outgoing traffic');
		c.close();
	});

	it('top routes: the path with its ids collapsed, at most 20 a sample and "other"', async () => {
		const a = await app(['http']);
		const { port } = await a.line((l) => l.port);
		const c = await h.connect(a.sock);
		await c.cmd({ id: 1, cmd: 'hz', hz: 1 });
		await c.wait((m) => m.t === 'sample', 5000);
		const from = c.samples().length;
		const ids = ['1', '42', '0a1b2c3d4e5f', '123e4567-e89b-12d3-a456-426614174000', 'tok3nWithDigits0123'];
		for (const id of ids) await get(port, '/items/' + id + '?q=' + id);
		for (let i = 0; i < 3; i++) await get(port, '/fail');
		for (let i = 0; i < 30; i++) await get(port, '/page' + i);	/* 30 templates: not ids */
		const last = c.samples().slice(-1)[0].seq;
		await c.wait((m) => m.t === 'sample' && m.seq > last + 1, 5000);
		const routes = {};
		for (const s of c.samples().slice(from)) {
			const rs = (s.http && s.http.routes) || [];
			assert.ok(rs.length <= 21, 'at most 20 routes and other: ' + rs.length);
			for (const r of rs) {
				const k = r.method + ' ' + r.route;
				routes[k] = (routes[k] || 0) + r.count;
				if (r.route === '/fail') assert.equal(r['5xx'], r.count);
				assert.ok(r.p99_ms >= 0 && r.max_ms >= r.p50_ms, JSON.stringify(r));
			}
		}
		assert.equal(routes['GET /items/:id'], ids.length, JSON.stringify(routes));
		assert.equal(routes['GET /fail'], 3);
		const pages = Object.keys(routes).filter((k) => k.startsWith('GET /page')).reduce((n, k) => n + routes[k], 0);
		assert.equal(pages + (routes[' other'] || 0), 30, JSON.stringify(routes));
		c.close();
	});

	it('outgoing requests (http.get and fetch) are http_client, with their status', async () => {
		const a = await app(['http']);
		const { port } = await a.line((l) => l.port);
		const c = await h.connect(a.sock);
		const from = c.samples().length;
		a.send('out http://127.0.0.1:' + port + '/fail 5');
		const done = await a.nextLine((l) => l.out, 10000);
		assert.deepEqual(done.statuses, Array(10).fill(500));
		const last = c.samples().slice(-1)[0].seq;
		await c.wait((m) => m.t === 'sample' && m.seq > last + 1, 5000);
		const out = sum(c, from, 'http_client');
		assert.equal(out.count, 10, JSON.stringify(out));
		assert.deepEqual(out.status, { '5xx': 10 });
		// the server side saw the same requests
		assert.equal(sum(c, from, 'http').count, 10);
		c.close();
	});
});

describe('an express app', { skip: fs.existsSync(path.join(APPS, 'node_modules', 'express')) ? false : 'tests/apps/node_modules/express missing (scripts/install-deps)' }, () => {
	it('top routes by express\'s template: the router\'s mount path and route', async () => {
		const a = h.start(['--require', h.PROBE, path.join(APPS, 'express_app.js')]);
		after(() => a.kill());
		const { port } = await a.line((l) => l.port, 20000);
		await a.waitSock();
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'sample', 5000);
		const from = c.samples().length;
		/* names the path rule would keep: the template must be express's */
		for (const id of ['alice', 'bob', 'carol']) await get(port, '/api/items/' + id);
		for (let i = 0; i < 2; i++) await get(port, '/health');
		await get(port, '/nowhere/7');	/* no route: express's 404, the path rule */
		const last = c.samples().slice(-1)[0].seq;
		await c.wait((m) => m.t === 'sample' && m.seq > last + 1, 5000);
		const routes = {};
		for (const s of c.samples().slice(from))
			for (const r of (s.http && s.http.routes) || []) routes[r.method + ' ' + r.route] = (routes[r.method + ' ' + r.route] || 0) + r.count;
		assert.equal(routes['GET /api/items/:id'], 3, JSON.stringify(routes));
		assert.equal(routes['GET /health'], 2, JSON.stringify(routes));
		assert.equal(routes['GET /nowhere/:id'], 1, JSON.stringify(routes));
		c.close();
	});
});

describe('a fastify app with a piscina pool under autocannon', { skip: haveApps ? false : 'tests/apps/node_modules missing (scripts/install-deps)' }, () => {
	const autocannon = haveApps ? require(path.join(APPS, 'node_modules', 'autocannon')) : null;
	const cannon = (opts) => new Promise((resolve, reject) => {
		autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
	});
	const cannonCli = (url, conns, secs) => new Promise((resolve, reject) => {
		require('child_process').execFile(h.NODE, [path.join(APPS, 'node_modules', 'autocannon', 'autocannon.js'),
			'-j', '-c', String(conns), '-d', String(secs), url], { maxBuffer: 1 << 24 }, (err, out) => {
			if (err) return reject(err);
			return resolve(JSON.parse(out));
		});
	});

	it('top routes by fastify\'s template: /users/:id whatever the id', async () => {
		const a = h.start(['--require', h.PROBE, path.join(APPS, 'http_app.js')]);
		after(() => a.kill());
		const { port } = await a.line((l) => l.port, 20000);
		await a.waitSock();
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'sample', 5000);
		const from = c.samples().length;
		const url = 'http://127.0.0.1:' + port;
		/* ids the path rule would not collapse: the name must be fastify's */
		const r1 = await cannon({ url: url + '/users/alice', connections: 4, amount: 300 });
		const r2 = await cannon({ url: url + '/users/bob', connections: 4, amount: 200 });
		await cannon({ url: url + '/', connections: 4, amount: 100 });
		const last = c.samples().slice(-1)[0].seq;
		await c.wait((m) => m.t === 'sample' && m.seq > last + 1, 5000);
		const routes = {};
		for (const s of c.samples().slice(from))
			for (const r of (s.http && s.http.routes) || []) routes[r.method + ' ' + r.route] = (routes[r.method + ' ' + r.route] || 0) + r.count;
		assert.equal(routes['GET /users/:id'], r1.requests.total + r2.requests.total, JSON.stringify(routes));
		assert.equal(routes['GET /'], 100, JSON.stringify(routes));
		assert.equal(routes['GET /users/alice'], undefined);
		c.close();
	});

	it('request count matches the server\'s own (±1%), p99 the load generator\'s (±10%), 5xx counted', async (tc) => {
		const a = h.start(['--require', h.PROBE, path.join(APPS, 'http_app.js')]);
		after(() => a.kill());
		const { port } = await a.line((l) => l.port, 20000);
		await a.waitSock();
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'sample', 5000);
		const from = c.samples().length;
		const url = 'http://127.0.0.1:' + port;
		const r1 = await cannon({ url: url + '/', connections: 10, amount: 3000 });
		const r2 = await cannon({ url: url + '/fail', connections: 5, amount: 200 });
		const last = c.samples().slice(-1)[0].seq;
		await c.wait((m) => m.t === 'sample' && m.seq > last + 1, 5000);
		a.send('count');
		const own = (await a.nextLine((l) => l.count, 5000)).count;
		const t = sum(c, from, 'http');
		const ownTotal = (own['/'] || 0) + (own['/fail'] || 0);
		assert.equal(ownTotal, r1.requests.total + r2.requests.total, 'the server answered what autocannon sent');
		assert.ok(Math.abs(t.count - ownTotal) <= 0.01 * ownTotal, `probe ${t.count} vs server ${ownTotal}`);
		assert.ok(Math.abs((t.status['5xx'] || 0) - own['/fail']) <= 0.01 * own['/fail'] + 1, JSON.stringify(t.status));
		// p99 of a fixed 50 ms route: the server's view (request start to
		// response finish) against the client's (autocannon, its own process
		// so that its timing does not share the test's loop). A loaded
		// machine stretches one side or the other now and then: the best of
		// three runs must agree within 10%.
		const tries = [];
		for (let i = 0; i < 3; i++) {
			const from2 = c.samples().length;
			const r3 = await cannonCli(url + '/slow', 10, 3);
			const last2 = c.samples().slice(-1)[0].seq;
			await c.wait((m) => m.t === 'sample' && m.seq > last2 + 1, 5000);
			const t3 = sum(c, from2, 'http');
			const p99 = median(t3.p99);
			tries.push(`probe ${p99} (windows ${t3.p99}) vs autocannon ${r3.latency.p99}`);
			if (Math.abs(p99 - r3.latency.p99) <= 0.1 * r3.latency.p99) break;
			// The client's p99 also holds each connection's first request
			// (connect, autocannon's own warm-up): 10 of ~600, about the
			// worst 1 %, which the server never sees (measured on an idle
			// machine: client p90 52, p99 60-75, max 76 ms; server p99 52).
			// So the server's p99 must lie between the client's p90 and p99.
			if (p99 >= 0.9 * r3.latency.p90 && p99 <= 1.1 * r3.latency.p99) {
				tc.diagnostic(`server p99 between the client's p90 and p99: ${tries.join('; ')} (client p90 ${r3.latency.p90})`);
				break;
			}
			if (i < 2) continue;
			// A machine this loaded delays the client (scheduling, socket
			// queues the server cannot see) far beyond the route's 50 ms.
			const load = require('os').loadavg()[0];
			if (load > 2 * require('os').cpus().length) {
				tc.skip(`load average ${load.toFixed(1)}: latencies not comparable (${tries.join('; ')})`);
				break;
			}
			assert.fail('p99 never within 10%: ' + tries.join('; '));
		}
		c.close();
	});

	it('worker threads: the pool\'s and a leaking worker\'s heaps as they report them (±2%), named', async () => {
		const a = h.start(['--require', h.PROBE, path.join(APPS, 'http_app.js'), 'leak']);
		after(() => a.kill());
		await a.line((l) => l.port, 20000);
		await a.waitSock();
		const c = await h.connect(a.sock);
		await c.cmd({ id: 1, cmd: 'hz', hz: 4 });
		// Each worker is set up as soon as the probe sees it, and again
		// while it does not answer (its bootstrap may still run): on a
		// loaded machine that can take several tries.
		let seen = 'no sample';
		const s = await c.wait((m) => {
			if (m.t !== 'sample') return false;
			seen = JSON.stringify((m.workers || []).map((w) => [w.thread_id, w.name]));
			return m.workers && m.workers.length === 3;
		}, 30000).catch((e) => assert.fail(e.message + '; the last sample\'s workers: ' + seen));
		assert.ok(s.workers.some((w) => w.name === 'leaky'), JSON.stringify(s.workers.map((w) => w.name)));
		for (const w of s.workers) {
			assert.ok(w.thread_id > 0 && w.heap_used > 0 && w.heap_total >= w.heap_used && w.heap_limit > w.heap_total);
			assert.ok(w.elu >= 0 && w.elu <= 1 && w.lag_max >= 0, JSON.stringify(w));
		}
		a.send('workers');
		const said = (await a.nextLine((l) => l.workers, 10000)).workers;
		// The probe's reading nearest in time to each worker's own.
		await c.wait((m) => m.t === 'sample' && m.workers && m.workers.every((w) => w.ts > said[0].ts), 5000);
		for (const own of said) {
			let best = null;
			for (const m of c.samples()) for (const w of m.workers || [])
				if (w.thread_id === own.thread_id && (!best || Math.abs(w.ts - own.ts) < Math.abs(best.ts - own.ts))) best = w;
			assert.ok(best, 'the probe knows thread ' + own.thread_id);
			assert.equal(best.heap_limit, own.heap_limit);
			// a worker's heap moves between the two readings: the leak's
			// ~200 KB/s plus garbage not yet collected (up to ~1 KB/ms here)
			const slack = 0.02 * own.heap_used + 1000 * Math.abs(best.ts - own.ts);
			assert.ok(Math.abs(best.heap_used - own.heap_used) <= slack,
				`thread ${own.thread_id}: probe ${best.heap_used} vs own ${own.heap_used} (${best.ts - own.ts} ms apart)`);
		}
		// and the leak shows as growth of its heap
		const leaky = s.workers.find((w) => w.name === 'leaky');
		await h.delay(3000);
		const later = c.samples().slice(-1)[0].workers.find((w) => w.thread_id === leaky.thread_id);
		assert.ok(later.heap_used > leaky.heap_used, `leaky ${leaky.heap_used} -> ${later.heap_used}`);
		// An idle pool is not busy: piscina parks its threads in
		// Atomics.wait, which Node's ELU counts as active; the probe caps a
		// worker's ELU by the time its thread was runnable.
		const pooled = (m) => (m.workers || []).filter((w) => w.name !== 'leaky');
		const idle = c.samples().slice(-3).map(pooled);
		for (const ws of idle) for (const w of ws) {
			assert.ok(w.cpu >= 0 && w.cpu < 0.2, 'an idle pool thread\'s cpu: ' + JSON.stringify(w));
			assert.ok(w.elu < 0.3, 'an idle pool thread reads busy: ' + JSON.stringify(idle));
		}
		// A busy pool is: tasks of ~50 ms, 4 in flight, for 6 s.
		const port = a.lines().find((l) => l.port).port;
		const end = Date.now() + 6000;
		const client = async () => {
			while (Date.now() < end)
				await new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/pool?n=30000000', agent: false },
					(r) => { r.resume(); r.on('end', resolve); }).on('error', resolve));
		};
		const from = c.samples().length;
		await Promise.all([client(), client(), client(), client()]);
		const busy = c.samples().slice(from + 2).map(pooled).filter((ws) => ws.length === 2);
		assert.ok(busy.length >= 2, 'samples while the pool worked: ' + busy.length);
		// the best window of each thread (a loaded machine can take one away)
		for (const tid of busy[0].map((w) => w.thread_id)) {
			const best = Math.max(...busy.map((ws) => ws.find((w) => w.thread_id === tid)).filter(Boolean).map((w) => w.elu));
			assert.ok(best > 0.7, `a busy pool thread ${tid} does not read busy: ` + JSON.stringify(busy));
		}
		c.close();
	});
});

describe('a server above 1000 req/s: ~1000 a second timed', () => {
	it('count and status classes exact, routes a scaled sample of the timed requests', () => {
		/* the probe's own handlers, fed as Node publishes (no server: the
		 * timed share is set as a window of 10000 req/s would set it) */
		const dc = require('diagnostics_channel');
		const { EventEmitter } = require('events');
		globalThis.__vitalsProbeNoAutostart = true;
		const bench = require(h.PROBE)._benchHttp(10);
		const start = dc.channel('http.server.request.start');
		const finish = dc.channel('http.server.response.finish');
		const n = 40000;
		let socket = null;
		for (let i = 0; i < n; i++) {
			if (i % 100 === 0) socket = new EventEmitter();
			const res = new EventEmitter();
			res.statusCode = i % 4 === 3 ? 503 : 200;
			const url = i % 4 === 3 ? '/b' : '/a/' + i;
			const msg = { request: { method: 'GET', url }, response: res, socket, server: null };
			start.publish(msg);
			finish.publish(msg);
		}
		const s = bench.sample(1000);
		bench.close();
		assert.equal(s.count, n);
		assert.deepEqual(s.status, { '2xx': n * 3 / 4, '5xx': n / 4 });
		const by = {};
		for (const r of s.routes) by[r.route] = r;
		/* ~4000 timed: a 3:1 split within a few %; 5xx all of /b's */
		assert.ok(Math.abs(by['/a/:id'].count - n * 3 / 4) < n * 0.75 * 0.1, JSON.stringify(s.routes));
		assert.ok(Math.abs(by['/b'].count - n / 4) < n * 0.25 * 0.2, JSON.stringify(s.routes));
		assert.equal(by['/b']['5xx'], by['/b'].count);
		assert.ok(Math.abs(by['/a/:id'].count + by['/b'].count - n) <= 2, JSON.stringify(s.routes));
	});
});
