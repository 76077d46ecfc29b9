'use strict';
// How the probe gets in (--require, NODE_OPTIONS, ESM app, inspector-style
// injection), its socket's permissions, and that it never keeps a process
// alive or leaves its socket behind.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const h = require('./helpers');

const kids = [];
after(() => Promise.all(kids.map((a) => a.kill())));
function run(args, opts) {
	const a = h.start(args, opts);
	kids.push(a);
	return a;
}
const APP = path.join(h.FIXTURES, 'probe_app.js');
const INJECT = fs.readFileSync(path.join(h.FIXTURES, 'probe_inject.js'), 'utf8');

async function helloAndSample(sock) {
	const c = await h.connect(sock);
	const hello = await c.wait((m) => m.t === 'hello');
	await c.cmd({ id: 1, cmd: 'hz', hz: 10 });
	const s = await c.wait((m) => m.t === 'sample', 5000);
	c.close();
	return { hello, s };
}

describe('probe lifecycle', { concurrency: 4 }, () => {
	it('creates a missing dir 0700 and its socket 0600', async () => {
		const dir = path.join(h.sockDir(), 'sub');
		const a = run(['--require', h.PROBE, APP], { dir });
		await a.waitSock();
		assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
		const st = fs.lstatSync(a.sock);
		assert.ok(st.isSocket());
		assert.equal(st.mode & 0o777, 0o600);
		await helloAndSample(a.sock);
	});

	it('refuses a directory with group/other bits, and stays silent', async () => {
		const dir = h.sockDir();
		fs.chmodSync(dir, 0o755);
		const a = run(['--require', h.PROBE, APP], { dir });
		await a.line((l) => l.ready);     // the probe ran before the app's first line
		assert.deepEqual(fs.readdirSync(dir), []);
		a.send('mem');                     // the app works as ever
		await a.line((l) => l.heapUsed);
		assert.equal(fs.statSync(dir).mode & 0o777, 0o755, 'left alone');
		assert.equal(a.stderr(), '', 'no warning, no noise');
	});

	it('refuses a symlink in place of the directory, even to a 0700 one', async () => {
		const real = h.sockDir();          // 0700 and ours: fine by itself
		const link = real + '-link';
		fs.symlinkSync(real, link);
		try {
			const a = run(['--require', h.PROBE, APP], { dir: link });
			await a.line((l) => l.ready);
			assert.deepEqual(fs.readdirSync(real), [], 'no socket through the link');
			assert.equal(a.stderr(), '', 'no warning, no noise');
		} finally {
			fs.unlinkSync(link);
		}
	});

	it('refuses a directory owned by someone else', { skip: process.getuid() !== 0 && 'needs root to chown' }, async () => {
		const dir = h.sockDir();
		fs.chownSync(dir, 65534, 65534);
		const a = run(['--require', h.PROBE, APP], { dir });
		await a.line((l) => l.ready);
		assert.deepEqual(fs.readdirSync(dir), []);
	});

	it('replaces a stale socket file of a dead process with the same pid', async () => {
		// We cannot choose the child's pid, so inject into a process whose
		// socket path we pre-create as a plain file.
		const dir = h.sockDir();
		const a = run(['-e', 'setInterval(()=>{},1000); process.stdout.write(JSON.stringify({ready:process.pid})+"\\n"); ' +
			'process.stdin.once("data",()=>{globalThis.__vitalsProbeNoAutostart=true;' +
			'const r=require(' + JSON.stringify(h.PROBE) + ').start({sockDir:' + JSON.stringify(dir) + '});' +
			'process.stdout.write(JSON.stringify({started:r})+"\\n")})'], { dir });
		await a.line((l) => l.ready);
		fs.writeFileSync(a.sock, 'stale');
		a.send('go');
		const { started } = await a.line((l) => l.started);
		assert.equal(started.active, true, JSON.stringify(started));
		assert.ok(fs.lstatSync(a.sock).isSocket());
		await helloAndSample(a.sock);
	});

	it('does not keep a process alive', async () => {
		const t0 = Date.now();
		const a = run(['--require', h.PROBE, '-e', 'console.log(JSON.stringify({one:1}))']);
		const { code } = await a.exited;
		assert.equal(code, 0);
		assert.ok(a.lines().some((l) => l.one === 1));
		assert.ok(Date.now() - t0 < 10000);
		assert.deepEqual(fs.readdirSync(a.dir), [], 'socket removed at exit');
	});

	it('lets a process exit on its own while a dashboard is connected, removing its socket', async () => {
		const a = run(['--require', h.PROBE, APP, 'idle']);
		await a.waitSock();
		const c = await h.connect(a.sock);
		await c.cmd({ id: 1, cmd: 'hz', hz: 20 });
		await c.cmd({ id: 2, cmd: 'gc' });
		a.send('release');
		const { code, signal } = await a.exited;
		assert.equal(signal, null);
		assert.equal(code, 0);
		assert.ok(!fs.existsSync(a.sock), 'socket removed on exit');
		await h.until(() => c.closed, 5000, 'connection closed');
	});

	it('works in an ES-module app loaded with --require', async () => {
		const a = run(['--require', h.PROBE, path.join(h.FIXTURES, 'probe_app.mjs')]);
		await a.waitSock();
		const ready = await a.line((l) => l.ready);
		assert.equal(ready.esm, true);
		const { hello, s } = await helloAndSample(a.sock);
		assert.equal(hello.esm, true);
		assert.ok(hello.argv.some((x) => x.endsWith('probe_app.mjs')));
		assert.ok(s.mem.heapUsed > 0);
	});

	it('loads through NODE_OPTIONS', async () => {
		const a = run([APP], { env: { NODE_OPTIONS: '--require ' + h.PROBE } });
		await a.waitSock();
		const { hello } = await helloAndSample(a.sock);
		assert.equal(hello.pid, a.pid);
		assert.equal(hello.esm, false);
	});

	for (const req of ['require', 'builtin']) {
		it('works injected inspector-style with ' + (req === 'require' ? 'the -e require' : 'process.getBuiltinModule'), async () => {
			const dir = h.sockDir();
			const a = run(['-e', INJECT, h.PROBE, dir, 'false', req], { dir: h.sockDir() });
			const { started } = await a.line((l) => l.started);
			assert.deepEqual(started, { active: true, sock: path.join(dir, a.pid + '.sock'), pid: a.pid, reason: null, already: false });
			assert.equal(fs.lstatSync(started.sock).mode & 0o777, 0o600);
			const { hello } = await helloAndSample(started.sock);
			assert.equal(hello.pid, a.pid);
			// Commands work when injected (the probe then runs in sloppy mode).
			const c = await h.connect(started.sock);
			assert.equal((await c.cmd({ id: 1, cmd: 'gc' })).t, 'reply');
			assert.equal((await c.cmd({ id: 2, cmd: 'report' })).t, 'reply');
			assert.equal(JSON.parse(c.chunks(2)).header.processId, a.pid);
			assert.equal((await c.cmd({ id: 3, cmd: 'nope' })).code, 'EUNKNOWN');
			c.close();
			// Loading it a second time is a no-op that answers with the same socket.
			a.send('again');
			const { again } = await a.line((l) => l.again);
			assert.deepEqual(again, Object.assign({}, started, { already: true }));
			await helloAndSample(started.sock);
		});
	}

	it('injected into a process that already --require\'d it is a no-op', async () => {
		const dir = h.sockDir();
		const a = run(['--inspect=127.0.0.1:0', '--require', h.PROBE, '-e', INJECT, h.PROBE, h.sockDir(), 'true', 'require'], { dir });
		const { started } = await a.line((l) => l.started);
		assert.equal(started.already, true);
		assert.equal(started.active, true);
		assert.equal(started.sock, path.join(dir, a.pid + '.sock'));
		assert.deepEqual(fs.readdirSync(dir), [a.pid + '.sock']);
		// The inspector the injector opened is still closed as asked.
		await h.until(async () => {
			a.send('inspector');
			const r = await a.nextLine((l) => 'url' in l);
			return r.url === null;
		}, 10000, 'inspector closed');
	});

	it('closes the inspector the injector opened at the first connection to its socket', async () => {
		// The injector connects only once its session has ended: closing
		// then lets the inspector end that session properly.  The fallback
		// is set far off, so only the connection can have closed it.
		const dir = h.sockDir();
		const a = run(['--inspect=127.0.0.1:0', '-e', INJECT, h.PROBE, dir, '600000', 'require'], { dir });
		const { started } = await a.line((l) => l.started);
		assert.equal(started.active, true);
		await h.delay(300);	/* longer than any timer a probe used to close it by */
		a.send('inspector');
		const before = await a.nextLine((l) => 'url' in l);
		assert.match(before.url, /^ws:\/\/127\.0\.0\.1:\d+\//, 'open until the first connection');
		const c = await h.connect(started.sock);
		await h.until(async () => {
			a.send('inspector');
			const r = await a.nextLine((l) => 'url' in l);
			return r.url === null;
		}, 10000, 'inspector closed after the connection');
		c.close();
		await a.kill();
	});

	it('closes the inspector after injection only when asked', async () => {
		for (const close of [true, false]) {
			const dir = h.sockDir();
			const a = run(['--inspect=127.0.0.1:0', '-e', INJECT, h.PROBE, dir, String(close), 'require'], { dir });
			const { started } = await a.line((l) => l.started);
			assert.equal(started.active, true);
			if (close) {
				await h.until(async () => {
					a.send('inspector');
					const r = await a.nextLine((l) => 'url' in l);
					return r.url === null;
				}, 10000, 'inspector closed');
			} else {
				await h.delay(300);
				a.send('inspector');
				const r = await a.nextLine((l) => 'url' in l);
				assert.match(r.url, /^ws:\/\/127\.0\.0\.1:\d+\//, 'left open');
			}
			// The in-process session still works for gc after the close.
			const c = await h.connect(started.sock);
			const g = await c.cmd({ id: 1, cmd: 'gc' });
			assert.equal(g.t, 'reply');
			c.close();
			await a.kill();
		}
	});

	it('gives each cluster worker its own socket', async () => {
		// A worker's listen() normally goes through the primary; the probe's
		// must not (exclusive), or the worker's socket would be the primary's.
		const a = run([path.join(h.FIXTURES, 'probe_cluster.js')], { env: { NODE_OPTIONS: '--require ' + h.PROBE } });
		const { kid } = await a.line((l) => l.kid);
		const kidSock = path.join(a.dir, kid + '.sock');
		await h.until(() => fs.existsSync(kidSock) && fs.existsSync(a.sock), 10000, 'two sockets');
		const { hello, s } = await helloAndSample(kidSock);
		assert.equal(hello.pid, kid);
		assert.equal(hello.ppid, a.pid);
		assert.equal(s.handles.TCPServerWrap, undefined, 'the http server is the primary\'s: ' + JSON.stringify(s.handles));
		const p = await helloAndSample(a.sock);
		assert.equal(p.hello.pid, a.pid);
		assert.equal(p.s.handles.TCPServerWrap, 1, JSON.stringify(p.s.handles));
		a.child.kill('SIGTERM');
		await a.exited;
	});
});
