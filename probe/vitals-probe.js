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
 *    socket directory rule; opts.closeInspector closes the inspector at the
 *    first connection to the socket (the injector's, after its session
 *    ended), or 1 s later at the latest (opts.closeInspectorMs, for tests),
 *    and again if a second start of the same SIGUSR1 reopens it — only when
 *    asked, because someone else may be debugging.
 *  - The returned `reason` says why the probe is inactive (null when active):
 *    a refused directory, 'not the main thread' (worker threads share the
 *    pid; the main thread's probe covers the process), 'detached', ...
 *
 * Invariants: nothing here may throw into the host application (every
 * callback is wrapped, socket errors are swallowed) or keep it alive (the
 * server, sockets and timers are unref()ed). With no dashboard connected the
 * probe costs nothing but the idle server: the GC observer and the loop
 * monitor (one timer for every connection's samples and the lag, see below)
 * exist only while a dashboard is connected. The
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
const GC_FORCED = 4;
const GC_MAJOR = 4;

/* All builtins now: a captured command-line require may not work later. */
let fs, net, path, v8, perf, wt, inspector, dc;
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
try { dc = require('diagnostics_channel'); } catch (e) { dc = null; }

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

/* ---- cost accounting (benches only) -------------------------------------
 * With VITALS_PROBE_ACCT=1 in its environment (bench/probe_cost.sh
 * PARTS=acct) the probe's parts are wrapped (acctWrap, at the end of this
 * file) to add up their wall time, inclusive, and every sample carries the
 * sums as `acct`: {part: [calls, ms]}, less the wrapper's own cost per call
 * (measured at load). Without it nothing is wrapped: acct() returns fn. */
const ACCT = (function () {
	try { return process.env.VITALS_PROBE_ACCT === '1' ? { parts: {}, overhead: 0 } : null; } catch (e) { return null; }
})();
function acct(name, fn) {
	if (ACCT === null) return fn;
	const a = ACCT.parts[name] || (ACCT.parts[name] = [0, 0]);
	const clock = perf.performance;
	return function accounted() {
		const t0 = clock.now();
		try {
			return fn.apply(this, arguments);
		} finally {
			a[1] += clock.now() - t0;
			a[0]++;
		}
	};
}

function acctReport() {
	const out = {};
	for (const k of Object.keys(ACCT.parts)) {
		const a = ACCT.parts[k];
		out[k] = [a[0], round3(Math.max(0, a[1] - a[0] * ACCT.overhead))];
	}
	return out;
}

function round3(x) {
	return Math.round(x * 1000) / 1000;
}

/* The protocol's directory rule, the same as base/paths.c. */
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
		connList: [],         /* conns as an array: per request, no Set iterator */
		capture: null,        /* the running heap_snapshot/cpu_profile/report */
		gcObserver: null,
		mon: null,           /* the loop monitor, while someone listens */
		idle: false,         /* some connection's samples are coalesced (idleWake) */
		hunt: null,          /* the culprit profiler, while it runs */
		http: null,          /* diagnostics_channel subscriptions, while someone listens */
		workers: null,       /* the NodeWorker session and the workers it reaches */
		huntAt: 0,           /* perf.now() of its last start */
		huntGap: 0,          /* ms before the next may start (PROFILE_GAP_MS, doubling) */
		forcing: [],          /* {t0, t1} windows of the last probe-forced GCs */
		esm: null,
		startedMs: null,
		onExit: null,
		onWarning: null,
		closeInspector: null, /* closes the injector's inspector; run at the next connection */
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
	return writeLine(conn.sock, JSON.stringify(obj) + '\n');
}

function writeLine(sock, text) {
	return sock.write(text);
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
		if (ours === 0) return out;
		for (const k of ['SimpleWriteWrap', 'WriteWrap']) {
			const n = Math.min(ours, out[k] || 0);
			ours -= n;
			if (out[k] === n) delete out[k];
			else if (n) out[k] -= n;
		}
	}
	return out;
}

/* ---- the loop monitor ---------------------------------------------------
 *
 * Lag is the lateness of the probe's own timer: a tick armed for P ms that
 * runs L ms late saw the loop held up for at least L ms (and a block longer
 * than P always makes some tick late, by at least its length minus P). One
 * timer per process serves every connection: it is due at the next sample of
 * any connection and, while the loop is busy, every FINE_MS as well. So an
 * idle app wakes once per sample and no more (each wake-up of a node process
 * costs ~60 µs of CPU here; monitorEventLoopDelay's 100 a second cost
 * 35× an idle node), while a busy loop is watched at 50 Hz. Busy: the loop
 * was active for BUSY_ELU of the last second (a block of 50 ms or more makes
 * its own second busy), or a tick was BUSY_LATE_MS late while the loop
 * worked — and the process burned CPU meanwhile (process.cpuUsage(): a loop
 * preempted on a loaded machine is late and, mid-JS, "active", but burns
 * nothing; without this check idle apps on a busy host hunted stalls); fine ticks go on for FINE_HOLD_MS after the last busy second, so a
 * loop that blocks every few seconds is watched finely between its blocks.
 * The first block after a quiet spell is seen only where it overlaps a coarse
 * tick; `lag.res_ms` says which resolution a sample's window had.
 *
 * A loop busy every second for SAT_AFTER_MS with no stall (a saturated
 * server) is ticked every SAT_STEP_MS instead, until a second is not busy or
 * a stall comes: a third fewer ticks. A tick P ms apart is late by at least
 * B - P after a block of B ms, and a fine tick counts a block whole (late +
 * its span) once it is BUSY_LATE_MS late: blocks of BUSY_LATE_MS + P or more
 * always show whole, 40 ms at 20, 50 at 30. A 50 ms step would read a 60 ms
 * block as 10 ms of lateness; a lower bar for "whole" would read a 10 ms GC
 * as 60. Lag values are still lateness, so a saturated loop's p99 is
 * measured as before, from 33 values a second instead of 50.
 *
 * Idle, samples are coalesced. Building and sending one costs a cold idle
 * process 0.5-1.5 ms of CPU (measured on a 2-core VM: the build 0.1-0.6 ms,
 * the write 0.1-2 ms), several times its wake-up; one every 5 s still cost
 * an idle app +0.033 % of a core, so a connection at <= 1 Hz whose
 * last QUIET_RUN samples were quiet (see quietSample: loop active < 1 %, lag net of the CPU wait
 * under BUSY_LATE_MS or, a coalesced window's busy time, 1 % of it, no GC, no HTTP, heap used within HEAP_MOVE of the last
 * sample, no workers, capture, profiler or stall) gets one sample every
 * IDLE_EVERY periods, and the timer sleeps until then. Every sample carries
 * `next_ms`, when the next is due at the latest, so the dashboard does not
 * take the gap for a lost probe. The window's lag is still the coarse tick's:
 * its lateness, or the loop's busy time over the window (a block whose
 * second is unknown shows whole, at res_ms = the window), and a window with
 * BUSY_ELU × 1 s of work in it is busy (as a second with that much is), so a
 * 1 s block is in lag max within one coalesced window and the loop is then
 * watched finely again. What wakes the process anyway (a GC, a first HTTP
 * request, a worker coming or going, a capture, an `hz` command) calls
 * idleWake: the next sample is due at the next period of the grid, as at
 * 1 Hz. Heap growth with none of these shows in the next coalesced sample.
 * So a block waits up to IDLE_EVERY s to be reported only when nothing
 * around it woke the probe: one caused by a request has already brought
 * samples back to 1 Hz.
 *
 * A sample is built by the tick that measured the lateness, after recording
 * it, so a block is in the sample whose window [ts - interval_ms, ts] it
 * ended in, and ts is when the probe measured (not when it was sent). */
const FINE_MS = 20;
const SAT_STEP_MS = 30;
const SAT_AFTER_MS = 5000;
const BUSY_ELU = 0.05;
const BUSY_LATE_MS = 20;
const FINE_HOLD_MS = 10000;
const CHECK_MS = 1000;
const MAX_LAG_VALS = 4096;
const SLACK_MS = 5;
/* A block burns CPU for at least 1/BURN_DIV of its length: all of it on a
 * quiet host, a share on one whose cores are oversubscribed (a block of a
 * given duration, as the tests' are, then gets a tenth of a core or more);
 * a preempted idle loop, a few µs. */
const BURN_DIV = 10;
const SLOW_EVERY = 5;          /* idle: rss, arrayBuffers, spaces every 5th sample */
const IDLE_EVERY = 10;         /* idle: one sample every 10 periods */
const QUIET_RUN = 2;           /* quiet samples in a row before coalescing */
const QUIET_ELU = 0.01;
const HEAP_MOVE = 0.01;        /* of the heap's total: used moved this much, not quiet */

/* The main thread's scheduler account, [ms on a CPU, ms runnable but
 * waiting for one], from /proc/thread-self/schedstat kept open (one pread
 * a reading); null where there is none. A busy loop marks it every
 * SCHED_MARK_MS (see monTick): at 100 ms, 10 reads a second were ~0.2 %
 * of a saturated server's main thread (the pread is most of it); 250 ms
 * lets a stall's verdict count up to 0.5 s of waiting from before it. */
const SCHED_MARK_MS = 250;
function schedRead(m) {
	try {
		if (m.schedFd === undefined) m.schedFd = fs.openSync('/proc/thread-self/schedstat', 'r');
		if (m.schedFd < 0) return null;
		const b = m.schedBuf || (m.schedBuf = Buffer.alloc(96));
		const n = fs.readSync(m.schedFd, b, 0, 96, 0);
		/* "run_ns wait_ns slices\n", parsed in place (no string) */
		let i = 0, run = 0, wait = 0;
		for (; i < n && b[i] >= 48 && b[i] <= 57; i++) run = run * 10 + b[i] - 48;
		if (i === 0 || b[i++] !== 32) return null;
		const w0 = i;
		for (; i < n && b[i] >= 48 && b[i] <= 57; i++) wait = wait * 10 + b[i] - 48;
		if (i === w0) return null;
		return [run / 1e6, wait / 1e6];
	} catch (e) {
		schedClose(m);
		m.schedFd = -1;
		return null;
	}
}

/* One reading a tick, however many ask. */
function schedNow(m, now) {
	if (m.schedNowAt !== now) {
		m.schedNow = schedRead(m);
		m.schedNowAt = now;
	}
	return m.schedNow;
}

function schedClose(m) {
	if (m.schedFd >= 0) try { fs.closeSync(m.schedFd); } catch (e) { /* ignore */ }
	m.schedFd = -1;
}

function monStart(st) {
	if (st.mon) return;
	const now = perf.performance.now();
	const cu = process.cpuUsage();
	const m = { timer: null, armedAt: now, cpuMark: (cu.user + cu.system) / 1000, period: 0, fine: false, fineUntil: 0,
		checkAt: now, eluMark: perf.performance.eventLoopUtilization(), tickAt: now, tick: null, sched: null, schedAt: 0,
		schedNow: null, schedNowAt: -1, checkWait: -1, step: FINE_MS, satSince: -1 };
	/* its own try, not guard()'s wrapper: 50 calls a second of a busy
	 * loop, and the wrapper's apply of `arguments` was ~0.1 % of a
	 * saturated server's main thread */
	m.tick = function monTimer() {
		try { monTick(st, m); } catch (e) { /* the app never sees it */ }
	};
	/* a first mark, so that a stall in the very first window (the first
	 * sample is due at once, too soon for a coarse tick's mark) is judged
	 * against the CPU wait too, not taken as one unseen */
	m.sched = schedRead(m);
	m.schedAt = now;
	m.checkWait = m.sched ? m.sched[1] : -1;
	st.mon = m;
	monArm(st, m, now);
}

function monStop(st) {
	if (st.mon && st.conns.size === 0) {
		clearTimeout(st.mon.timer);
		schedClose(st.mon);
		st.mon = null;
		if (st.hunt) huntStop(st, st.hunt);
	}
}

/* Arms the tick for the next sample due, or m.step (FINE_MS, SAT_STEP_MS)
 * while busy. */
function monArm(st, m, now) {
	let d = Infinity;
	const list = st.connList;
	for (let i = 0; i < list.length; i++) if (list[i].sendDue - now < d) d = list[i].sendDue - now;
	if (m.fine && m.step < d) d = m.step;
	if (d === Infinity) d = 1000;
	d = Math.max(1, Math.ceil(d));
	m.armedAt = now;
	if (m.timer && d <= m.period && d >= m.period - 2) {
		/* About the same duration: re-arm the same Timeout (cheaper than a
		 * new one, whose list Node would also create and drop). */
		m.timer.refresh();
	} else {
		if (m.timer) clearTimeout(m.timer);
		m.period = d;
		m.timer = setTimeout(m.tick, d);
		m.timer.unref();
	}
}

/* Re-arms now (a connection came, went or changed its rate). */
function monReset(st) {
	const m = st.mon;
	if (!m) return;
	monArm(st, m, perf.performance.now());
}

/* Is V8's sampling profiler on (a culprit hunt or a cpu_profile capture)?
 * Node 20 then counts the loop as busy nearly all the time (ELU ~0.9 in an
 * idle app, whatever the sampling interval), so ELU means nothing: samples
 * whose window had it on carry no `elu` but `profiling: true`, and a late
 * tick is taken for a block without the busy-time check. */
function profiling(st) {
	return !!((st.hunt && st.hunt.running) || (st.capture && st.capture.kind === 'cpu_profile'));
}

function markProfiled(st) {
	for (const c of st.conns) c.profiled = true;
}

/* Loop utilisation between two eventLoopUtilization() readings. */
function eluBetween(a, b) {
	const dt = a.active + a.idle - b.active - b.idle;
	return dt > 0 ? (a.active - b.active) / dt : 0;
}

function monTick(st, m) {
	if (st.mon !== m) return;
	const now = perf.performance.now();
	let wall = 0;	/* the wall clock at `now`, read only for a sample */
	const late = Math.max(0, now - m.armedAt - m.period);
	const check = now - m.checkAt >= CHECK_MS - 1;
	const prof = profiling(st);
	/* The loop's busy time and the process's CPU since the last check (the
	 * previous tick when coarse), read only when needed: a tick of a busy
	 * loop then allocates nothing. A late tick is a block only if the loop
	 * was working meanwhile (on a machine short of CPU the timer is late
	 * while the loop sits in poll) and the process burned CPU (a loop
	 * preempted mid-JS is "active" but burns nothing). The block began after
	 * the previous tick and ends now, so its length lies between the lateness
	 * and the busy time; a coarse tick takes the busy time (capped at
	 * late + period): it is late by only the part of a block after it was
	 * due. Work besides the block in that window (under BUSY_ELU, or the tick
	 * would be fine) can add a few ms. */
	let e = null;
	let blocked = false;
	let whole = false;
	let active = 0;
	let cpuNow = 0;
	/* A fine tick less than BUSY_LATE_MS late with no check due can mark
	 * nothing (blocked needs that lateness; the marks move only at checks):
	 * a saturated server's 50 ticks a second then skip both readings
	 * (process.cpuUsage() alone was ~0.2 % of its main thread). */
	const coarse = m.period > m.step;
	if (late >= (coarse ? 2 : BUSY_LATE_MS) || check) {
		e = perf.performance.eventLoopUtilization();
		const cu = process.cpuUsage();
		m.cu = cu;	/* a full sample built by this tick sends it (buildSample) */
		m.cuAt = now;
		cpuNow = (cu.user + cu.system) / 1000;
		active = e.active - m.eluMark.active;
		const burned = cpuNow - m.cpuMark >= late / BURN_DIV;
		blocked = late >= BUSY_LATE_MS && (prof || active >= late / 2) && burned;
		whole = coarse ? active >= late / 2 && burned : blocked;
	}
	/* The block began after the previous tick: late + span, where span is
	 * the period unless a re-arm in between (idleWake's) shortened it. */
	const span = Math.max(m.period, now - late - m.tickAt);
	m.tickAt = now;
	const lag = whole && !prof ? Math.max(late, Math.min(active, late + span)) : late;
	/* The part of it the thread did not spend waiting for a CPU (a coarse
	 * tick reads the wait anyway, below): what judges a window quiet, so
	 * that an idle app on a host short of CPU still coalesces its samples
	 * (each tick there is late by the run queue, not by the app). */
	let own = lag;
	if (coarse && m.sched) {
		const s = schedNow(m, now);
		if (s) own = Math.max(0, lag - (s[1] - m.sched[1]));
	}
	const list = st.connList;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		if (prof) c.profiled = true;
		lagPush(c, lag);
		if (lag > c.lagMax) c.lagMax = lag;
		if (own > c.lagOwn) c.lagOwn = own;
		if (span > c.lagRes) c.lagRes = Math.round(span);
	}
	/* A late tick or the loop's busy time is the loop's only for the part
	 * the thread did not spend waiting for a CPU: on a host short of CPU a
	 * preempted idle loop is "late" and "active" without doing anything,
	 * and watching it finely (50 wake-ups a second) for that kept it busy
	 * for good. */
	let busy = blocked;
	if (blocked && m.sched) {
		const s = schedNow(m, now);
		if (s && s[1] - m.sched[1] >= late / 2) busy = false;
	}
	if (check) {
		/* busy: the loop was active (net of the CPU wait since the last
		 * check; active is since then too) and the process did burn CPU;
		 * a coalesced window: as much work as makes one second busy (the
		 * second it fell in is unknown), a block's share of it burnt */
		const s = schedNow(m, now);
		const own = active - (s && m.checkWait >= 0 ? s[1] - m.checkWait : 0);
		const span = now - m.checkAt;
		if (own >= BUSY_ELU * (span > 2 * CHECK_MS ? CHECK_MS : span) &&
		    cpuNow - m.cpuMark >= (BUSY_ELU / BURN_DIV) * Math.min(span, CHECK_MS)) {
			busy = true;
			if (m.satSince < 0) m.satSince = now;
		} else {
			m.satSince = -1;
		}
		m.checkWait = s ? s[1] : -1;
		m.checkAt = now;
	}
	if (e && (check || coarse)) {
		m.eluMark = e;
		m.cpuMark = cpuNow;
	}
	if (busy) {
		m.fine = true;
		m.fineUntil = now + FINE_HOLD_MS;
	} else if (m.fine && now >= m.fineUntil) {
		m.fine = false;
	}
	/* A running hunt names the stall now, so its sample carries the culprit;
	 * starting one holds the loop ~20 ms, so that waits for the samples.
	 * Lateness the thread spent runnable but off the CPU (a host with more
	 * runnable threads than cores preempts a busy loop for 100 ms and more)
	 * is the machine's, not a stall of the app's code: a hunt would only
	 * deoptimise a server that is already short of CPU. */
	let stalled = blocked && lag >= SUSPECT_MS;
	/* The wait is read since a mark taken at most 2 SCHED_MARK_MS before
	 * the window began (it may count up to that much waiting from before the
	 * block): every SCHED_MARK_MS while the loop is watched finely, and at
	 * each coarse tick (an idle app's one wake-up a sample: the first burst
	 * of work after a quiet spell is judged by a coarse tick).  A stall
	 * without a fresh mark is taken as one. */
	const fresh = m.sched !== null && m.armedAt - m.schedAt <= 2 * SCHED_MARK_MS;
	if ((stalled && fresh) || (m.fine ? now - m.schedAt >= SCHED_MARK_MS : coarse)) {
		const s = schedNow(m, now);
		/* The machine's if the thread waited for a CPU at least as long as
		 * the tick was late (a loop turning all the time, throttled by its
		 * cgroup's quota: the busy time of a coarse window is then mostly
		 * that wait, and the loop never blocked), or if what is left of the
		 * lag after the wait is no stall. */
		const wait = stalled && fresh && s ? s[1] - m.sched[1] : 0;
		if (stalled && fresh && s && (wait >= late || lag - wait < SUSPECT_MS)) stalled = false;
		m.sched = s;
		m.schedAt = now;
	}
	/* Busy every second for SAT_AFTER_MS with no stall: SAT_STEP_MS */
	if (stalled || !m.fine) m.satSince = -1;
	m.step = m.satSince >= 0 && now - m.satSince >= SAT_AFTER_MS ? SAT_STEP_MS : FINE_MS;
	/* a stall's culprit is matched on the profiler's clock; no stall, no read */
	const hr = stalled ? process.hrtime.bigint() : 0n;
	if (stalled && st.hunt && st.hunt.running) stallSeen(st, now, hr, late, lag);
	let polled = false, sent = false;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		/* Node fires a timer by the loop's cached clock, up to a few ms
		 * before perf.now() says it is due: a sample that early is on time
		 * (else the app would wake again a moment later just for it). */
		if (c.closed || now < c.sendDue - SLACK_MS) continue;
		/* The rate holds on a loaded machine: the next is due a period
		 * after this one was due (unless that is already past), and a tick
		 * about on time re-arms the same Timeout (monArm). emitSample
		 * puts sendDue further out when it coalesces. */
		c.nextDue = c.sendDue + c.period;
		if (c.nextDue <= now) c.nextDue = now + c.period;
		/* ts is the moment of `now` (when the lateness was measured),
		 * not of this line: on a loaded host the tick's readings before
		 * it can take ms (17 ms seen), and the windows [ts - interval_ms,
		 * ts] of consecutive samples must tile */
		if (wall === 0) wall = Math.round(Date.now() - (perf.performance.now() - now));
		if (!polled && st.workers) {
			workersPoll(st, now);	/* answers go in the next sample */
			polled = true;
		}
		emitSample(c, now, wall, e || perf.performance.eventLoopUtilization(), m.fine);
		sent = true;
	}
	if (stalled && !st.hunt) stallSeen(st, now, hr, late, lag);
	/* armed from now unless a sample or a hunt took time since (a plain
	 * tick takes µs): no second clock reading */
	if (st.mon === m) monArm(st, m, sent || stalled ? perf.performance.now() : now);
}

/* ---- the culprit of a stall ----------------------------------------------
 *
 * A tick SUSPECT_MS late while the loop worked is a stall. Sampling who runs
 * costs too much to do all the time, so the first stall starts V8's sampling
 * profiler (an in-process inspector session, one sample per PROFILE_US) for
 * at most PROFILE_MS or until it has seen HUNT_STALLS more stalls (found in
 * the tick that sees the stall: the culprit goes out with the stall's own
 * sample); the samples taken during each stall (profile times are
 * process.hrtime µs) name its culprit: the deepest function of the app's own code on the stack in at
 * least half of them, else the app function in the most of them (at least a
 * fifth), else the deepest frame of any kind (a builtin, "(garbage
 * collector)"). It goes out in the next sample's `stalls`. A run starts at
 * most once per PROFILE_GAP_MS, a gap that doubles (to 10 min) while stalls
 * keep coming, so the profiler is on for at most a third of the time while
 * an app stalls, and never while it does not (nor during a cpu_profile
 * capture, which owns the profiler). SUSPECT_MS is the stall alert's
 * default threshold (lag p99 > 100 ms): shorter hiccups never profile. */
const SUSPECT_MS = 100;
const PROFILE_US = 5000;
const PROFILE_MS = 10000;
const PROFILE_GAP_MS = 30000;
const PROFILE_GAP_MAX_MS = 600000;
const MAX_STALLS_PER_SAMPLE = 4;
const HUNT_STALLS = 1;
const HUNT_SETTLE_US = 100000;	/* stalls starting this soon after the deopt are its own */

function stallSeen(st, nowMs, hr, late, lag) {
	const hunt = st.hunt;
	if (hunt && hunt.running) return huntNote(st, hunt, nowMs, hr, late, lag);
	if (hunt || !inspector || (st.capture && st.capture.kind === 'cpu_profile')) return undefined;
	if (st.huntAt && nowMs - st.huntAt < st.huntGap) return undefined;
	return huntStart(st, nowMs);
}

/* Code optimised before the profiler ran has no record of the functions
 * inlined into it, nor does code compiled on the stack (OSR) of a loop:
 * a blocking callback would be named as its caller (say, Node's
 * listOnTimeout; 1 profile in 2 of a hot loop, measured).  Switching
 * precise coverage on deoptimises everything; what is optimised again while
 * the profiler runs keeps its frames.  Off again at once.  For the culprit
 * hunt and the cpu_profile capture, right after Profiler.start. */
function deoptForProfile(session) {
	session.post('Profiler.startPreciseCoverage', { callCount: false, detailed: false }, noop);
	session.post('Profiler.stopPreciseCoverage', noop);
}

/* Starts the profiler; st.hunt is set until the session is given up. */
function huntStart(st, nowMs) {
	let session;
	try {
		session = new inspector.Session();
		session.connect();
	} catch (e) {
		return undefined;
	}
	const hunt = { session: session, running: false, since: 0, timer: null, stalls: [] };
	st.hunt = hunt;
	/* Stalls that keep coming (a saturated server, a loop that blocks all
	 * day) double the gap up to PROFILE_GAP_MAX_MS: each start deoptimises
	 * the app's code (deoptForProfile), which a server under load pays in
	 * requests for seconds (measured: -23 % req/s in 3 of 7 autocannon
	 * rounds with a hunt every 30 s); a quiet spell of two gaps resets it. */
	st.huntGap = st.huntAt && nowMs - st.huntAt < 2 * st.huntGap ?
		Math.min(2 * st.huntGap, PROFILE_GAP_MAX_MS) : PROFILE_GAP_MS;
	st.huntAt = nowMs;
	const fail = guard(function (err) { if (err) huntStop(st, hunt); });
	session.post('Profiler.enable', guard(function (err) {
		if (err || st.hunt !== hunt) return fail(err || 1);
		return session.post('Profiler.setSamplingInterval', { interval: PROFILE_US }, guard(function (err2) {
			if (err2 || st.hunt !== hunt) return fail(err2 || 1);
			return session.post('Profiler.start', guard(function (err3) {
				if (err3 || st.hunt !== hunt) return fail(err3 || 1);
				deoptForProfile(session);
				hunt.running = true;
				hunt.since = Number(process.hrtime.bigint() / 1000n);
				markProfiled(st);
				hunt.timer = setTimeout(guard(function () { huntFinish(st, hunt); }), PROFILE_MS);
				hunt.timer.unref();
				return undefined;
			}));
		}));
	}));
	return undefined;
}

function huntStop(st, hunt) {
	if (st.hunt !== hunt) return;
	st.hunt = null;
	markProfiled(st);
	if (hunt.timer) clearTimeout(hunt.timer);
	if (hunt.running) {
		hunt.running = false;
		try { hunt.session.post('Profiler.stop'); } catch (e) { /* ignore */ }
	}
	closeSession(hunt.session);
}

/* A stall while the profiler runs ended at hr (process.hrtime ns): its last
 * `late` ms are known for certain to be one block. HUNT_STALLS of them end
 * the hunt (not counting the slow start of freshly deoptimised code). */
function huntNote(st, hunt, nowMs, hr, late, lag) {
	const t1 = Number(hr / 1000n);
	const t0 = t1 - late * 1000;
	if (t0 < hunt.since + HUNT_SETTLE_US) return undefined;	/* before the profiler ran, or the deopt's */
	hunt.stalls.push({ t0: t0, t1: t1, nowMs: nowMs, lag: lag });
	if (hunt.stalls.length >= HUNT_STALLS) huntFinish(st, hunt);
	return undefined;
}

/* Stops the profiler and names what ran during each stall it saw; the
 * longest stall's culprit goes last (a reader keeping one keeps that). */
function huntFinish(st, hunt) {
	if (st.hunt !== hunt || !hunt.running) return;
	hunt.running = false;
	markProfiled(st);
	clearTimeout(hunt.timer);
	hunt.timer = null;
	hunt.session.post('Profiler.stop', guard(function (err, res) {
		huntStop(st, hunt);
		if (err || !res || !res.profile) return;
		const found = [];
		for (const x of hunt.stalls) {
			const c = culpritOf(res.profile, x.t0, x.t1);
			if (!c) continue;
			c.ts = Math.round(perf.performance.timeOrigin + x.nowMs);
			c.ms = Math.round(x.lag);
			found.push(c);
		}
		found.sort(function (a, b) { return a.ms - b.ms; });
		for (const conn of st.conns) {
			for (const c of found.slice(-MAX_STALLS_PER_SAMPLE)) {
				if (conn.stalls.length < MAX_STALLS_PER_SAMPLE) conn.stalls.push(c);
			}
		}
	}));
}

/* The app's own code: a script with a path or URL that is not Node's. */
function isAppFrame(cf) {
	return cf.url !== '' && !cf.url.startsWith('node:') && !cf.url.startsWith('internal/');
}

/* The culprit of [t0, t1] (µs, the profile's clock): {fn, url, line, col,
 * share} or null when the profiler took no sample then. */
function culpritOf(profile, t0, t1) {
	const nodes = profile.nodes;
	const byId = new Map();
	const parent = new Map();
	for (const n of nodes) {
		byId.set(n.id, n);
		if (n.children) for (const ch of n.children) parent.set(ch, n.id);
	}
	const count = new Map();	/* frame key -> samples it was on the stack in */
	const info = new Map();		/* frame key -> {cf, depth} */
	let total = 0;
	let t = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i];
		if (t < t0 || t > t1) continue;
		total++;
		const path = [];
		for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) path.push(byId.get(id));
		const seen = new Set();
		for (let d = 0; d < path.length; d++) {
			const cf = path[d].callFrame;
			if (cf.functionName === '(root)') continue;
			const key = cf.functionName + '\0' + cf.url + '\0' + cf.lineNumber + '\0' + cf.columnNumber;
			if (seen.has(key)) continue;	/* recursion counts once */
			seen.add(key);
			count.set(key, (count.get(key) || 0) + 1);
			const depth = path.length - d;
			const old = info.get(key);
			if (!old || depth > old.depth) info.set(key, { cf: cf, depth: depth });
		}
	}
	if (!total) return null;
	/* The deepest app frame in half the samples; else the app frame in the
	 * most samples, if in a fifth (a starved process's stall also holds
	 * samples taken while it waited for the CPU, in Node's own code); else
	 * the deepest frame of any kind in half. */
	let best = null;
	let most = null;
	let mostN = 0;
	let bestAny = null;
	for (const [key, n] of count) {
		const x = info.get(key);
		const app = isAppFrame(x.cf);
		if (app && (n > mostN || (n === mostN && x.depth > most.depth))) {
			most = x;
			mostN = n;
		}
		if (n * 2 < total) continue;
		if (!bestAny || x.depth > bestAny.depth) bestAny = x;
		if (app && (!best || x.depth > best.depth)) best = x;
	}
	const pick = best || (mostN * 5 >= total ? most : null) || bestAny;
	if (!pick) return null;
	const cf = pick.cf;
	return { fn: cf.functionName || '(anonymous)', url: cf.url,
		line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0, col: cf.columnNumber >= 0 ? cf.columnNumber + 1 : 0,
		share: round3(count.get(cf.functionName + '\0' + cf.url + '\0' + cf.lineNumber + '\0' + cf.columnNumber) / total),
		samples: total };
}

/* The nearest-rank percentile (the ceil(q% * n)-th smallest) of sorted xs:
 * with the ~50 ticks a busy second has, a 200 ms block every second is 2% of
 * them and must reach p99. */
function rankPct(xs, q) {
	const r = Math.max(1, Math.ceil((q / 100) * xs.length - 1e-9));
	return xs[Math.min(xs.length, r) - 1];
}

/* A window's lateness values: a Float64Array kept across windows (grown
 * to the most a window had, at most MAX_LAG_VALS), so that a busy loop's 50
 * ticks a second allocate nothing (an array emptied each window grew its
 * backing store again every second). */
function lagPush(conn, lag) {
	let buf = conn.lagVals;
	if (conn.lagN === buf.length) {
		if (buf.length >= MAX_LAG_VALS) return;
		const nb = new Float64Array(Math.min(MAX_LAG_VALS, buf.length * 2));
		nb.set(buf);
		conn.lagVals = buf = nb;
	}
	buf[conn.lagN++] = lag;
}

/* The lag of a connection's window, and a fresh window. */
function lagOf(conn) {
	const n = conn.lagN;
	const out = { min: 0, p50: 0, p99: 0, max: round3(conn.lagMax), n: n, res_ms: conn.lagRes };
	if (n) {
		const xs = conn.lagVals.subarray(0, n).sort();	/* numeric, in place */
		out.min = round3(xs[0]);
		out.p50 = round3(rankPct(xs, 50));
		out.p99 = round3(rankPct(xs, 99));
	}
	conn.lagN = 0;
	conn.lagOwnLast = conn.lagOwn;	/* for quietSample */
	conn.lagOwn = 0;
	conn.lagMax = 0;
	conn.lagRes = 0;
	return out;
}

function spaceStats() {
	const sp = v8.getHeapSpaceStatistics();
	const spaces = new Array(sp.length);
	for (let i = 0; i < sp.length; i++) {
		const s = sp[i];
		spaces[i] = { name: s.space_name, size: s.space_size, used: s.space_used_size,
			avail: s.space_available_size, physical: s.physical_space_size };
	}
	return spaces;
}

/* Idle, the spaces (the costliest part of a sample) go out only when the
 * heap changed since they last did: a GC, another committed size, or used
 * moved by SPACES_MOVE of the total — else the dashboard's copy is that close
 * — and at least every SPACES_MAX_MS. */
const SPACES_MOVE = 0.01;
const SPACES_MAX_MS = 30000;
function spacesChanged(conn, hs, gcSeen) {
	const now = perf.performance.now();
	const sent = conn.spacesSent;
	if (sent && !gcSeen && !conn.spacesGc && sent.total === hs.total_heap_size &&
	    Math.abs(hs.used_heap_size - sent.used) < SPACES_MOVE * sent.total && now - sent.at < SPACES_MAX_MS) {
		return false;
	}
	conn.spacesSent = { total: hs.total_heap_size, used: hs.used_heap_size, at: now };
	conn.spacesGc = false;
	return true;
}

/* Builds one sample for a connection and resets its interval state. */
function buildSample(conn, now, wall, elu, fine) {
	const hs = v8.getHeapStatistics();
	const mem = { heapTotal: hs.total_heap_size, heapUsed: hs.used_heap_size, external: hs.external_memory };
	/* Every call costs 10-100 µs in a process that is idle (cold caches,
	 * code never optimised); memoryUsage() also reads /proc. What changes
	 * slowly or the dashboard has from /proc itself (rss, arrayBuffers,
	 * spaces, cpu) comes every SLOW_EVERY samples unless the loop is busy. */
	const full = fine || conn.seq % SLOW_EVERY === 0;
	if (full) {
		const mu = process.memoryUsage();
		mem.rss = mu.rss;
		mem.arrayBuffers = mu.arrayBuffers;
	}
	const lag = lagOf(conn);
	const eluDelta = eluBetween(elu, conn.elu);
	conn.elu = elu;
	const gc = conn.gc;
	const dropped = conn.gcDropped;
	if (gc.length) {
		conn.gc = [];
		conn.spacesGc = true;	/* the spaces changed (spacesChanged) */
	}
	conn.gcDropped = 0;
	const interval = now - conn.last;
	conn.last = now;
	const out = {
		t: 'sample', ts: wall, seq: ++conn.seq,
		interval_ms: Math.round(interval),
		mem: mem,
		heap: { limit: hs.heap_size_limit, total: hs.total_heap_size, used: hs.used_heap_size,
			physical: hs.total_physical_size, malloced: hs.malloced_memory,
			native_contexts: hs.number_of_native_contexts,
			detached_contexts: hs.number_of_detached_contexts },
		lag: lag,
		handles: countHandles(conn.all),
		gc: gc, gc_dropped: dropped,
	};
	if (conn.profiled) {
		out.profiling = true;
		conn.profiled = false;
	} else {
		out.elu = round3(eluDelta || 0);
	}
	if (full) {
		const m = conn.st && conn.st.mon;
		out.cpu = m && m.cuAt === now ? m.cu : process.cpuUsage();
	}
	if (fine || conn.seq === 1 || (full && spacesChanged(conn, hs, gc.length > 0)))
		out.spaces = spaceStats();
	const st = conn.st;
	if (st && st.http) {
		const sv = st.http.server;
		if (sv.seen) {
			out.http = httpOf(conn, 'httpServer', sv.inFlight, interval);
			sv.every = Math.max(1, out.http.rps / TIMED_RPS);
		}
		if (st.http.client.seen) out.http_client = httpOf(conn, 'httpClient', st.http.client.inFlight, interval);
	}
	const workers = st ? workersOf(st) : null;
	if (workers) out.workers = workers;
	if (conn.stalls && conn.stalls.length) {
		out.stalls = conn.stalls;
		conn.stalls = [];
	}
	if (ACCT !== null) out.acct = acctReport();
	return out;
}

/* Was the sample's window quiet enough that the next may be coalesced
 * (the loop monitor's comment)? Also moves the connection's heap mark. */
function quietSample(conn, s, fine, now) {
	const h = s.heap;
	/* The loop's active share net of the CPU wait of the window (a thread
	 * preempted mid-turn counts as active): on a host short of CPU an idle
	 * app reads 0.1-0.3 here otherwise, and never coalesced. */
	const m = conn.st && conn.st.mon;
	const w = m ? schedNow(m, now) : null;
	let elu = s.elu;
	if (w && conn.waitMark >= 0 && s.interval_ms > 0)
		elu = Math.max(0, elu - (w[1] - conn.waitMark) / s.interval_ms);
	conn.waitMark = w ? w[1] : -1;
	const moved = conn.heapTotal !== h.total || Math.abs(h.used - conn.heapUsed) >= HEAP_MOVE * h.total;
	conn.heapTotal = h.total;
	conn.heapUsed = h.used;
	const st = conn.st;
	return !(fine || moved || conn.period < 1000 || s.profiling || !(elu < QUIET_ELU) ||
		conn.lagOwnLast >= Math.max(BUSY_LATE_MS, QUIET_ELU * s.interval_ms) || s.gc.length || s.gc_dropped || s.stalls ||
		(s.http && (s.http.count || s.http.in_flight)) ||
		(s.http_client && (s.http_client.count || s.http_client.in_flight)) ||
		(st && (st.capture || st.hunt || (st.workers && st.workers.list.size))));
}

function emitSample(conn, now, wall, elu, fine) {
	let sample;
	try {
		sample = buildSample(conn, now, wall, elu, fine);
		conn.quiet = quietSample(conn, sample, fine, now) ? conn.quiet + 1 : 0;
	} catch (e) {
		/* Say so once rather than go quiet without a word. */
		if (!conn.sampleFailed) sendError(conn, null, 'EFAIL', 'sample: ' + failMsg(e));
		conn.sampleFailed = true;
		return;
	}
	conn.sendDue = conn.nextDue;
	if (conn.quiet >= QUIET_RUN) {
		conn.sendDue += (IDLE_EVERY - 1) * conn.period;
		if (conn.st) conn.st.idle = true;
	}
	sample.next_ms = Math.max(0, Math.round(conn.sendDue - now));
	send(conn, sample);
}

/* Something worth a sample happened while samples were coalesced: each
 * connection's next is due at the next period of its grid (as at 1 Hz), and
 * none coalesces until QUIET_RUN quiet samples again. Called from what wakes
 * the process anyway; a flag test on the way (st.idle) otherwise. */
function idleWake(st) {
	st.idle = false;
	const now = perf.performance.now();
	for (const c of st.conns) {
		c.quiet = 0;
		if (c.sendDue <= c.nextDue) continue;
		let g = c.nextDue;
		if (g < now) g += Math.ceil((now - g) / c.period) * c.period;
		if (g < c.sendDue) c.sendDue = g;
	}
	monReset(st);
}

function setRate(st, conn, hz) {
	conn.hz = hz;
	conn.period = 1000 / hz;
	conn.nextDue = conn.sendDue = perf.performance.now() + conn.period;
	conn.quiet = 0;
	monReset(st);
}

/* ---- HTTP traffic -------------------------------------------------------
 *
 * From diagnostics_channel, no change to the app: the server's
 * http.server.request.start / response.finish, and outgoing requests,
 * http.client.request.start / response.finish / request.error and undici's
 * (fetch) request:create / request:headers / request:error. Subscribed only
 * while a dashboard is connected. Per server request: its socket's record
 * (see httpStart) and one increment of a per-process status-class count
 * (SrvCount: the exact count; each dashboard keeps its last sample's copy and
 * takes the difference). Only timed server requests (all of them up to
 * TIMED_RPS a second, else ~TIMED_RPS a second) are looked at further: per
 * connection a histogram bucket — log buckets 4% wide, so p50/p99 are within
 * 2% (the middle of the bucket) and no latencies are kept — and their route,
 * whose counts are scaled to the window's count (exact while all are timed,
 * a sample of >= TIMED_RPS a second above). Per client request: one Symbol
 * property (http) or WeakMap entry (undici), and all of the above per
 * connection. A client response is timed to its headers (what the channel
 * reports). In flight: started minus finished, failed or (server) closed
 * before finishing. */
const HIST_MIN_MS = 0.01;
const HIST_STEP = Math.log(1.04);
const HIST_N = 512;	/* 0.01 ms .. ~5e6 s */
const K_START = Symbol('vitals.start');
const K_ROUTE = Symbol('vitals.route');
const K_SOCK = Symbol('vitals.sock');
const MAX_ROUTES = 20;	/* per sample; the rest count as "other" */
/* A server answering more requests a second than this times about this many
 * of them (one in `every` = rps / TIMED_RPS on average, the rate of the last
 * window; a real number, so that 1500 req/s time 1000, not all): two clock
 * readings cost ~0.2 µs on a slow VM, ~1 % of a small fastify request. Its
 * p50/p99 still come from >= TIMED_RPS requests a second, and so do its
 * routes' shares (scaled to the count); counts and status classes count every
 * request. */
const TIMED_RPS = 1000;
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/* n: answered; timed: of them, those in hist and max (server requests
 * above TIMED_RPS are timed one in `every`, see httpStart). A connection's
 * httpServer counts only its timed requests (n and status come from
 * SrvCount); a route's counts are of its timed requests, scaled in routesOf. */
function httpAcc() {
	return { n: 0, timed: 0, max: 0, hist: new Uint32Array(HIST_N), status: [0, 0, 0, 0, 0, 0], errors: 0 };
}

function histBucket(ms) {
	if (!(ms > HIST_MIN_MS)) return 0;
	const b = Math.floor(Math.log(ms / HIST_MIN_MS) / HIST_STEP) + 1;
	return b < HIST_N ? b : HIST_N - 1;
}

/* The middle of bucket b, in ms. */
function histValue(b) {
	return b === 0 ? HIST_MIN_MS / 2 : HIST_MIN_MS * Math.exp((b - 0.5) * HIST_STEP);
}

function histPct(a, q) {
	const rank = Math.max(1, Math.ceil((q / 100) * a.timed - 1e-9));
	let sum = 0;
	for (let b = 0; b < HIST_N; b++) {
		sum += a.hist[b];
		if (sum >= rank) return Math.min(histValue(b), a.max);
	}
	return a.max;
}

function statusClass(code) {
	return code >= 100 && code < 600 ? Math.floor(code / 100) - 1 : 5;
}

/* One answered request, on every connection; ms < 0: not timed (client
 * requests only: a server request comes here when it was timed). */
function httpRecord(st, which, ms, code, method, route) {
	const cls = statusClass(code);
	const b = ms >= 0 ? histBucket(ms) : -1;
	const list = st.connList;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		const a = c[which];
		a.n++;
		if (b >= 0) {
			a.timed++;
			a.hist[b]++;
			if (ms > a.max) a.max = ms;
		}
		a.status[cls]++;
		if (route === undefined) continue;
		/* top routes: at most MAX_ROUTES a window (bounded labels), by
		 * method then route, so that a framework's route string (the same
		 * object every time, its hash kept) is never concatenated */
		let byRoute = c.routes.get(method);
		if (byRoute === undefined) c.routes.set(method, byRoute = new Map());
		let r = byRoute.get(route);
		if (r === undefined) {
			if (c.nroutes >= MAX_ROUTES) {
				r = c.otherRoute || (c.otherRoute = httpAcc());
			} else {
				byRoute.set(route, r = httpAcc());
				c.nroutes++;
			}
		}
		r.n++;
		if (b >= 0) {
			r.timed++;
			r.hist[b]++;
			if (ms > r.max) r.max = ms;
		}
		r.status[cls]++;
	}
}

/* Whether url[a, b) looks like an id: all digits, 8+ hex digits, or 16+
 * token characters with a digit among them (UUIDs, hashes, slugs with ids). */
function idSegment(url, a, b) {
	const n = b - a;
	if (n === 0) return false;
	let digits = 0, hex = 0;
	for (let k = a; k < b; k++) {
		const c = url.charCodeAt(k);
		if (c >= 48 && c <= 57) { digits++; hex++; }
		else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) hex++;
		else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 95 || c === 46 ||
			c === 126 || c === 37)) return false;
	}
	return digits === n || (hex === n && n >= 8) || (n >= 16 && digits > 0);
}

/* A path's template when no framework named its route: the query dropped
 * and the segments that look like ids collapsed into ":id"; at most 8
 * segments and 256 characters.  One pass over the characters, no regular
 * expression and no array: this runs once per request. */
function routeOfPath(url) {
	if (typeof url !== 'string' || url.charCodeAt(0) !== 47) return '/';
	let end = url.indexOf('?');
	if (end < 0) end = url.length;
	if (end > 256) end = 256;
	let out = '', from = 0, s = 0;
	for (let seg = 0; s < end && seg < 8; seg++) {
		let e = url.indexOf('/', s + 1);
		if (e < 0 || e > end) e = end;
		if (idSegment(url, s + 1, e)) {
			out += url.slice(from, s + 1) + ':id';
			from = e;
		}
		s = e;
	}
	if (from === 0) return s === url.length ? url : url.slice(0, s);
	return out + url.slice(from, s);
}

/* The route of an answered server request: "GET /users/:id" — fastify's
 * route (marked from its diagnostics channel), express's (req.route), else
 * the path with its ids collapsed. `marked`: fastify's, if it named one. */
function routeOf(req, marked) {
	let r = marked;
	if (typeof r !== 'string' && req.route && typeof req.route.path === 'string')
		r = (typeof req.baseUrl === 'string' ? req.baseUrl : '') + req.route.path;
	if (typeof r !== 'string') r = routeOfPath(req.url);
	return r.length > 120 ? r.slice(0, 120) : r;
}

function httpError(st, which) {
	for (const c of st.conns) c[which].errors++;
}

/* The window's figures ({rps, count, p50_ms, ...}), and a fresh window.
 * The server's count and status classes: SrvCount's growth since this
 * connection's last sample (srvBase). */
function httpOf(conn, which, inFlight, intervalMs) {
	const a = conn[which];
	let timedShare = 1;	/* a route's timed requests -> its count */
	if (which === 'httpServer') {
		const cnt = conn.st.http.server.cnt;
		const base = conn.srvBase;
		let n = 0;
		for (let i = 0; i < 6; i++) {
			a.status[i] = cnt[i] - base[i];
			base[i] = cnt[i];
			n += a.status[i];
		}
		if (a.timed > 0) timedShare = n / a.timed;
		a.n = n;
	}
	const status = {};
	for (let i = 0; i < 5; i++) if (a.status[i]) status[STATUS_CLASSES[i]] = a.status[i];
	if (a.status[5]) status.other = a.status[5];
	const out = { rps: round3(intervalMs > 0 ? (a.n * 1000) / intervalMs : 0), count: a.n,
		p50_ms: a.timed ? round3(histPct(a, 50)) : 0, p99_ms: a.timed ? round3(histPct(a, 99)) : 0,
		max_ms: round3(a.max), in_flight: Math.max(0, inFlight), status: status };
	if (which === 'httpClient') out.errors = a.errors;
	else if (conn.nroutes || conn.otherRoute) out.routes = routesOf(conn, intervalMs, timedShare);
	conn[which] = httpAcc();
	return out;
}

/* The window's routes, busiest first ("other" last), and a fresh window:
 * a route silent for a whole window is dropped, so the set follows the
 * traffic and never grows past MAX_ROUTES + 1. `share`: requests per timed
 * one (1 while every request is timed: exact counts). */
function routesOf(conn, intervalMs, share) {
	const out = [];
	const one = function (method, route, r) {
		const n = Math.round(r.n * share);
		const x = { method: method, route: String(route).slice(0, 120), count: n,
			rps: round3(intervalMs > 0 ? (n * 1000) / intervalMs : 0), '5xx': Math.round(r.status[4] * share) };
		if (r.timed) {	/* else none of its requests was timed: no latency */
			x.p50_ms = round3(histPct(r, 50));
			x.p99_ms = round3(histPct(r, 99));
			x.max_ms = round3(r.max);
		}
		out.push(x);
		r.n = 0;
		r.timed = 0;
		r.max = 0;
		r.hist.fill(0);
		r.status.fill(0);
	};
	for (const [method, byRoute] of conn.routes) {
		for (const [route, r] of byRoute) {
			if (r.n === 0) {
				byRoute.delete(route);
				conn.nroutes--;
			} else {
				one(method, route, r);
			}
		}
		if (byRoute.size === 0) conn.routes.delete(method);
	}
	out.sort((x, y) => y.count - x.count);
	if (conn.otherRoute && conn.otherRoute.n) one('', 'other', conn.otherRoute);
	conn.otherRoute = null;
	return out;
}

function httpStart(st) {
	if (st.http || !dc || typeof dc.subscribe !== 'function') return;
	const clock = perf.performance;
	const now = function () { return clock.now(); };
	/* cnt: SrvCount, answered server requests by status class since the
	 * subscription (exact: a double counts to 2^53) */
	const server = { inFlight: 0, seen: false, every: 1, skip: 1, cnt: new Float64Array(6) };
	const cnt = server.cnt;
	const client = { inFlight: 0, seen: false };
	const undiciStart = new WeakMap();
	/* Server requests are kept on their socket (sockRec): a socket answers
	 * its requests in order, so its record holds the times of the oldest
	 * one open; a request pipelined behind it keeps its own on the response
	 * (K_START, K_ROUTE). One 'close' listener per socket, added once, counts
	 * requests whose socket closed before they finished (abandoned) out of
	 * the in-flight figure. Per request, then: two clock readings and no
	 * listener, no new property on Node's objects (measured, autocannon on
	 * fastify: the per-request 'close' listener and clock were 1.5 % of the
	 * server's CPU). An untimed request (t0 -1) is then a status-class
	 * increment at its finish: no route, no per-connection work (the
	 * route and histogram work was ~0.5 % of a fastify request). */
	const onSockClose = function () {
		const o = this[K_SOCK];
		if (o === undefined) return;
		if (o.n > 0) o.side.inFlight -= o.n;
		o.n = 0;
		o.res = null;
	};
	/* 'close' after 'finish' is normal; without a finish, the request was
	 * abandoned (the client went away) and is no longer in flight. (A
	 * response without a socket only.) */
	const onServerClose = function () {
		if (this[K_START] !== undefined) {
			this[K_START] = undefined;
			server.inFlight--;
		}
	};
	/* A request done: its time since the start mark on `carrier`. */
	const finish = function (side, which, carrier, code, method, route) {
		const t0 = carrier[K_START];
		if (t0 === undefined) return;
		carrier[K_START] = undefined;
		side.inFlight--;
		httpRecord(st, which, now() - t0, code, typeof method === 'string' ? method : '?', route);
	};
	/* The server's three run once or twice a request: no guard() wrapper
	 * (its apply of `arguments`), their own try. */
	const subs = {
		'http.server.request.start': function (m) {
			try {
				const res = m.response;
				const sock = m.socket;
				let t = -1;	/* not timed */
				if (--server.skip <= 0) {
					/* every `every`th on average, at random (no aliasing
					 * with a pattern in the traffic); route counts are
					 * scaled by the window's actual share (routesOf), so
					 * the bias of a non-integer `every` does not matter */
					server.skip = server.every > 1 ? 1 + Math.floor(Math.random() * (2 * server.every - 1)) : 1;
					t = clock.now();
				}
				server.inFlight++;
				server.seen = true;
				if (st.idle) idleWake(st);
				if (!sock) {
					res[K_START] = t;
					res.on('close', onServerClose);
					return;
				}
				let o = sock[K_SOCK];
				if (o === undefined) {
					o = sock[K_SOCK] = { side: server, n: 0, res: null, t0: 0, route: undefined };
					sock.on('close', onSockClose);
				} else if (o.side !== server) {	/* a record of an earlier dashboard's */
					o.side = server;
					o.n = 0;
					o.res = null;
				}
				if (o.res === null) {
					o.res = res;
					o.t0 = t;
					o.route = undefined;
				} else {
					res[K_START] = t;
				}
				o.n++;
			} catch (e) { /* ignore */ }
		},
		'http.server.response.finish': function (m) {
			try {
				const res = m.response;
				const sock = m.socket;
				const o = sock ? sock[K_SOCK] : undefined;
				let t0, route;
				if (o !== undefined && o.res === res && o.side === server) {
					t0 = o.t0;
					route = o.route;
					o.res = null;
				} else {
					t0 = res[K_START];
					if (t0 === undefined) return;
					res[K_START] = undefined;
					route = res[K_ROUTE];
				}
				if (o !== undefined && o.side === server && o.n > 0) o.n--;
				server.inFlight--;
				const code = res.statusCode;
				cnt[code >= 100 && code < 600 ? ((code / 100) | 0) - 1 : 5]++;
				if (t0 >= 0) {
					const method = m.request.method;
					httpRecord(st, 'httpServer', clock.now() - t0, code,
						typeof method === 'string' ? method : '?', routeOf(m.request, route));
				}
			} catch (e) { /* ignore */ }
		},
		/* fastify names the route of the request it hands to a handler */
		'tracing:fastify.request.handler:start': function (m) {
			try {
				const raw = m.reply && m.reply.raw;
				if (!raw || !m.route || typeof m.route.url !== 'string') return;
				const o = raw.socket ? raw.socket[K_SOCK] : undefined;
				if (o !== undefined && o.res === raw) {
					if (o.t0 >= 0) o.route = m.route.url;	/* timed: its route counts */
				} else if (raw[K_START] >= 0) {
					raw[K_ROUTE] = m.route.url;
				}
			} catch (e) { /* ignore */ }
		},
		'http.client.request.start': guard(function (m) {
			client.seen = true;
			if (st.idle) idleWake(st);
			client.inFlight++;
			m.request[K_START] = now();
		}),
		'http.client.response.finish': guard(function (m) {
			finish(client, 'httpClient', m.request, m.response.statusCode);
		}),
		'http.client.request.error': guard(function (m) {
			if (m.request[K_START] === undefined) return;
			m.request[K_START] = undefined;
			client.inFlight--;
			httpError(st, 'httpClient');
		}),
		'undici:request:create': guard(function (m) {
			client.seen = true;
			if (st.idle) idleWake(st);
			client.inFlight++;
			undiciStart.set(m.request, now());
		}),
		'undici:request:headers': guard(function (m) {
			const t0 = undiciStart.get(m.request);
			if (t0 === undefined) return;
			undiciStart.delete(m.request);
			client.inFlight--;
			httpRecord(st, 'httpClient', now() - t0, m.response && m.response.statusCode);
		}),
		'undici:request:error': guard(function (m) {
			if (!undiciStart.delete(m.request)) return;
			client.inFlight--;
			httpError(st, 'httpClient');
		}),
	};
	for (const name of Object.keys(subs)) {
		subs[name] = acct(name, subs[name]);
		try { dc.subscribe(name, subs[name]); } catch (e) { delete subs[name]; }
	}
	st.http = { subs: subs, server: server, client: client };
}

function httpStop(st) {
	if (!st.http || st.conns.size) return;
	for (const name of Object.keys(st.http.subs)) {
		try { dc.unsubscribe(name, st.http.subs[name]); } catch (e) { /* ignore */ }
	}
	st.http = null;
}

/* ---- worker threads ------------------------------------------------------
 *
 * Worker threads have isolates, heaps and loops of their own, which the main
 * thread's probe cannot read through any API of Node 20 (Worker objects have
 * performance.eventLoopUtilization() but no heap figures, and the app's Worker
 * objects cannot be found after the fact). The inspector can: an in-process
 * session's NodeWorker domain attaches to every worker, existing and new, and
 * Runtime.evaluate with the command-line API (which has `require`) runs in
 * its thread. So each worker gets WORKER_SRC — a GC observer and a 2 Hz timer
 * whose lateness and busy time are its lag — and each sample asks it for its
 * figures (the answer lands in the next sample, with the worker's own ts).
 * All of it only while a dashboard is connected; it is taken down after. */
const WORKER_SRC = '(' + function vitalsWorker() {
	const K = Symbol.for('vitals.worker');
	if (globalThis[K]) return 'already';
	const v8m = require('v8');
	const ph = require('perf_hooks');
	const wtm = require('worker_threads');
	const fs = require('fs');
	/* ticks twice per 1 s read, so every read window of a turning loop holds one */
	const P = 500;
	/* This thread's scheduler account, [ms on a CPU, ms runnable but
	 * waiting for one] (read() and the timer run on the worker's own
	 * thread); null where /proc has no schedstat. */
	const sched = function () {
		try {
			const f = fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
			const v = [Number(f[0]) / 1e6, Number(f[1]) / 1e6];
			return v[0] >= 0 && v[1] >= 0 ? v : null;
		} catch (e) {
			return null;
		}
	};
	const w = { gcN: 0, gcMaj: 0, gcMs: 0, lagMax: 0, lagN: 0, elu: ph.performance.eventLoopUtilization(),
		last: ph.performance.now(), armed: ph.performance.now(), act: 0, timer: null, obs: null, sched: sched() };
	w.act = w.elu.active;
	try {
		w.obs = new ph.PerformanceObserver(function (list) {
			for (const e of list.getEntries()) {
				w.gcN++;
				w.gcMs += e.duration;
				/* the heap right after a mark-compact is the live set: what the leak rule judges */
				if (e.detail && e.detail.kind === ph.constants.NODE_PERFORMANCE_GC_MAJOR) w.gcMaj++;
			}
		});
		w.obs.observe({ entryTypes: ['gc'] });
	} catch (e) { w.obs = null; }
	w.timer = setInterval(function () {
		const now = ph.performance.now();
		const e = ph.performance.eventLoopUtilization();
		const late = Math.max(0, now - w.armed - P);
		const active = e.active - w.act;
		const lag = late >= 2 && active >= late / 2 ? Math.max(late, Math.min(active, late + P)) : late;
		if (lag > w.lagMax) w.lagMax = lag;
		w.lagN++;
		w.armed = now;
		w.act = e.active;
	}, P);
	w.timer.unref();
	globalThis[K] = {
		read: function () {
			const h = v8m.getHeapStatistics();
			const e = ph.performance.eventLoopUtilization();
			const now = ph.performance.now();
			const d = e.active + e.idle - w.elu.active - w.elu.idle;
			let elu = d > 0 ? (e.active - w.elu.active) / d : 0;
			/* Node counts a loop held by a blocking call as busy, and
			 * piscina parks its idle threads in Atomics.wait: ELU 1 while
			 * the thread sleeps.  The loop was busy at most while the
			 * thread was runnable (on a CPU or waiting for one), so that
			 * share caps it; the on-CPU share is the thread's `cpu`. */
			const s = sched();
			const span = now - w.last;
			let cpu;
			if (s && w.sched && span > 0) {
				cpu = Math.min(1, Math.max(0, (s[0] - w.sched[0]) / span));
				elu = Math.min(elu, Math.max(0, (s[0] - w.sched[0] + s[1] - w.sched[1]) / span));
			}
			w.sched = s;
			const out = { ts: Date.now(), thread_id: wtm.threadId, interval_ms: Math.round(span),
				heap_used: h.used_heap_size, heap_total: h.total_heap_size, heap_limit: h.heap_size_limit,
				external: h.external_memory, elu: Math.round(elu * 1000) / 1000,
				cpu: cpu === undefined ? undefined : Math.round(cpu * 1000) / 1000,
				/* no tick in the window: the loop never turned (say, a
				 * worker waiting in Atomics.wait, as piscina's do) */
				lag_max: w.lagN ? Math.round(w.lagMax * 1000) / 1000 : null, lag_n: w.lagN,
				gc_count: w.gcN, gc_major: w.gcMaj, gc_ms: Math.round(w.gcMs * 1000) / 1000 };
			w.elu = e;
			w.last = now;
			w.lagMax = 0;
			w.lagN = 0;
			w.gcN = 0;
			w.gcMaj = 0;
			w.gcMs = 0;
			return JSON.stringify(out);
		},
		stop: function () {
			clearInterval(w.timer);
			if (w.obs) w.obs.disconnect();
			delete globalThis[K];
			return 'stopped';
		},
	};
	return 'ok';
}.toString() + ')()';
const MAX_WORKERS = 64;

function workersStart(st) {
	if (st.workers || !inspector) return;
	let session;
	try {
		session = new inspector.Session();
		session.connect();
	} catch (e) {
		return;
	}
	const ws = { session: session, list: new Map(), nextId: 1 };
	st.workers = ws;
	const toWorker = function (w, method, params, cb) {
		const id = ws.nextId++;
		if (cb) w.pending.set(id, cb);
		try {
			session.post('NodeWorker.sendMessageToWorker',
				{ sessionId: w.sessionId, message: JSON.stringify({ id: id, method: method, params: params || {} }) });
		} catch (e) {
			w.pending.delete(id);
		}
		return id;
	};
	ws.toWorker = toWorker;
	session.on('NodeWorker.attachedToWorker', guard(function (m) {
		if (st.workers !== ws || ws.list.size >= MAX_WORKERS) return;
		const info = m.params.workerInfo || {};
		const t = /^\[worker (\d+)\] ?(.*)$/.exec(info.title || '');
		const w = { sessionId: m.params.sessionId, thread_id: t ? Number(t[1]) : Number(info.workerId) || 0,
			name: t ? t[2] : String(info.title || ''), url: String(info.url || ''), last: null, pending: new Map(),
			ready: false, setups: 0, setupAt: 0, setupId: 0, onEvent: null,
			gap: 0, askedAt: 0, ref: null };
		ws.list.set(w.sessionId, w);
		workerSetup(ws, w);
		if (st.idle) idleWake(st);
	}));
	session.on('NodeWorker.detachedFromWorker', guard(function (m) {
		ws.list.delete(m.params.sessionId);
		if (st.idle) idleWake(st);
	}));
	session.on('NodeWorker.receivedMessageFromWorker', acct('workerAnswer', guard(function (m) {
		const w = ws.list.get(m.params.sessionId);
		if (!w) return;
		const msg = JSON.parse(m.params.message);
		if (msg.id === undefined) {	/* an event of the worker's session: a snapshot's chunks */
			if (w.onEvent && typeof msg.method === 'string') w.onEvent(msg.method, msg.params || {});
			return;
		}
		const cb = w.pending.get(msg.id);
		if (!cb) return;
		w.pending.delete(msg.id);
		cb(msg.result, msg.error);
	})));
	session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, noop);
}

/* Installs WORKER_SRC in w's thread.  A worker that has just started may
 * not answer yet (or answer with an error while its own bootstrap runs), so
 * workersPoll asks again, soon at first and then every few seconds
 * (WORKER_RETRY_MS after each try), a bounded number of times; the callback
 * of an unanswered try is dropped so that it cannot pile up in `pending`. */
const WORKER_RETRY_MS = [500, 1000, 2000, 3000, 3000, 3000, 3000, 3000];
function workerSetup(ws, w) {
	if (w.setupId) w.pending.delete(w.setupId);
	w.setups++;
	w.setupAt = Date.now();
	w.setupId = ws.toWorker(w, 'Runtime.evaluate', { expression: WORKER_SRC, includeCommandLineAPI: true, returnByValue: true },
		function (res) {
			w.setupId = 0;
			if (!w.ready) w.ready = !!(res && res.result && !res.exceptionDetails);
		});
}

/* A worker whose figures hold still is asked less often. A poll is the
 * costliest thing the probe does a second in a busy server: a post to the
 * worker (~35 µs of the main thread's CPU) that wakes it to compile and run
 * the read and post back, on a machine short of cores on the server's own
 * CPU (measured, PARTS=acct: 2.5-6.6 ms of wall a poll of piscina's two
 * idle threads, 0.25-0.66 % of the server's time at 1 Hz). So while a
 * worker's answers stay steady against the one that started the run (heap
 * total the same, used within HEAP_MOVE of the total, no mark-compact, its
 * loop and thread under WORKER_QUIET of a core, no tick WORKER_LATE_MS
 * late) the gap between polls doubles, from a second up to
 * WORKER_GAP_MAX_MS; an answer that is not steady asks again at every
 * sample. Meanwhile samples carry the last answer, with its own `ts` and
 * `interval_ms` (readers go by the worker's ts: alerts judge each once). */
const WORKER_GAP_MAX_MS = 4000;
const WORKER_QUIET = 0.05;
const WORKER_LATE_MS = 20;
function workerSteady(ref, x) {
	return ref.heap_total === x.heap_total && Math.abs(x.heap_used - ref.heap_used) < HEAP_MOVE * x.heap_total &&
		!(x.gc_major > 0) && !(x.elu >= WORKER_QUIET) && !(x.cpu >= WORKER_QUIET) && !(x.lag_max >= WORKER_LATE_MS);
}

/* Asks every worker due for its figures (answers land in w.last). */
function workersPoll(st, now) {
	const ws = st.workers;
	if (!ws) return;
	for (const w of ws.list.values()) {
		if (!w.ready && w.setups <= WORKER_RETRY_MS.length && Date.now() - w.setupAt >= WORKER_RETRY_MS[w.setups - 1])
			workerSetup(ws, w);
		if (!w.ready || w.pending.size > 4) continue;	/* a stuck worker is not asked again and again */
		if (w.gap > 0 && now - w.askedAt < w.gap - SLACK_MS) continue;
		w.askedAt = now;
		ws.toWorker(w, 'Runtime.evaluate', { expression: 'globalThis[Symbol.for("vitals.worker")].read()', returnByValue: true },
			function (res) {
				const v = res && res.result && res.result.value;
				if (typeof v !== 'string') return;
				let x;
				try { x = JSON.parse(v); } catch (e) { return; }
				if (w.ref !== null && workerSteady(w.ref, x)) {
					w.gap = Math.min(WORKER_GAP_MAX_MS, Math.max(1000, 2 * w.gap));
				} else {
					w.gap = 0;
					w.ref = x;
				}
				w.last = x;
			});
	}
}

/* The sample's `workers`: each worker's latest figures, once it has any. */
function workersOf(st) {
	const ws = st.workers;
	if (!ws) return null;
	const out = [];
	for (const w of ws.list.values()) {
		if (!w.last) continue;
		const x = w.last;
		out.push({ thread_id: w.thread_id || x.thread_id, name: w.name, url: w.url, ts: x.ts,
			interval_ms: x.interval_ms, heap_used: x.heap_used, heap_total: x.heap_total,
			heap_limit: x.heap_limit, external: x.external, elu: x.elu, cpu: x.cpu, lag_max: x.lag_max, lag_n: x.lag_n,
			gc_count: x.gc_count, gc_major: x.gc_major, gc_ms: x.gc_ms });
	}
	return out;
}

function workersStop(st) {
	const ws = st.workers;
	if (!ws || st.conns.size) return;
	st.workers = null;
	for (const w of ws.list.values())
		ws.toWorker(w, 'Runtime.evaluate', { expression: 'globalThis[Symbol.for("vitals.worker")] && globalThis[Symbol.for("vitals.worker")].stop()' });
	try { ws.session.post('NodeWorker.disable'); } catch (e) { /* ignore */ }
	closeSession(ws.session);
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
		if (st.idle) idleWake(st);
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
	if (st.idle) idleWake(st);
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

/* A worker thread's heap snapshot: its own isolate's, taken in the worker
 * through the NodeWorker session (HeapProfiler.takeHeapSnapshot), whose
 * chunks come back as events.  Only the worker pauses.  They arrive as fast
 * as the worker writes them and cannot be paused, so they are gathered (the
 * main thread holds them as event strings anyway; at most MAX_WORKER_SNAPSHOT
 * characters) and sent once the worker is done, at the pace the dashboard
 * reads (sendText).  A cancel drops what came and what comes. */
const MAX_WORKER_SNAPSHOT = 256 * 1024 * 1024;
function cmdWorkerSnapshot(st, conn, id, tid) {
	if (!Number.isSafeInteger(tid) || tid < 1)
		return sendError(conn, id, 'EINVAL', 'thread_id must be a positive integer');
	let w = null;
	if (st.workers)
		for (const x of st.workers.list.values()) if (x.thread_id === tid && x.ready) w = x;
	if (!w) return sendError(conn, id, 'EINVAL', 'no worker thread ' + tid + ' is being watched');
	const cap = beginCapture(st, conn, id, 'heap_snapshot');
	if (!cap) return;
	send(conn, { t: 'progress', id: id, phase: 'snapshot', done: 0 });
	let parts = [];
	let size = 0;
	let finished = false;
	const finish = function () {
		finished = true;
		parts = [];
		if (w.onEvent === onEvent) w.onEvent = null;
		endCapture(st, cap);
	};
	const onEvent = function (method, params) {
		if (finished || method !== 'HeapProfiler.addHeapSnapshotChunk' || typeof params.chunk !== 'string') return;
		size += params.chunk.length;
		if (size > MAX_WORKER_SNAPSHOT) {
			finish();
			return sendError(conn, id, 'EFAIL', 'heap snapshot of thread ' + tid + ' is over ' +
				MAX_WORKER_SNAPSHOT + ' characters');
		}
		parts.push(params.chunk);
		return undefined;
	};
	cap.cancel = finish;
	w.onEvent = onEvent;
	st.workers.toWorker(w, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false }, guard(function (res, err) {
		if (finished) return;
		if (err || conn.closed) {
			finish();
			return sendError(conn, id, 'EFAIL', 'heap snapshot of thread ' + tid + ': ' +
				String((err && err.message) || 'connection closed'));
		}
		const text = parts.join('');
		parts = [];
		if (w.onEvent === onEvent) w.onEvent = null;
		sendText(conn, id, text, function (bytes) {
			if (finished) return;
			endCapture(st, cap);
			finished = true;
			if (bytes >= 0) replyOk(conn, id, 'heap_snapshot', { bytes: bytes, thread_id: tid });
		}, function () { return finished; });
	}));
}

function cmdCpuProfile(st, conn, id, msg) {
	const secs = msg.seconds;
	if (!Number.isInteger(secs) || secs < 1 || secs > 300)
		return sendError(conn, id, 'EINVAL', 'seconds must be an integer 1..300');
	if (!inspector) return sendError(conn, id, 'EFAIL', 'the inspector module is not available');
	const cap = beginCapture(st, conn, id, 'cpu_profile');
	if (!cap) return;
	if (st.hunt) huntStop(st, st.hunt);	/* the capture owns the profiler */
	markProfiled(st);
	let session;
	let timer = null;
	let tick = null;
	let done = false;
	const cleanup = function () {
		done = true;
		markProfiled(st);
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
			deoptForProfile(session);
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
		setRate(st, conn, msg.hz);
		return replyOk(conn, id, 'hz', { hz: msg.hz });
	case 'heap_snapshot':
		if (msg.thread_id !== undefined) return cmdWorkerSnapshot(st, conn, id, msg.thread_id);
		return cmdHeapSnapshot(st, conn, id);
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
		sock: sock, st: st, all: st.conns, closed: false, httpServer: httpAcc(), httpClient: httpAcc(), routes: new Map(), nroutes: 0, otherRoute: null, hz: 1, period: 1000, nextDue: 0, seq: 0,
		sendDue: 0, quiet: 0, heapUsed: 0, heapTotal: 0,
		last: perf.performance.now(), elu: perf.performance.eventLoopUtilization(),
		lagVals: new Float64Array(64), lagN: 0, lagMax: 0, lagOwn: 0, lagOwnLast: 0, waitMark: -1, lagRes: 0, stalls: [], profiled: false,
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
	st.conns.add(conn);
	st.connList = Array.from(st.conns);
	gcStart(st);
	httpStart(st);
	conn.srvBase = st.http ? Float64Array.from(st.http.server.cnt) : null;	/* SrvCount at its last sample (httpOf) */
	workersStart(st);
	const close = guard(function () {
		if (conn.closed) return;
		conn.closed = true;
		st.conns.delete(conn);
		st.connList = Array.from(st.conns);
		gcStop(st);
		httpStop(st);
		workersStop(st);
		monStop(st);
		monReset(st);
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
	monStart(st);
	setRate(st, conn, conn.hz);
	/* A first sample now: the dashboard has figures at once, not 1/hz after
	 * connecting (its lag window is empty: n 0). */
	emitSample(conn, perf.performance.now(), Date.now(), perf.performance.eventLoopUtilization(), true);
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

/* Close the inspector the injector opened, once its session is over.  The
 * injector (collectors/inspector.c) ends its session and waits until the
 * inspector has closed the connection before it first connects to our
 * socket, so that connection is the cue (st.closeInspector, called by
 * whichever copy of the probe made the server); closing under a live
 * session would skip the session's end on the inspector's thread.  If no
 * cue comes (the injector died: its watchdog acts too), close anyway
 * CLOSE_INSPECTOR_MS later — closing is never left to someone else.
 * Then look again a few times.  Node answers one SIGUSR1 twice, with a V8
 * interrupt and a libuv async that each start the inspector unless it runs.
 * In an app whose main thread was busy when the signal came (still loading
 * its modules: pm2 cluster members attached as they started), the one opened
 * the inspector vitals injected us through and the other, run once the loop
 * ran again, just after this close, opened it anew for good: 9229 stayed open
 * and every later attach failed ("held by PID …").  The second start comes
 * within tens of ms of the close (tests/fixtures busy start, load 30); the
 * looks 0.4, 1.2 and 2.4 s on close it, and do nothing when it is closed. */
const CLOSE_INSPECTOR_MS = 1000;
function closeInspectorSoon(st, ms) {
	if (!inspector) return;
	let timer = null;
	let n = 1;
	const again = guard(function () {
		if (inspector.url()) inspector.close();
		if (++n < 4) setTimeout(again, 400 * n).unref();
	});
	const close = guard(function () {
		if (st.closeInspector !== close) return;
		st.closeInspector = null;
		clearTimeout(timer);
		inspector.close();
		setTimeout(again, 400).unref();
	});
	st.closeInspector = close;
	timer = setTimeout(close, ms > 0 ? ms : CLOSE_INSPECTOR_MS);
	timer.unref();
}

function startInner(opts) {
	const prev = globalThis[KEY];
	if (prev && prev.active) {
		/* Already running (say --require'd): the inspector the injector
		 * opened still wants closing. */
		if (opts.closeInspector) closeInspectorSoon(prev, opts.closeInspectorMs);
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
	server.on('connection', guard(function (s) {
		if (st.closeInspector) st.closeInspector();
		onConnection(st, s);
	}));
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
	if (opts.closeInspector) closeInspectorSoon(st, opts.closeInspectorMs);
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
 * stand-alone connection state whose window holds the 50 lateness values of
 * a busy second, as a real 1 Hz sample of a busy loop does. */
function benchSampler() {
	const conn = { seq: 0, last: perf.performance.now(), elu: perf.performance.eventLoopUtilization(),
		gc: [], gcDropped: 0, lagVals: new Float64Array(64), lagN: 0, lagMax: 0, lagOwn: 0, lagOwnLast: 0, waitMark: -1, lagRes: 0, stalls: [] };
	return {
		sample: function () {
			for (let i = 0; i < 1000 / FINE_MS; i++) lagPush(conn, (i * 7919) % 13 / 10);
			conn.lagRes = FINE_MS;
			return JSON.stringify(buildSample(conn, perf.performance.now(), Date.now(), perf.performance.eventLoopUtilization(), true));
		},
		close: noop,
	};
}

/* For the cost benchmark (bench/fixtures/probe_http_cost.js) and
 * probe/test/traffic.test.js: the HTTP subscriptions of a probe state with
 * one stand-in connection, and its `http` figures; `every`: a
 * server request in about that many timed (as above TIMED_RPS). */
function benchHttp(every) {
	const st = newState();
	const conn = { st: st, httpServer: httpAcc(), httpClient: httpAcc(), routes: new Map(), nroutes: 0, otherRoute: null,
		srvBase: new Float64Array(6) };
	st.conns.add(conn);
	st.connList = [conn];
	httpStart(st);
	if (st.http && every > 1) st.http.server.every = every;
	return {
		count: function () { return st.http ? st.http.server.cnt.reduce((x, y) => x + y, 0) : 0; },
		routes: function () { const o = []; for (const [m, b] of conn.routes) for (const r of b.keys()) o.push(m + ' ' + r); return o; },
		sample: function (intervalMs) { return httpOf(conn, 'httpServer', 0, intervalMs); },
		close: function () { st.conns.clear(); st.connList = []; httpStop(st); },
	};
}

/* The accounted parts (see acct): the loop monitor's tick (all of it), the
 * sample (its build, JSON and write), the worker poll and its answers (above),
 * and each HTTP channel handler (httpStart). */
if (ACCT !== null) {
	monTick = acct('monTick', monTick);
	schedRead = acct('schedRead', schedRead);
	monArm = acct('monArm', monArm);
	emitSample = acct('emitSample', emitSample);
	buildSample = acct('buildSample', buildSample);
	quietSample = acct('quietSample', quietSample);
	spaceStats = acct('spaceStats', spaceStats);
	countHandles = acct('countHandles', countHandles);
	httpOf = acct('httpOf', httpOf);
	workersOf = acct('workersOf', workersOf);
	send = acct('send', send);
	writeLine = acct('write', writeLine);
	workersPoll = acct('workersPoll', workersPoll);
	/* the wrapper's own cost, as it lands inside the measured span: the
	 * least of 20 batches (a batch the host preempted reads more) */
	const cal = acct('_cal', noop);
	const c = ACCT.parts._cal;
	let best = Infinity;
	for (let b = 0; b < 20; b++) {
		c[0] = c[1] = 0;
		for (let i = 0; i < 10000; i++) cal();
		best = Math.min(best, c[1] / c[0]);
	}
	ACCT.overhead = best;
	delete ACCT.parts._cal;
}

module.exports = { start: start, version: VERSION, _benchSampler: benchSampler, _benchHttp: benchHttp };

if (!globalThis.__vitalsProbeNoAutostart) start({});
