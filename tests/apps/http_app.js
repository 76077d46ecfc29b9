'use strict';
// A real framework app for probe/test/traffic.test.js and bench/probe_cost.sh
// (SERVER=fastify): fastify on 127.0.0.1 and a free port, with a piscina pool
// of 2 worker threads (pool_task.js) and, with `leak` in argv, a plain Worker
// that leaks (leak_worker.js). Routes: / (a little JSON), /slow (answers after
// 50 ms), /fail (500), /users/:id, /pool (a task on the pool), /out (an outgoing
// http.get and a fetch to itself). Counts its own answers per route.
// HTTP_PORT: listen there instead.
// Prints {"port":N} when listening; stdin `count` prints {"count":{route:n}},
// `workers` prints what each worker says of its own heap ({"workers":[...]}).
const path = require('path');
const { Worker } = require('worker_threads');
const Fastify = require('fastify');
const Piscina = require('piscina');

const count = {};
const hit = (r) => { count[r] = (count[r] || 0) + 1; };
const pool = new Piscina({ filename: path.join(__dirname, 'pool_task.js'), minThreads: 2, maxThreads: 2,
	idleTimeout: 3600000 });
const leaky = process.argv.includes('leak')
	? new Worker(path.join(__dirname, 'leak_worker.js'), { name: 'leaky' }) : null;
const app = Fastify();
let port = 0;

app.get('/', async () => { hit('/'); return { ok: true, t: Date.now() }; });
app.get('/slow', async () => {
	await new Promise((r) => setTimeout(r, 50));
	hit('/slow');
	return { ok: true };
});
app.get('/fail', async (req, reply) => { hit('/fail'); reply.code(500); return { ok: false }; });
app.get('/users/:id', async (req) => { hit('/users/:id'); return { id: req.params.id }; });
/* ?n=N: a task of N square roots (default 20000; at most 1e9) */
app.get('/pool', async (req) => {
	const n = Math.min(1e9, Math.max(1, Number(req.query.n) || 20000));
	const r = await pool.run(n);
	hit('/pool');
	return { r };
});
app.get('/out', async () => {
	await new Promise((resolve, reject) => {
		require('http').get('http://127.0.0.1:' + port + '/', (res) => { res.resume(); res.on('end', resolve); })
			.on('error', reject);
	});
	const r = await fetch('http://127.0.0.1:' + port + '/');
	await r.text();
	hit('/out');
	return { ok: true };
});

/* Each worker's own account of its heap: the piscina threads through a task,
 * the leaky worker through a message. */
async function workersSay() {
	const out = [];
	for (let i = 0; i < 2; i++) out.push(await pool.run(-1));
	if (leaky) {
		out.push(await new Promise((resolve) => {
			leaky.once('message', resolve);
			leaky.postMessage('heap');
		}));
	}
	return out;
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
	buf += d;
	let i;
	while ((i = buf.indexOf('\n')) >= 0) {
		const cmd = buf.slice(0, i).trim();
		buf = buf.slice(i + 1);
		if (cmd === 'count') process.stdout.write(JSON.stringify({ count }) + '\n');
		else if (cmd === 'workers') workersSay().then((w) => process.stdout.write(JSON.stringify({ workers: w }) + '\n'));
		else if (cmd === 'quit') process.exit(0);
	}
});
process.on('SIGTERM', () => process.exit(0));
app.listen({ port: Number(process.env.HTTP_PORT) || 0, host: '127.0.0.1' }).then(() => {
	port = app.server.address().port;
	process.stdout.write(JSON.stringify({ port }) + '\n');
});
