'use strict';
/*
 * vitals-probe.js — the in-process half of vitals (protocol v1, doc/PROTOCOL.md).
 *
 * One CommonJS file, no dependencies, Node >= 18. It listens on a Unix socket
 * <dir>/<pid>.sock (mode 0600, in a 0700 directory owned by the user) and
 * sends each connected dashboard a `hello`, then `sample`s at that
 * connection's rate, `warning`s, and the results of a fixed set of commands
 * (hz, heap_snapshot, cpu_profile, report, gc, cancel, detach). Nothing sent to it is
 * ever evaluated, and no command names a path.
 *
 * Loading contract:
 *  - `node --require vitals-probe.js app.js` (or NODE_OPTIONS="--require ...")
 *    starts it on load with default options.
 *  - Injection through the inspector sets `globalThis.__vitalsProbeNoAutostart
 *    = true`, then evaluates this file's text wrapped as
 *      (function (require, module, exports) { <text> ;
 *         return module.exports.start({ sockDir: "<dir>", closeInspector: bool }); })
 *      (require, {exports:{}}, undefined)
 *    where `require` may be the inspector's command-line require or
 *    process.getBuiltinModule. So this file only ever requires builtins (all
 *    of them at load, because the command-line require lives only while the
 *    evaluation runs), never touches `exports`, never uses import(), and
 *    works in sloppy mode too (a statement put ahead of the text, as
 *    collectors/inspector.c does, ends the 'use strict' prologue).
 *  - start(opts) -> a plain JSON-able state {active, sock, pid, reason,
 *    already}. It is idempotent per process: an active probe is kept in
 *    globalThis[Symbol.for('vitals.probe')] and a second load or start()
 *    returns its state and does nothing else. opts.sockDir overrides the
 *    socket directory rule; opts.closeInspector closes the inspector ~50 ms
 *    later (after the reply to the injecting evaluate has gone out) — only
 *    when asked, because someone else may be debugging.
 *  - The returned `reason` says why the probe is inactive (null when active):
 *    a refused directory, 'not the main thread' (worker threads share the
 *    pid; the main thread's probe covers the process), 'detached', ...
 *
 * Invariants: nothing here may throw into the host application (every
 * callback is wrapped, socket errors are swallowed) or keep it alive (the
 * server, sockets and timers are unref()ed). With no dashboard connected the
 * probe costs nothing but the idle server: the GC observer, the event-loop
 * delay histograms and the sample timers exist only per connection. The
 * probe never emits process warnings of its own (the dashboard alerts on
 * them); a failure to start is recorded in the returned state instead.
 * One capture (heap_snapshot, cpu_profile, report) runs at a time per
 * process (st.capture); results are streamed as chunks with the socket's
 * backpressure respected, and a dashboard that drops mid-capture cancels it.
 */

const VERSION = 1;
const KEY = Symbol.for('vitals.probe');
const CMDS = ['hz', 'heap_snapshot', 'cpu_profile', 'report', 'gc', 'cancel', 'detach'];
const MAX_IN_LINE = 4096;          /* dashboard -> probe line limit, bytes */
const CHUNK_CHARS = 65536;         /* characters of result text per chunk */
const MAX_GC_PER_SAMPLE = 1000;
const MAX_CONNS = 32;
const MAX_BACKLOG = 8 * 1024 * 1024; /* a dashboard this far behind is dropped */
const PROGRESS_EVERY = 1024 * 1024;
const LAG_RES_MS = 10;
const GC_FORCED = 4;
const GC_MAJOR = 4;

/* All builtins now: a captured command-line require may not work later. */
let fs, net, path, v8, perf, wt, inspector;
try {
	fs = require('fs');
	net = require('net');
	path = require('path');
	v8 = require('v8');
	perf = require('perf_hooks');
	wt = require('worker_threads');
} catch (e) {
	fs = null;
}
try { inspector = require('inspector'); } catch (e) { inspector = null; }

function noop() {}

/* Calls fn, swallowing anything it throws: the host app must never see it. */
function guard(fn) {
	return function guarded() {
		try {
			return fn.apply(this, arguments);
		} catch (e) {
			return undefined;
		}
	};
}

function round3(x) {
	return Math.round(x * 1000) / 1000;
}

/* The protocol's directory rule, the same as core/paths.c. */
function sockDirFor(opts) {
	if (opts.sockDir) return String(opts.sockDir);
	const env = process.env;
	if (env.VITALS_SOCK_DIR) return env.VITALS_SOCK_DIR;
	if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'vitals');
	return '/tmp/vitals-' + process.getuid();
}

/* Creates the directory 0700 if missing; returns null when it is usable, else
 * why not. A directory someone else owns or others can enter is refused. */
function checkDir(dir) {
	try {
		fs.mkdirSync(dir, { mode: 0o700 });
	} catch (e) {
		if (e.code !== 'EEXIST') return 'cannot create ' + dir + ': ' + e.code;
	}
	let st;
	try {
		st = fs.lstatSync(dir);
	} catch (e) {
		return 'cannot stat ' + dir + ': ' + e.code;
	}
	if (!st.isDirectory()) return dir + ' is not a directory';
	if (st.uid !== process.getuid()) return dir + ' is not owned by uid ' + process.getuid();
	if (st.mode & 0o077) return dir + ' has mode 0' + (st.mode & 0o777).toString(8) + ', want 0700';
	return null;
}

/* Is the app an ES module? Decided like Node does for the entry point: by
 * extension, else the nearest package.json "type". */
function detectEsm() {
	try {
		const xa = process.execArgv;
		if (xa.some((a) => /^--(experimental-)?default-type=module$/.test(a))) return true;
		if (xa.some((a) => /^(-e|--eval|-p|--print)$/.test(a)))
			return xa.includes('--input-type=module');
		const main = process.argv[1];
		if (!main) return false;
		if (/\.mjs$/.test(main)) return true;
		if (/\.cjs$/.test(main)) return false;
		let dir = path.dirname(path.resolve(main));
		for (;;) {
			let text = null;
			try {
				text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
			} catch (e) {
				text = null;
			}
			if (text !== null) {
				try {
					return JSON.parse(text).type === 'module';
				} catch (e) {
					return false;
				}
			}
			const up = path.dirname(dir);
			if (up === dir) return false;
			dir = up;
		}
	} catch (e) {
		return false;
	}
}

/* ---- the probe state (one per process) ---------------------------------- */

function publicState(st, already) {
	return { active: st.active, sock: st.sock, pid: process.pid, reason: st.reason, already: !!already };
}

function newState() {
	return {
		active: false,
		sock: null,
		reason: null,
		server: null,
		conns: new Set(),
		capture: null,        /* the running heap_snapshot/cpu_profile/report */
		gcObserver: null,
		forcing: [],          /* {t0, t1} windows of the last probe-forced GCs */
		esm: null,
		startedMs: null,
		onExit: null,
		onWarning: null,
	};
}

/* ---- writing ------------------------------------------------------------ */

/* Writes one message line; returns false when the socket wants a drain. */
function send(conn, obj) {
	if (conn.closed) return true;
	if (conn.sock.writableLength > MAX_BACKLOG) {
		/* A dashboard that stopped reading must not grow our memory. */
		conn.sock.destroy();
		return true;
	}
	return conn.sock.write(JSON.stringify(obj) + '\n');
}

function sendError(conn, id, code, message) {
	send(conn, { t: 'error', id: id, code: code, message: message });
}

/* Cuts text into chunk messages of at most CHUNK_CHARS characters, never
 * between the halves of a surrogate pair. Returns the characters still
 * pending (a tail shorter than a chunk unless `final`) and reports whether the
 * socket asked for a drain. */
function emitChunks(conn, id, text, final, acc) {
	let off = 0;
	let ok = true;
	while (text.length - off >= CHUNK_CHARS || (final && off < text.length)) {
		let end = Math.min(off + CHUNK_CHARS, text.length);
		if (end < text.length) {
			const c = text.charCodeAt(end - 1);
			if (c >= 0xd800 && c <= 0xdbff) end--;
		}
		const piece = text.slice(off, end);
		acc.bytes += piece.length;
		if (!send(conn, { t: 'chunk', id: id, data: piece })) ok = false;
		off = end;
	}
	acc.drain = !ok;
	return text.slice(off);
}

/* Sends a whole string as chunks, respecting backpressure, then calls
 * done(bytes) — or done(-1) if the connection went away or stopped()
 * says the capture was cancelled. */
function sendText(conn, id, text, done, stopped) {
	let off = 0;
	const acc = { bytes: 0, drain: false };
	const step = guard(function () {
		while (off < text.length) {
			if (conn.closed || stopped()) return done(-1);
			let end = Math.min(off + CHUNK_CHARS, text.length);
			if (end < text.length) {
				const c = text.charCodeAt(end - 1);
				if (c >= 0xd800 && c <= 0xdbff) end--;
			}
			emitChunks(conn, id, text.slice(off, end), true, acc);
			off = end;
			if (acc.drain) {
				conn.waitDrain(step);
				return undefined;
			}
		}
		return done(conn.closed ? -1 : acc.bytes);
	});
	step();
}

/* ---- sampling ----------------------------------------------------------- */

/* Active handles and requests by type, as the app has them. The probe's own
 * server, connections and timers are unref()ed, which keeps them out of
 * getActiveResourcesInfo(); what remains of ours is the one write request a
 * connection has in flight while the dashboard lags behind (e.g. streaming a
 * snapshot), and that is taken off. */
function countHandles(conns) {
	const out = {};
	const list = process.getActiveResourcesInfo();
	for (let i = 0; i < list.length; i++) {
		const k = list[i];
		out[k] = (out[k] || 0) + 1;
	}
	if (conns) {
		let ours = 0;
		for (const c of conns) if (c.sock.writableLength > 0) ours++;
		for (const k of ['SimpleWriteWrap', 'WriteWrap']) {
			const n = Math.min(ours, out[k] || 0);
			ours -= n;
			if (out[k] === n) delete out[k];
			else if (n) out[k] -= n;
		}
	}
	return out;
}

/* Nearest-rank percentile (the ceil(q% * n)-th smallest value). The
 * histogram's own percentile() rounds the rank to nearest, so with the ~80
 * loop turns a second a 10 ms timer sees under load, a 200 ms stall every
 * second (1.25% of turns) would never reach p99; asking it for the percentile
 * that lands exactly on the nearest rank fixes that. */
function rankPct(h, n, q) {
	const r = Math.max(1, Math.ceil((q / 100) * n - 1e-9));
	return h.percentile(Math.min(100, (100 * r) / n));
}

function lagOf(h) {
	const n = h.count;
	if (!n) return { min: 0, p50: 0, p99: 0, max: 0, n: 0 };
	const ms = (ns) => round3(Math.max(0, ns / 1e6 - LAG_RES_MS));
	return { min: ms(h.min), p50: ms(rankPct(h, n, 50)), p99: ms(rankPct(h, n, 99)),
		max: ms(h.max), n: n };	/* no mean: h.mean walks every bucket, ~200 µs a call */
}

/* Builds one sample for a connection and resets its interval state. Exposed
 * as module.exports._sample for the cost benchmark. */
function buildSample(conn) {
	const now = perf.performance.now();
	const mem = process.memoryUsage();
	const hs = v8.getHeapStatistics();
	const sp = v8.getHeapSpaceStatistics();
	const spaces = new Array(sp.length);
	for (let i = 0; i < sp.length; i++) {
		const s = sp[i];
		spaces[i] = { name: s.space_name, size: s.space_size, used: s.space_used_size,
			avail: s.space_available_size, physical: s.physical_space_size };
	}
	const lag = lagOf(conn.eld);
	conn.eld.reset();
	const elu = perf.performance.eventLoopUtilization();
	const eluDelta = perf.performance.eventLoopUtilization(elu, conn.elu).utilization;
	conn.elu = elu;
	const gc = conn.gc;
	const dropped = conn.gcDropped;
	conn.gc = [];
	conn.gcDropped = 0;
	const interval = now - conn.last;
	conn.last = now;
	return {
		t: 'sample', ts: Date.now(), seq: ++conn.seq, interval_ms: Math.round(interval),
		mem: { rss: mem.rss, heapTotal: mem.heapTotal, heapUsed: mem.heapUsed,
			external: mem.external, arrayBuffers: mem.arrayBuffers },
		heap: { limit: hs.heap_size_limit, total: hs.total_heap_size, used: hs.used_heap_size,
			physical: hs.total_physical_size, malloced: hs.malloced_memory,
			native_contexts: hs.number_of_native_contexts,
			detached_contexts: hs.number_of_detached_contexts },
		spaces: spaces,
		lag: lag,
		elu: round3(eluDelta || 0),
		handles: countHandles(conn.all),
		gc: gc, gc_dropped: dropped,
		cpu: process.cpuUsage(),
	};
}

function setRate(conn, hz) {
	conn.hz = hz;
	if (conn.timer) clearInterval(conn.timer);
	conn.timer = setInterval(guard(function () {
		if (conn.closed) return;
		let sample;
		try {
			sample = buildSample(conn);
		} catch (e) {
			/* Say so once rather than go quiet without a word. */
			if (!conn.sampleFailed) sendError(conn, null, 'EFAIL', 'sample: ' + failMsg(e));
			conn.sampleFailed = true;
			return;
		}
		send(conn, sample);
	}), Math.round(1000 / hz));
	conn.timer.unref();
}

/* One GC observer for all connections, alive only while someone listens. */
function gcStart(st) {
	if (st.gcObserver) return;
	const obs = new perf.PerformanceObserver(guard(function (list) {
		const entries = list.getEntries();
		const origin = perf.performance.timeOrigin;
		for (let i = 0; i < entries.length; i++) {
			const e = entries[i];
			const d = e.detail || {};
			let flags = d.flags | 0;
			const kind = d.kind | 0;
			/* HeapProfiler.collectGarbage reports flags 0 on Node 20: mark the
			 * major GCs that started inside our forced window ourselves. */
			if (kind === GC_MAJOR) {
				for (const f of st.forcing) {
					if (e.startTime >= f.t0 && (f.t1 === 0 || e.startTime <= f.t1))
						flags |= GC_FORCED;
				}
			}
			const ev = { ts: round3(origin + e.startTime), kind: kind, dur: round3(e.duration), flags: flags };
			for (const c of st.conns) {
				if (c.gc.length < MAX_GC_PER_SAMPLE) c.gc.push(ev);
				else c.gcDropped++;
			}
		}
	}));
	obs.observe({ entryTypes: ['gc'] });
	st.gcObserver = obs;
}

function gcStop(st) {
	if (st.gcObserver && st.conns.size === 0) {
		st.gcObserver.disconnect();
		st.gcObserver = null;
	}
}

/* ---- commands ----------------------------------------------------------- */

function replyOk(conn, id, cmd, extra) {
	const r = { t: 'reply', id: id, ok: true, cmd: cmd };
	if (extra) for (const k of Object.keys(extra)) r[k] = extra[k];
	send(conn, r);
}

/* Disconnecting an inspector session from inside one of its callbacks
 * deadlocks the thread (seen with HeapProfiler.collectGarbage on Node 20), so
 * it is always done from a later turn. */
function closeSession(session) {
	if (!session) return;
	setImmediate(guard(function () { session.disconnect(); }));
}

function failMsg(e) {
	return String((e && e.message) || e).slice(0, 500);
}

function beginCapture(st, conn, id, kind) {
	if (st.capture) {
		sendError(conn, id, 'EBUSY', 'a ' + st.capture.kind.replace('_', ' ') + ' is already running');
		return null;
	}
	const cap = { kind: kind, conn: conn, id: id, cancel: null };
	cap.cancel = function () { endCapture(st, cap); };
	st.capture = cap;
	return cap;
}

function endCapture(st, cap) {
	if (st.capture === cap) st.capture = null;
}

function cmdHeapSnapshot(st, conn, id) {
	const cap = beginCapture(st, conn, id, 'heap_snapshot');
	if (!cap) return;
	send(conn, { t: 'progress', id: id, phase: 'snapshot', done: 0 });
	/* The snapshot freezes the loop: let the progress line go out first. */
	setImmediate(guard(function () {
		if (conn.closed) return endCapture(st, cap);
		let stream;
		try {
			stream = v8.getHeapSnapshot();
		} catch (e) {
			endCapture(st, cap);
			return sendError(conn, id, 'EFAIL', 'getHeapSnapshot: ' + failMsg(e));
		}
		stream.setEncoding('utf8');
		const acc = { bytes: 0, drain: false };
		let pending = '';
		let nextProgress = PROGRESS_EVERY;
		let finished = false;
		const finish = function (err) {
			if (finished) return;
			finished = true;
			endCapture(st, cap);
			if (err) sendError(conn, id, 'EFAIL', 'heap snapshot: ' + failMsg(err));
		};
		cap.cancel = function () {
			finish(null);
			stream.destroy();
		};
		stream.on('data', guard(function (s) {
			pending = emitChunks(conn, id, pending + s, false, acc);
			if (acc.bytes >= nextProgress) {
				send(conn, { t: 'progress', id: id, phase: 'snapshot', done: acc.bytes });
				nextProgress = acc.bytes + PROGRESS_EVERY;
			}
			if (acc.drain && !conn.closed) {
				stream.pause();
				conn.waitDrain(function () { stream.resume(); });
			}
		}));
		stream.on('end', guard(function () {
			if (finished) return;
			emitChunks(conn, id, pending, true, acc);
			pending = '';
			finish(null);
			replyOk(conn, id, 'heap_snapshot', { bytes: acc.bytes });
		}));
		stream.on('error', guard(function (e) { finish(e); }));
	}));
}

function cmdCpuProfile(st, conn, id, msg) {
	const secs = msg.seconds;
	if (!Number.isInteger(secs) || secs < 1 || secs > 300)
		return sendError(conn, id, 'EINVAL', 'seconds must be an integer 1..300');
	if (!inspector) return sendError(conn, id, 'EFAIL', 'the inspector module is not available');
	const cap = beginCapture(st, conn, id, 'cpu_profile');
	if (!cap) return;
	let session;
	let timer = null;
	let tick = null;
	let done = false;
	const cleanup = function () {
		done = true;
		if (timer) clearTimeout(timer);
		if (tick) clearInterval(tick);
		closeSession(session);
		session = null;
		endCapture(st, cap);
	};
	const fail = function (what, e) {
		if (done) return;
		cleanup();
		sendError(conn, id, 'EFAIL', what + ': ' + failMsg(e));
	};
	cap.cancel = cleanup;
	try {
		session = new inspector.Session();
		session.connect();
	} catch (e) {
		return fail('inspector session', e);
	}
	session.post('Profiler.enable', guard(function (err) {
		if (done) return undefined;
		if (err) return fail('Profiler.enable', err);
		return session.post('Profiler.start', guard(function (err2) {
			if (done) return undefined;
			if (err2) return fail('Profiler.start', err2);
			const t0 = Date.now();
			send(conn, { t: 'progress', id: id, phase: 'profile', done: 0 });
			tick = setInterval(guard(function () {
				send(conn, { t: 'progress', id: id, phase: 'profile', done: Math.round((Date.now() - t0) / 1000) });
			}), 1000);
			tick.unref();
			timer = setTimeout(guard(function () {
				timer = null;
				clearInterval(tick);
				tick = null;
				session.post('Profiler.stop', guard(function (err3, res) {
					if (done) return undefined;
					if (err3) return fail('Profiler.stop', err3);
					let text;
					try {
						text = JSON.stringify(res.profile);
					} catch (e) {
						return fail('profile', e);
					}
					try { session.post('Profiler.disable'); } catch (e) { /* ignore */ }
					cap.cancel = function () { done = true; endCapture(st, cap); };
					return sendText(conn, id, text, function (bytes) {
						cleanup();
						if (bytes >= 0) replyOk(conn, id, 'cpu_profile', { bytes: bytes });
					}, function () { return done; });
				}));
			}), secs * 1000);
			timer.unref();
			return undefined;
		}));
	}));
}

function cmdReport(st, conn, id) {
	const cap = beginCapture(st, conn, id, 'report');
	if (!cap) return;
	let text;
	try {
		const r = process.report.getReport();
		text = typeof r === 'string' ? r : JSON.stringify(r);
	} catch (e) {
		endCapture(st, cap);
		return sendError(conn, id, 'EFAIL', 'report: ' + failMsg(e));
	}
	let done = false;
	cap.cancel = function () { done = true; endCapture(st, cap); };
	sendText(conn, id, text, function (bytes) {
		if (done) return;
		endCapture(st, cap);
		if (bytes >= 0) replyOk(conn, id, 'report', { bytes: bytes });
	}, function () { return done; });
}

function cmdGc(st, conn, id) {
	if (!inspector) return sendError(conn, id, 'EFAIL', 'the inspector module is not available');
	let session;
	try {
		session = new inspector.Session();
		session.connect();
	} catch (e) {
		return sendError(conn, id, 'EFAIL', 'inspector session: ' + failMsg(e));
	}
	const win = { t0: perf.performance.now(), t1: 0 };
	st.forcing.push(win);
	if (st.forcing.length > 4) st.forcing.shift();
	session.post('HeapProfiler.collectGarbage', guard(function (err) {
		win.t1 = perf.performance.now();
		closeSession(session);
		/* The GC entries are delivered a little later; the window stays. */
		if (err) return sendError(conn, id, 'EFAIL', 'collectGarbage: ' + failMsg(err));
		return replyOk(conn, id, 'gc');
	}));
}

/* Stops this connection's capture `target` (a dashboard that could not
 * write it, or gave up waiting): it ends with ECANCELED, then the reply
 * says whether there was one to stop. */
function cmdCancel(st, conn, id, msg) {
	if (!Number.isSafeInteger(msg.target) || msg.target < 1)
		return sendError(conn, id, 'EINVAL', '"target" must be the id of a command');
	const cap = st.capture;
	const hit = !!cap && cap.conn === conn && cap.id === msg.target;
	if (hit) {
		cap.cancel();
		sendError(conn, cap.id, 'ECANCELED', cap.kind.replace('_', ' ') + ' cancelled');
	}
	return replyOk(conn, id, 'cancel', { cancelled: hit });
}

function cmdDetach(st, conn, id) {
	replyOk(conn, id, 'detach');
	stop(st);
}

function handleLine(st, conn, line) {
	if (line.length === 0) return;
	let msg;
	try {
		msg = JSON.parse(line);
	} catch (e) {
		return sendError(conn, null, 'EPARSE', 'not JSON: ' + failMsg(e));
	}
	if (msg === null || typeof msg !== 'object' || Array.isArray(msg))
		return sendError(conn, null, 'EPARSE', 'a command must be a JSON object');
	const id = msg.id;
	if (!Number.isSafeInteger(id) || id < 1)
		return sendError(conn, null, 'EINVAL', '"id" must be a positive integer');
	if (typeof msg.cmd !== 'string')
		return sendError(conn, id, 'EINVAL', '"cmd" must be a string');
	try {
		return dispatch(st, conn, id, msg);
	} catch (e) {
		/* A runtime that threw mid-command must not leave the capture slot
		 * taken (every later capture would be EBUSY). */
		if (st.capture && st.capture.conn === conn && st.capture.id === id) st.capture.cancel();
		return sendError(conn, id, 'EFAIL', msg.cmd + ': ' + failMsg(e));
	}
}

function dispatch(st, conn, id, msg) {
	switch (msg.cmd) {
	case 'hz':
		if (!Number.isInteger(msg.hz) || msg.hz < 1 || msg.hz > 20)
			return sendError(conn, id, 'EINVAL', 'hz must be an integer 1..20');
		setRate(conn, msg.hz);
		return replyOk(conn, id, 'hz', { hz: msg.hz });
	case 'heap_snapshot': return cmdHeapSnapshot(st, conn, id);
	case 'cpu_profile': return cmdCpuProfile(st, conn, id, msg);
	case 'report': return cmdReport(st, conn, id);
	case 'gc': return cmdGc(st, conn, id);
	case 'cancel': return cmdCancel(st, conn, id, msg);
	case 'detach': return cmdDetach(st, conn, id);
	default:
		return sendError(conn, id, 'EUNKNOWN', 'unknown command "' + msg.cmd.slice(0, 64) + '"');
	}
}

/* Splits input into lines of at most MAX_IN_LINE bytes. */
function onData(st, conn, data) {
	let start = 0;
	for (;;) {
		const nl = data.indexOf(10, start);
		if (nl < 0) break;
		if (conn.discard) {
			conn.discard = false;
		} else if (conn.inLen + (nl - start) > MAX_IN_LINE) {
			sendError(conn, null, 'ETOOLONG', 'line longer than ' + MAX_IN_LINE + ' bytes');
		} else {
			const part = data.subarray(start, nl);
			const buf = conn.inLen ? Buffer.concat(conn.inBuf.concat([part])) : part;
			let line = buf.toString('utf8');
			if (line.endsWith('\r')) line = line.slice(0, -1);
			handleLine(st, conn, line);
		}
		conn.inBuf = [];
		conn.inLen = 0;
		start = nl + 1;
		if (conn.closed || !st.active) return;
	}
	if (start < data.length && !conn.discard) {
		const rest = data.subarray(start);
		if (conn.inLen + rest.length > MAX_IN_LINE) {
			sendError(conn, null, 'ETOOLONG', 'line longer than ' + MAX_IN_LINE + ' bytes');
			conn.discard = true;
			conn.inBuf = [];
			conn.inLen = 0;
		} else {
			conn.inBuf.push(Buffer.from(rest));
			conn.inLen += rest.length;
		}
	}
}

/* ---- connections -------------------------------------------------------- */

function onConnection(st, sock) {
	sock.unref();
	sock.on('error', noop);
	if (!st.active || st.conns.size >= MAX_CONNS) {
		sock.destroy();
		return;
	}
	const conn = {
		sock: sock, all: st.conns, closed: false, hz: 1, timer: null, seq: 0,
		last: perf.performance.now(), eld: null, elu: perf.performance.eventLoopUtilization(),
		gc: [], gcDropped: 0, inBuf: [], inLen: 0, discard: false, drainWaiters: [], sampleFailed: false,
		waitDrain: null,
	};
	conn.waitDrain = function (fn) {
		conn.drainWaiters.push(fn);
	};
	sock.on('drain', guard(function () {
		const w = conn.drainWaiters;
		conn.drainWaiters = [];
		for (const fn of w) fn();
	}));
	conn.eld = perf.monitorEventLoopDelay({ resolution: LAG_RES_MS });
	conn.eld.enable();
	st.conns.add(conn);
	gcStart(st);
	const close = guard(function () {
		if (conn.closed) return;
		conn.closed = true;
		if (conn.timer) clearInterval(conn.timer);
		conn.timer = null;
		conn.eld.disable();
		st.conns.delete(conn);
		gcStop(st);
		if (st.capture && st.capture.conn === conn) st.capture.cancel();
		const w = conn.drainWaiters;
		conn.drainWaiters = [];
		for (const fn of w) fn();
	});
	sock.on('close', close);
	sock.on('end', guard(function () { sock.end(); }));
	sock.on('data', guard(function (d) { onData(st, conn, d); }));
	if (st.esm === null) st.esm = detectEsm();
	/* Once, so that every connection sees the same start time. */
	if (st.startedMs === null) st.startedMs = Math.round(Date.now() - process.uptime() * 1000);
	send(conn, {
		t: 'hello', v: VERSION, pid: process.pid, ppid: process.ppid,
		node: process.version, v8: process.versions.v8, platform: process.platform,
		argv: process.argv, esm: st.esm, hz: conn.hz,
		started_ms: st.startedMs,
		heap_limit: v8.getHeapStatistics().heap_size_limit, cmds: CMDS,
	});
	setRate(conn, conn.hz);
}

/* ---- start / stop ------------------------------------------------------- */

function removeSock(st) {
	if (!st.sock) return;
	try {
		fs.unlinkSync(st.sock);
	} catch (e) { /* already gone */ }
}

/* Detach: every connection ends (after what was written), the server closes,
 * the socket goes, and a later start() may begin again. */
function stop(st) {
	if (!st.active) return;
	st.active = false;
	st.reason = 'detached';
	if (st.capture) st.capture.cancel();
	for (const c of Array.from(st.conns)) {
		try { c.sock.end(); } catch (e) { /* ignore */ }
	}
	try { st.server.close(); } catch (e) { /* ignore */ }
	removeSock(st);
	if (st.onExit) process.removeListener('exit', st.onExit);
	if (st.onWarning) process.removeListener('warning', st.onWarning);
	st.onExit = st.onWarning = null;
	if (globalThis[KEY] === st) delete globalThis[KEY];
}

/* Later, so the reply to the evaluate that injected us goes out first. */
function closeInspectorSoon() {
	if (inspector) setTimeout(guard(function () { inspector.close(); }), 50).unref();
}

function startInner(opts) {
	const prev = globalThis[KEY];
	if (prev && prev.active) {
		/* Already running (say --require'd): the inspector the injector
		 * opened still wants closing. */
		if (opts.closeInspector) closeInspectorSoon();
		return publicState(prev, true);
	}
	const st = newState();
	if (!fs) {
		st.reason = 'builtin modules unavailable';
		return publicState(st, false);
	}
	if (wt && !wt.isMainThread) {
		/* Worker threads share the pid (and so the socket path) with the
		 * main thread, whose probe covers the process. */
		st.reason = 'not the main thread';
		return publicState(st, false);
	}
	const dir = sockDirFor(opts);
	const bad = checkDir(dir);
	if (bad) {
		st.reason = bad;
		return publicState(st, false);
	}
	const sock = path.join(dir, process.pid + '.sock');
	/* The socket is bound and listening under a temporary name, made 0600,
	 * then renamed into place: whoever sees <pid>.sock can connect at once
	 * and never sees it with the umask's mode. (No process-wide umask
	 * change: it would race with the app's own file creation on the
	 * threadpool.) The rename also replaces a stale socket of a dead process
	 * that had our pid. */
	const tmp = path.join(dir, process.pid + '.tmp');
	try { fs.unlinkSync(tmp); } catch (e) { /* none */ }
	const server = net.createServer();
	server.on('error', guard(function (e) {
		const why = 'listen ' + sock + ': ' + e.code;
		stop(st);
		st.reason = why;
	}));
	server.on('connection', guard(function (s) { onConnection(st, s); }));
	/* exclusive: a cluster worker must not hand its listen to the primary.
	 * For a path, bind() and listen() happen synchronously in here. */
	server.listen({ path: tmp, exclusive: true });
	server.unref();
	try {
		fs.chmodSync(tmp, 0o600);
		fs.renameSync(tmp, sock);
	} catch (e) {
		try { server.close(); } catch (e2) { /* ignore */ }
		try { fs.unlinkSync(tmp); } catch (e2) { /* ignore */ }
		st.reason = 'cannot set up ' + sock + ': ' + (e.code || failMsg(e));
		return publicState(st, false);
	}
	st.server = server;
	st.sock = sock;
	st.active = true;
	st.onExit = guard(function () { removeSock(st); });
	process.on('exit', st.onExit);
	st.onWarning = guard(function (w) {
		const msg = { t: 'warning', ts: Date.now(), name: String((w && w.name) || 'Warning'),
			message: String((w && w.message) || ''), code: (w && w.code) || null };
		for (const c of st.conns) send(c, msg);
	});
	process.on('warning', st.onWarning);
	globalThis[KEY] = st;
	if (opts.closeInspector) closeInspectorSoon();
	return publicState(st, false);
}

function start(opts) {
	try {
		return startInner(opts && typeof opts === 'object' ? opts : {});
	} catch (e) {
		return { active: false, sock: null, pid: process.pid, reason: 'start failed: ' + failMsg(e), already: false };
	}
}

/* For the cost benchmark (bench/probe_cost.sh): builds samples on a
 * stand-alone connection state. With keepLag the loop-delay histogram is not
 * reset, so that a timed loop of samples keeps paying for the percentile
 * walks over a populated histogram, as a real 1 Hz sample does. */
function benchSampler(keepLag) {
	const eld = perf.monitorEventLoopDelay({ resolution: LAG_RES_MS });
	eld.enable();
	const conn = { seq: 0, last: perf.performance.now(), elu: perf.performance.eventLoopUtilization(),
		gc: [], gcDropped: 0, eld: keepLag ? Object.create(eld, { reset: { value: noop } }) : eld };
	return {
		lagCount: function () { return eld.count; },
		sample: function () { return JSON.stringify(buildSample(conn)); },
		close: function () { eld.disable(); },
	};
}

module.exports = { start: start, version: VERSION, _benchSampler: benchSampler };

if (!globalThis.__vitalsProbeNoAutostart) start({});
