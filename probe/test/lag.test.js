'use strict';
// The loop monitor (issue 11 item 3, issue 12 item 1): an idle app is woken
// by the probe once a coalesced sample (every 10 s) and no more, each sample
// says when the next is due, and a GC brings the next one in; a block of any length shows in the
// lag of the sample whose window it ended in, idle or busy; a stall names the
// function that blocked the loop.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const h = require('./helpers');

const app = h.appPool(after);

/* Context switches of a process's main thread so far (each wake-up of an
 * idle loop is at least one). */
function switches(pid) {
	const t = fs.readFileSync('/proc/' + pid + '/task/' + pid + '/status', 'utf8');
	/* voluntary only: each is the thread going to sleep, so one wake-up;
	 * a loaded machine's preemptions (nonvoluntary) are not the app's */
	const v = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(t);
	return Number(v[1]);
}

/* A CPU cgroup (v1's cpu controller) with a quota of `quota` ms a `period`
 * ms, or null where none can be made (not root, no such controller). */
function cpuQuota(quota, period) {
	const dir = '/sys/fs/cgroup/cpu/vitals-test-' + process.pid + '-' + Math.floor(Math.random() * 1e6);
	try {
		fs.mkdirSync(dir);
		fs.writeFileSync(dir + '/cpu.cfs_period_us', String(period * 1000));
		fs.writeFileSync(dir + '/cpu.cfs_quota_us', String(quota * 1000));
		fs.readFileSync('/proc/self/task/' + process.pid + '/schedstat');
	} catch (e) {
		try { fs.rmdirSync(dir); } catch (e2) { /* none */ }
		return null;
	}
	return {
		add: (pid) => fs.writeFileSync(dir + '/cgroup.procs', String(pid)),
		remove: () => { try { fs.rmdirSync(dir); } catch (e) { /* still has a task */ } },
	};
}

/* Waits until the probe watches the loop coarsely (idle): a sample whose
 * whole window had the 1 Hz resolution. */
function coarse(c, ms) {
	return c.wait((m) => m.t === 'sample' && m.lag.res_ms >= 900 && m.lag.n <= 2, ms || 30000, c.msgs.length);
}

/* Waits for a coalesced sample (an idle loop's: the next due 10 periods on). */
function coalesced(c, ms) {
	return c.wait((m) => m.t === 'sample' && m.next_ms >= 4000, ms || 30000, c.msgs.length);
}

describe('loop monitor', { concurrency: 3 }, () => {
	it('an idle attached app wakes about once a coalesced sample, not 100 times a second', async (t) => {
		// Ten quiet seconds in a row: on a run queue many times the cores
		// (load 40 on 2 seen) preemption makes every window look worked in.
		const load = require('os').loadavg()[0], cores = require('os').cpus().length;
		if (load > 8 * cores) return t.skip(`machine too loaded for 10 quiet seconds (load ${load.toFixed(1)} on ${cores} cores)`);
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		// A window of 15 s in which every sample was coalesced (a loaded
		// machine can make the loop look busy for a while: then try again);
		// it starts at a coalesced sample, so it holds the next one (due
		// 10 s on) whatever the timer's slack.
		let rate = null;
		let got = 0;
		for (let i = 0; i < 4 && rate === null; i++) {
			await coalesced(c);
			const s0 = switches(a.pid);
			const n0 = c.samples().length;
			await h.delay(15000);
			const win = c.samples().slice(n0);
			if (win.some((m) => m.next_ms < 4000)) continue;
			rate = (switches(a.pid) - s0) / 15;
			got = win.length;
		}
		assert.ok(rate !== null, 'never 15 s of coalesced samples');
		// Its own 1 s interval, the probe's tick every 10 s, a little slack;
		// the 10 ms histogram of the old probe made this > 100, one sample a
		// second about 2.
		assert.ok(rate <= 1.8, 'main-thread wake-ups per second: ' + rate);
		assert.ok(got >= 1 && got <= 2, 'samples in 15 s: ' + got);
		c.close();
	});

	it('idle, samples come at once, then one every 10 periods, each saying when the next is due', async () => {
		const a = await app(['idle']);
		const t0 = Date.now();
		const c = await h.connect(a.sock);
		const first = await c.wait((m) => m.t === 'sample', 5000);
		assert.ok(first.seq === 1 && Date.now() - t0 < 2000, 'first sample after ' + (Date.now() - t0) + ' ms');
		assert.ok(first.next_ms > 0 && first.next_ms <= 1000, 'first next_ms ' + first.next_ms);
		const s1 = await coalesced(c);
		const s2 = await c.wait((m) => m.t === 'sample' && m.seq === s1.seq + 1, s1.next_ms + 3000);
		const seen = JSON.stringify(c.samples().map((m) => [m.seq, m.ts, m.interval_ms, m.next_ms, m.lag.res_ms]));
		// Due when announced (the timer may be late on a loaded machine,
		// never early by more than its slack).
		assert.ok(s2.ts - s1.ts >= s1.next_ms - 10, 'early: ' + seen);
		assert.ok(s2.ts - s1.ts <= s1.next_ms + 1000, 'late: ' + seen);
		if (s2.next_ms >= 4000) {
			assert.ok(Math.abs(s2.interval_ms - 10000) <= 1000, 'a coalesced window: ' + seen);
			assert.ok(s2.lag.res_ms >= 4000, 'its lag resolution is the window: ' + seen);
		}
		// Every sample came by the time the one before it announced.
		const ss = c.samples();
		for (let i = 1; i < ss.length; i++)
			assert.ok(ss[i].ts - ss[i - 1].ts <= ss[i - 1].next_ms + 1000, 'overdue: ' + seen);
		c.close();
	});

	it('a 1 s block after a quiet spell is in lag within one coalesced interval', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		const s0 = await coalesced(c);
		await h.delay(1500);
		const w0 = h.runDelayMs(a.pid);
		a.send('block 1000');
		const b = await a.nextLine((l) => l.blocked, 10000);
		const blockMs = b.blocked[1] - b.blocked[0];
		const s = await c.wait((m) => m.t === 'sample' && m.ts >= b.blocked[1] - 5, 15000);
		// A loaded machine keeps the loop waiting for a CPU after the block
		// too: that wait is in the lag (the truth), so the bound allows it.
		const waited = h.runDelayMs(a.pid) - w0;
		const seen = JSON.stringify(c.samples().map((m) => [m.seq, m.ts, m.interval_ms, m.next_ms, m.lag.max, m.lag.res_ms]));
		assert.ok(s.ts <= s0.ts + s0.next_ms + 1000, 'the window holding the block came late: ' + seen);
		assert.ok(s.lag.max >= 0.9 * blockMs && s.lag.max <= blockMs + 150 + waited,
			`lag max ${s.lag.max} for a ${blockMs} ms block (waited for a CPU ${Math.round(waited)} ms): ` + seen);
		assert.ok(s.ts - s.interval_ms <= b.blocked[0] + 5, 'the window holds the block: ' + seen);
		// The loop is now watched finely: the next sample a period later.
		assert.ok(s.next_ms <= 1000, 'not coalesced after a block: ' + seen);
		c.close();
	});

	it('a GC while samples are coalesced brings the next within a period', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		const s0 = await coalesced(c);
		const t = Date.now();
		c.send({ id: 7, cmd: 'gc' });
		const s = await c.wait((m) => m.t === 'sample' && m.seq === s0.seq + 1, 10000);
		const seen = JSON.stringify(c.samples().map((m) => [m.seq, m.ts, m.interval_ms, m.next_ms, m.gc.length]));
		assert.ok(s.gc.length > 0, 'the GC is in it: ' + seen);
		// Due at the next second of the grid after the GC (a loaded
		// machine's late timer and slow GC given 1 s).
		assert.ok(s.ts - t <= 2000 && s.ts < s0.ts + s0.next_ms - 500, 'it waited for the coalesced one: ' + seen + ' gc at ' + t);
		assert.ok(s.next_ms <= 1000, 'and the next is not coalesced: ' + seen);
		c.close();
	});

	it('a 1 s block in an idle app shows whole in the sample it ended in', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		await coarse(c);
		a.send('block 1000');
		const b = await a.nextLine((l) => l.blocked, 10000);
		const s = await c.wait((m) => m.t === 'sample' && m.ts >= b.blocked[1] - 5, 12000);
		const blockMs = b.blocked[1] - b.blocked[0];
		assert.ok(s.lag.max >= 0.9 * blockMs && s.lag.max <= blockMs + 100,
			`lag max ${s.lag.max} for a ${blockMs} ms block (res ${s.lag.res_ms})`);
		assert.equal(s.lag.p99, s.lag.max, 'and in p99');
		assert.ok(s.ts - s.interval_ms <= b.blocked[0] + 5, 'the window holds the block: ' + JSON.stringify(b) + ' ' + JSON.stringify(c.samples().slice(-3).map((m) => [m.seq, m.ts, m.interval_ms, m.lag.max])));
		// The next window does not repeat it. Its own lateness is what the
		// app waited for a CPU (other tests' blocks run at the same time on
		// 2 cores: 133 ms seen), which the bound allows.
		const w0 = h.runDelayMs(a.pid);
		const next = await c.wait((m) => m.t === 'sample' && m.seq === s.seq + 1, 5000);
		const waited = h.runDelayMs(a.pid) - w0;
		assert.ok(next.lag.max < 100 + waited, 'next window: ' + next.lag.max + ' (waited for a CPU ' + Math.round(waited) + ' ms)');
		c.close();
	});

	it('1000 ms blocks every 2 s: every block is in lag max and p99', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'sample' && m.seq === 2, 5000);
		const blocks = [];
		for (let i = 0; i < 4; i++) {
			a.send('block 1000');
			blocks.push((await a.nextLine((l) => l.blocked, 10000)).blocked);
			await h.delay(1000);
		}
		await c.wait((m) => m.t === 'sample' && m.ts > blocks[3][1] + 1000, 5000);
		for (const [t0, t1] of blocks) {
			const s = c.samples().find((m) => m.ts >= t1 - 5 && m.ts - m.interval_ms <= t0 + 5);
			assert.ok(s, 'a sample window holds the block ending ' + t1);
			assert.ok(s.lag.max >= 0.9 * (t1 - t0), `max ${s.lag.max} for ${t1 - t0} ms: ` + JSON.stringify(blocks) + JSON.stringify(c.samples().map((m) => [m.seq, m.ts, m.interval_ms, m.lag.max, m.lag.res_ms, m.profiling ? 'P' : m.elu])));
			assert.ok(s.lag.p99 >= 0.9 * (t1 - t0), `p99 ${s.lag.p99} for ${t1 - t0} ms`);
		}
		// No sample says 0 lag with a busy loop (the old probe's elu 1, lag 0).
		for (const s of c.samples().filter((m) => m.lag.n > 0)) assert.ok(!(s.elu > 0.5 && s.lag.max < 100), JSON.stringify(s.lag) + ' elu ' + s.elu);
		c.close();
	});

	// A saturated loop that its CPU quota stops for 700 ms of every second
	// (the thread stays runnable: schedstat counts it as waiting) is late
	// by as much as a stall, but its own code blocked nothing: a culprit
	// hunt would only deoptimise a server already short of CPU.
	// The first throttled window is coarse: its lag is the loop's busy time
	// (1.4-1.6 s), most of it the quota's wait; the tick was late by less
	// than the thread waited, so it is the machine's.
	it('a loop late for want of CPU (a throttled cgroup) starts no culprit hunt', async (t) => {
		// The CPU wait is read at marks up to 500 ms old; on a machine whose
		// run queue is many times its cores (load 40-70 on 2 seen in a shared
		// CI), waits from outside the window blur the verdict both ways.
		const load = require('os').loadavg()[0], cores = require('os').cpus().length;
		if (load > 4 * cores) return t.skip(`machine too loaded to judge CPU wait (load ${load.toFixed(1)} on ${cores} cores)`);
		const cg = cpuQuota(300, 1000);
		if (!cg) return t.skip('no writable cgroup v1 cpu controller (not root?)');
		const a = await app(['spin']);
		after(async () => { await a.kill(); cg.remove(); });
		cg.add(a.pid);
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'sample' && m.seq >= 9, 20000);
		const seen = c.samples().map((m) => [m.seq, m.lag.max, m.profiling ? 'P' : m.elu]);
		assert.ok(c.samples().some((m) => m.lag.max >= 300), 'the quota made no lateness: ' + JSON.stringify(seen));
		assert.ok(!c.samples().some((m) => m.profiling || (m.stalls && m.stalls.length)), 'a hunt: ' + JSON.stringify(seen));
		c.close();
		await a.kill();
		cg.remove();
	});

	it('a stall names the function that blocked the loop, with its file and line', async () => {
		const a = await app(['ledger']);
		const c = await h.connect(a.sock);
		const s = await c.wait((m) => m.t === 'sample' && m.stalls && m.stalls.length, 30000).catch(() => {
			throw new Error('no culprit in ' + JSON.stringify(c.samples().map((m) => [m.seq, m.lag.max, m.lag.res_ms, m.profiling ? 'P' : m.elu])));
		});
		const x = s.stalls[0];
		assert.equal(x.fn, 'parseLedger', JSON.stringify(s.stalls));
		assert.equal(path.basename(x.url), 'billing.js');
		const src = fs.readFileSync(path.join(h.FIXTURES, 'billing.js'), 'utf8').split('\n');
		assert.match(src[x.line - 1], /function parseLedger/, 'line ' + x.line);
		assert.ok(x.ms >= 250 && x.ms <= 3000, 'stall ms ' + x.ms);
		assert.ok(x.share >= 0.5 && x.samples >= 1, JSON.stringify(x));
		assert.ok(Math.abs(x.ts - s.ts) < 3000, 'stall ts near its sample');
		c.close();
	});
});
