'use strict';
// The fixed command set, its results parsed the way a tool would, and the
// probe's answers to malformed input.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const h = require('./helpers');

const app = h.appPool(after);

describe('probe commands', { concurrency: 3 }, () => {
	it('heap_snapshot streams a parseable snapshot; a second capture is EBUSY', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		c.send({ id: 3, cmd: 'heap_snapshot' });
		c.send({ id: 4, cmd: 'report' });
		const busy = await c.wait((m) => m.id === 4 && m.t !== 'chunk', 30000);
		assert.equal(busy.t, 'error');
		assert.equal(busy.code, 'EBUSY');
		const r = await c.wait((m) => m.id === 3 && (m.t === 'reply' || m.t === 'error'), 60000);
		assert.equal(r.t, 'reply', JSON.stringify(r));
		assert.equal(r.cmd, 'heap_snapshot');
		const text = c.chunks(3);
		assert.equal(r.bytes, text.length);
		for (const m of c.msgs.filter((x) => x.t === 'chunk')) assert.ok(m.data.length <= 65536);
		assert.ok(c.msgs.some((m) => m.t === 'progress' && m.id === 3 && m.phase === 'snapshot'));
		const snap = JSON.parse(text);
		assert.ok(snap.snapshot.meta.node_fields.includes('name'));
		assert.ok(snap.snapshot.node_count > 1000);
		assert.equal(c.bad.length, 0, 'every line was JSON');
		// Free again once done.
		const rep = await c.cmd({ id: 5, cmd: 'report' });
		assert.equal(rep.t, 'reply');
		c.close();
	});

	it('cpu_profile 1 s returns a .cpuprofile with nodes and samples', async () => {
		const a = await app(['busy']);
		const c = await h.connect(a.sock);
		const t0 = Date.now();
		const r = await c.cmd({ id: 1, cmd: 'cpu_profile', seconds: 1 }, 20000);
		assert.equal(r.t, 'reply', JSON.stringify(r));
		assert.ok(Date.now() - t0 >= 900, 'profiled for about a second');
		const text = c.chunks(1);
		assert.equal(r.bytes, text.length);
		const prof = JSON.parse(text);
		assert.ok(prof.nodes.length > 1, 'nodes ' + prof.nodes.length);
		assert.ok(prof.samples.length > 10, 'samples ' + prof.samples.length);
		assert.ok(prof.endTime - prof.startTime >= 900000, 'µs span ' + (prof.endTime - prof.startTime));
		// busyWork() keeps the loop busy 20% of the time. (TurboFan often
		// inlines it into the timer list code, so its name is not reliable.)
		const working = prof.nodes.filter((n) => !/^\((idle|program|root)\)$/.test(n.callFrame.functionName))
			.reduce((a, n) => a + n.hitCount, 0);
		assert.ok(working >= 10, 'samples in running code: ' + working + ' of ' + prof.samples.length);
		assert.ok(prof.nodes.some((n) => n.callFrame.functionName === '(idle)'));
		// Samples keep flowing after the profile.
		const from = c.msgs.length;
		await c.wait((m) => m.t === 'sample', 5000, from);
		c.close();
	});

	it('report returns the diagnostic report JSON', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		const r = await c.cmd({ id: 9, cmd: 'report' });
		assert.equal(r.t, 'reply');
		assert.equal(r.cmd, 'report');
		const rep = JSON.parse(c.chunks(9));
		assert.equal(rep.header.nodejsVersion, process.version);
		assert.equal(rep.header.processId, a.pid);
		assert.equal(r.bytes, c.chunks(9).length);
		c.close();
	});

	it('a runtime that throws gives EFAIL and frees the capture slot', async () => {
		const a = await app(['idle']);
		a.send('breakreport');
		await a.line((l) => l.broken);
		const c = await h.connect(a.sock);
		const e = await c.cmd({ id: 1, cmd: 'report' });
		assert.equal(e.t, 'error');
		assert.equal(e.code, 'EFAIL');
		assert.match(e.message, /report broken by the test/);
		const again = await c.cmd({ id: 2, cmd: 'report' });
		assert.equal(again.code, 'EFAIL', 'not EBUSY: ' + JSON.stringify(again));
		const p = await c.cmd({ id: 3, cmd: 'cpu_profile', seconds: 1 }, 20000);
		assert.equal(p.t, 'reply');
		c.close();
	});

	it('cancel stops a running capture: ECANCELED, no more chunks, the slot is free', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		c.send({ id: 1, cmd: 'cpu_profile', seconds: 30 });
		await c.wait((m) => m.t === 'progress' && m.id === 1);
		const r = await c.cmd({ id: 2, cmd: 'cancel', target: 1 });
		assert.equal(r.t, 'reply', JSON.stringify(r));
		assert.equal(r.cancelled, true);
		const e = c.msgs.find((m) => m.id === 1 && m.t === 'error');
		assert.ok(e, 'the capture ended before the reply');
		assert.equal(e.code, 'ECANCELED');
		// free at once for the next capture (it was EBUSY for 30 s)
		const rep = await c.cmd({ id: 3, cmd: 'report' });
		assert.equal(rep.t, 'reply', JSON.stringify(rep));
		// nothing more of the cancelled profile, ever
		await h.delay(1500);
		assert.ok(!c.msgs.some((m) => m.id === 1 && m.t !== 'progress' && m.t !== 'error'));
		assert.ok(!c.msgs.some((m) => m.id === 1 && m.t === 'progress' && c.msgs.indexOf(m) > c.msgs.indexOf(e)));
		// nothing to cancel, or another connection's capture: not cancelled
		assert.equal((await c.cmd({ id: 4, cmd: 'cancel', target: 3 })).cancelled, false);
		const other = await h.connect(a.sock);
		other.send({ id: 1, cmd: 'cpu_profile', seconds: 2 });
		await other.wait((m) => m.t === 'progress' && m.id === 1);
		assert.equal((await c.cmd({ id: 5, cmd: 'cancel', target: 1 })).cancelled, false);
		const p = await other.wait((m) => m.id === 1 && (m.t === 'reply' || m.t === 'error'), 20000);
		assert.equal(p.t, 'reply', 'the other connection\'s profile ran on: ' + JSON.stringify(p));
		const bad = await c.cmd({ id: 6, cmd: 'cancel', target: '1' });
		assert.equal(bad.code, 'EINVAL');
		other.close();
		c.close();
	});

	it('malformed lines get the right error and the connection keeps working', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'hello');
		const errs = () => c.msgs.filter((m) => m.t === 'error');
		const expectErr = async (line, code, id) => {
			const n = errs().length;
			c.send(line);
			await h.until(() => errs().length > n, 5000, 'error for ' + line.slice(0, 40));
			const e = errs()[n];
			assert.equal(e.code, code, line.slice(0, 60) + ' -> ' + JSON.stringify(e));
			assert.equal(e.id, id);
			assert.equal(typeof e.message, 'string');
		};
		await expectErr('this is not json', 'EPARSE', null);
		await expectErr('[1,2]', 'EPARSE', null);
		await expectErr('{"id":1,"cmd":"hz","hz":10', 'EPARSE', null);
		await expectErr('{"id":1,"cmd":"x' + 'a'.repeat(5 * 1024) + '"}', 'ETOOLONG', null);
		await expectErr('{"id":2,"cmd":"rm -rf"}', 'EUNKNOWN', 2);
		await expectErr('{"id":3,"cmd":"__proto__"}', 'EUNKNOWN', 3);
		await expectErr('{"id":4,"cmd":"eval","code":"process.exit()"}', 'EUNKNOWN', 4);
		await expectErr('{"id":5,"cmd":"hz","hz":"10"}', 'EINVAL', 5);
		await expectErr('{"id":6,"cmd":"hz","hz":21}', 'EINVAL', 6);
		await expectErr('{"id":7,"cmd":"hz","hz":2.5}', 'EINVAL', 7);
		await expectErr('{"id":8,"cmd":"cpu_profile","seconds":0}', 'EINVAL', 8);
		await expectErr('{"id":9,"cmd":"cpu_profile"}', 'EINVAL', 9);
		await expectErr('{"id":10,"cmd":"cpu_profile","seconds":301}', 'EINVAL', 10);
		await expectErr('{"id":-1,"cmd":"gc"}', 'EINVAL', null);
		await expectErr('{"id":"1","cmd":"gc"}', 'EINVAL', null);
		await expectErr('{"cmd":"gc"}', 'EINVAL', null);
		await expectErr('{"id":11,"cmd":5}', 'EINVAL', 11);
		// A too-long line arriving in pieces is refused once and skipped whole.
		const n = errs().length;
		c.sock.write('{"id":12,"cmd":"hz","hz":3,"pad":"');
		for (let i = 0; i < 6; i++) c.sock.write('b'.repeat(1024));
		c.sock.write('"}\n{"id":13,"cmd":"hz","hz":4}\n');
		const ok = await c.wait((m) => m.t === 'reply' && m.id === 13);
		assert.equal(ok.hz, 4);
		assert.deepEqual(errs().slice(n).map((e) => e.code), ['ETOOLONG']);
		assert.ok(!c.msgs.some((m) => m.id === 12), 'the long line was not run');
		// Several commands in one write, CRLF endings, blank lines.
		c.sock.write('\r\n\n{"id":14,"cmd":"hz","hz":5}\r\n{"id":15,"cmd":"hz","hz":1}\n');
		await c.wait((m) => m.t === 'reply' && m.id === 15);
		assert.ok(c.msgs.some((m) => m.t === 'reply' && m.id === 14 && m.hz === 5));
		assert.equal(c.bad.length, 0);
		assert.ok(!c.closed);
		// Still alive and sampling.
		const from = c.msgs.length;
		await c.wait((m) => m.t === 'sample', 5000, from);
		c.close();
	});

	it('survives random bytes, answering each line with an error or a reply', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		await c.wait((m) => m.t === 'hello');
		// Deterministic pseudo-random lines: bytes, JSON-ish fragments, commands
		// with mangled arguments.
		let seed = 12345;
		const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
		const bits = ['{', '}', '"id":', '"cmd":', '"hz"', '"gc"', '"seconds":', '1e308', '-0', 'null', '[', ']', ',', ':', '\\u0000', '"', '\u00e9', '\ud83d'];
		const lines = [];
		for (let i = 0; i < 200; i++) {
			let l = '';
			const kind = rnd(3);
			const len = 1 + rnd(kind === 0 ? 300 : 20);
			for (let j = 0; j < len; j++) {
				if (kind === 0) l += String.fromCharCode(rnd(256));
				else l += bits[rnd(bits.length)];
			}
			if (kind === 2) l = '{"id":' + (i + 1000) + ',"cmd":"hz","hz":' + l + '}';
			lines.push(l.replace(/\n/g, ' '));
		}
		const errs0 = c.msgs.length;
		c.sock.write(lines.join('\n') + '\n');
		const r = await c.cmd({ id: 99, cmd: 'hz', hz: 3 });
		assert.equal(r.t, 'reply');
		const answers = c.msgs.slice(errs0).filter((m) => m.t === 'error' || m.t === 'reply');
		// Blank lines are skipped silently; every other line got one answer.
		const nonBlank = lines.filter((l) => l.replace(/\r$/, '').length > 0).length;
		assert.equal(answers.length, nonBlank + 1, 'one answer per line');
		assert.ok(answers.every((m) => m.t === 'error' || m.cmd === 'hz'));
		assert.equal(c.bad.length, 0);
		a.send('mem');
		await a.nextLine((l) => l.heapUsed);
		c.close();
	});

	it('detach replies, closes every connection and removes the socket', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		const other = await h.connect(a.sock);
		await other.wait((m) => m.t === 'hello');
		const r = await c.cmd({ id: 1, cmd: 'detach' });
		assert.deepEqual(r, { t: 'reply', id: 1, ok: true, cmd: 'detach' });
		await h.until(() => c.closed && other.closed, 5000, 'connections closed');
		assert.ok(!fs.existsSync(a.sock), 'socket removed');
		await assert.rejects(h.connect(a.sock));
		// The app lives on.
		a.send('mem');
		await a.nextLine((l) => l.heapUsed);
	});

	it('a dashboard that disconnects mid-snapshot frees the capture', async () => {
		const a = await app(['idle']);
		const c = await h.connect(a.sock);
		c.send({ id: 1, cmd: 'heap_snapshot' });
		await c.wait((m) => m.t === 'chunk', 30000);
		c.close();
		const d = await h.connect(a.sock);
		const r = await h.until(async () => {
			const x = await d.cmd({ id: d.msgs.length + 1, cmd: 'report' });
			return x.t === 'reply' ? x : null;
		}, 30000, 'capture freed');
		assert.equal(r.cmd, 'report');
		// Likewise a profile whose dashboard went away while it ran.
		const e = await h.connect(a.sock);
		e.send({ id: 1, cmd: 'cpu_profile', seconds: 30 });
		await e.wait((m) => m.t === 'progress' && m.id === 1, 10000);
		e.close();
		const p = await h.until(async () => {
			const x = await d.cmd({ id: d.msgs.length + 100, cmd: 'cpu_profile', seconds: 1 }, 20000);
			return x.t === 'reply' ? x : null;
		}, 20000, 'profile slot freed');
		assert.ok(JSON.parse(d.chunks(p.id)).nodes.length > 0);
		d.close();
	});
});
