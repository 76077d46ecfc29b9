'use strict';
// Shared helpers of the probe tests: real node children with the probe, a
// line client for its socket, and polling with timeouts (never fixed sleeps
// that assume a fast machine). Every child and socket dir is cleaned up.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const NODE = process.env.NODE || process.execPath;
const PROBE = path.resolve(__dirname, '..', 'vitals-probe.js');
const FIXTURES = path.resolve(__dirname, '..', '..', 'tests', 'fixtures');

const children = new Set();
const dirs = new Set();
process.on('exit', () => {
	for (const c of children) try { c.kill('SIGKILL'); } catch (e) { /* gone */ }
	for (const d of dirs) try { fs.rmSync(d, { recursive: true, force: true }); } catch (e) { /* gone */ }
});

/** A fresh private socket dir (0700) for one test. */
function sockDir() {
	const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vitals-ptest-'));
	fs.chmodSync(d, 0o700);
	dirs.add(d);
	return d;
}

function delay(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

/** Polls fn until it returns a truthy value or `ms` pass.  The defaults
 * below are 30 s: bounds for a machine at load 100, where node took over
 * 10 s to start; a test that measures time passes its own. */
async function until(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error('timed out waiting for ' + (what || 'condition'));
		await delay(25);
	}
}

/**
 * Starts `node ARGS` with VITALS_SOCK_DIR=dir; returns {child, pid, dir,
 * sock, lines(): stdout JSON lines so far, nextLine(pred, ms), send(text),
 * exited: Promise<{code, signal}>}.
 */
function start(args, opts) {
	opts = opts || {};
	const dir = opts.dir || sockDir();
	const env = Object.assign({}, process.env, { VITALS_SOCK_DIR: dir }, opts.env || {});
	if (!opts.env || !('NODE_OPTIONS' in opts.env)) delete env.NODE_OPTIONS;
	const child = spawn(NODE, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
	children.add(child);
	const out = [];
	let buf = '';
	let err = '';
	child.stdout.setEncoding('utf8');
	child.stdout.on('data', (d) => {
		buf += d;
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			const l = buf.slice(0, i);
			buf = buf.slice(i + 1);
			try { out.push(JSON.parse(l)); } catch (e) { out.push({ raw: l }); }
		}
	});
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (d) => { err += d; });
	child.stdin.on('error', () => {});
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
		children.delete(child);
		resolve({ code, signal });
	}));
	const h = {
		child, pid: child.pid, dir, sock: path.join(dir, child.pid + '.sock'), exited,
		stderr: () => err,
		lines: () => out,
		send: (t) => child.stdin.write(t + '\n'),
		nextLine: (pred, ms) => {
			const from = out.length;
			return until(() => out.slice(from).find(pred), ms || 30000, 'child output');
		},
		line: (pred, ms) => until(() => out.find(pred), ms || 30000, 'child output'),
		/* 30 s: node itself took over 10 s to start at load 117 on 2 CPUs */
		waitSock: (ms) => until(() => fs.existsSync(h.sock), ms || 30000, 'socket ' + h.sock),
		kill: () => { try { child.kill('SIGKILL'); } catch (e) { /* gone */ } return exited; },
	};
	return h;
}

/** Starts a fixture app with the probe --require'd and waits for its socket. */
async function startApp(modes, opts) {
	const h = start(['--require', PROBE, path.join(FIXTURES, 'probe_app.js')].concat(modes || []), opts);
	await h.waitSock();
	return h;
}

/** A line client of a probe socket: msgs[], wait(pred, ms), send(obj|string). */
function connect(sockPath) {
	return new Promise((resolve, reject) => {
		const s = net.connect(sockPath);
		const c = { sock: s, msgs: [], bad: [], closed: false };
		let buf = '';
		s.setEncoding('utf8');
		s.on('data', (d) => {
			buf += d;
			let i;
			while ((i = buf.indexOf('\n')) >= 0) {
				const l = buf.slice(0, i);
				buf = buf.slice(i + 1);
				try { c.msgs.push(JSON.parse(l)); } catch (e) { c.bad.push(l); }
			}
		});
		s.on('close', () => { c.closed = true; });
		s.on('error', (e) => { if (!c.connected) reject(e); });
		s.on('connect', () => { c.connected = true; resolve(c); });
		c.send = (m) => s.write((typeof m === 'string' ? m : JSON.stringify(m)) + '\n');
		/** Waits for a message (after index `from`, default 0) matching pred. */
		c.wait = (pred, ms, from) => until(() => c.msgs.slice(from || 0).find(pred), ms || 30000, 'probe message');
		c.samples = () => c.msgs.filter((m) => m.t === 'sample');
		c.close = () => s.destroy();
		/** Sends a command and waits for its reply or error. */
		c.cmd = async (m, ms) => {
			c.send(m);
			return c.wait((x) => (x.t === 'reply' || x.t === 'error') && x.id === m.id, ms || 15000);
		};
		/** Concatenated chunk data of command `id`. */
		c.chunks = (id) => c.msgs.filter((x) => x.t === 'chunk' && x.id === id).map((x) => x.data).join('');
	});
}

/* A test file's app starter: every app it starts is killed when the file's
 * tests are over (pass node:test's `after`). */
function appPool(after) {
	const apps = [];
	after(() => Promise.all(apps.map((a) => a.kill())));
	return async function app(modes) {
		const a = await startApp(modes);
		apps.push(a);
		return a;
	};
}

/* Time the main thread of pid has spent runnable but waiting for a CPU
 * (ms), from /proc/PID/task/PID/schedstat; 0 where the kernel has none. */
function runDelayMs(pid) {
	try {
		return Number(fs.readFileSync('/proc/' + pid + '/task/' + pid + '/schedstat', 'utf8').split(' ')[1]) / 1e6;
	} catch (e) {
		return 0;
	}
}

module.exports = { NODE, PROBE, FIXTURES, sockDir, start, startApp, appPool, connect, until, delay, runDelayMs };
