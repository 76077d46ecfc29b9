'use strict';
/* Summarize a scenario run: read each scenario's JSON lines (vitals --json),
 * print scenario × (fired?, seconds to fire, false alarms) and judge it
 * against what the scenario is: every leak and the blocked loop must be
 * detected, a healthy program must raise nothing but what it is allowed to
 * (a busy CPU may be reported as such).  With SUMMARY_TARGETS=1 a heap leak
 * must also fire within its rate's target, counted from the first heap
 * sample (what vitals could see; in attach mode the program ran before):
 * >= 2 MB/s 60 s, >= 500 KB/s 120 s, >= 100 KB/s 300 s; and a healthy
 * program is judged on leak alarms only (the table lists its other alerts:
 * on a loaded machine a starved loop lags and GC pauses stretch, which the
 * stall and GC rules report as what they are).  Exit status 1 when a
 * judgement fails.
 *
 * usage: node summarize.js OUTDIR SCENARIO[@KB]...
 * OUTDIR/NAME.jsonl  vitals output   OUTDIR/NAME.start  launch time, ms
 * OUTDIR/NAME.rate   LEAK_KB_PER_S of the run
 */
const fs = require('fs');
const path = require('path');

const EXPECT = {
	leak_global_array: { need: ['heap_leak'] },
	/* listener_leak is wanted, not needed: it depends on the probe's warning
	 * reaching alerts_warning; heap_leak alone detects the leak. */
	leak_listeners: { need: ['heap_leak'], want: ['listener_leak'] },
	leak_intervals: { need: ['heap_leak', 'handle_leak'] },
	leak_closures: { need: ['heap_leak'] },
	/* V8 puts its major GCs off: the GC vitals asks for tells the leak */
	lazygc_leak_global_array: { need: ['heap_leak'], says: { heap_leak: /live after a forced GC/ } },
	noprobe_leak: { need: ['rss_leak'], noprobe: true },
	/* the stall alert names the function that blocked the loop */
	blocked_loop: { need: ['stall'], says: { stall: /in parseLedger \(billing\.js:\d+\)/ } },
	healthy_lru: { need: [] },
	healthy_bursty: { need: [] },
	healthy_garbage: { need: [] },
	healthy_cpu: { need: [], allow: ['cpu_saturation'] },
	healthy_cache_fill: { need: [] },
	healthy_big_alloc: { need: [] },
	healthy_late_gc: { need: [] },
	healthy_stepped_load: { need: [] },
};
const targets = process.env.SUMMARY_TARGETS === '1';
/* Seconds a heap leak of kb KB/s may take, counted from the first sample. */
function target(kb) {
	return kb >= 2048 ? 60 : kb >= 500 ? 120 : kb >= 100 ? 300 : Infinity;
}

const [outdir, ...names] = process.argv.slice(2);
if (!outdir || names.length === 0) {
	process.stderr.write('usage: node summarize.js OUTDIR SCENARIO...\n');
	process.exit(2);
}

function load(name) {
	const r = { name, start: NaN, samples: 0, heapSamples: 0, firstHeap: NaN, lastTs: NaN,
		    fired: new Map(), count: new Map(), resolved: new Map(), msgs: new Map(), exited: false,
		    rate: NaN, oom: null, gcAsked: 0 };
	try {
		r.start = Number(fs.readFileSync(path.join(outdir, name + '.start'), 'utf8'));
	} catch (e) { /* no start file: use the first line's time */ }
	try {
		r.rate = Number(fs.readFileSync(path.join(outdir, name + '.rate'), 'utf8'));
	} catch (e) { /* older run */ }
	let text = '';
	try {
		text = fs.readFileSync(path.join(outdir, name + '.jsonl'), 'utf8');
	} catch (e) {
		r.error = 'no output';
		return r;
	}
	for (const line of text.split('\n')) {
		if (!line.trim())
			continue;
		let o;
		try { o = JSON.parse(line); } catch (e) { continue; }	/* cut off at kill */
		if (!Number.isFinite(r.start) && Number.isFinite(o.ts))
			r.start = o.ts;
		if (Number.isFinite(o.ts))
			r.lastTs = o.ts;
		if (o.t === 'sample') {
			r.samples++;
			if (o.heap_used !== undefined) {
				r.heapSamples++;
				if (!Number.isFinite(r.firstHeap))
					r.firstHeap = o.ts;
			}
			if (o.oom_in_s !== undefined)
				r.oom = { s: o.oom_in_s, limit: o.oom_limit };
		} else if (o.t === 'process' && o.event === 'leak_gc') {
			r.gcAsked++;
		} else if (o.t === 'alert' && o.state === 'firing') {
			r.count.set(o.rule, (r.count.get(o.rule) || 0) + 1);
			if (!r.fired.has(o.rule)) {
				r.fired.set(o.rule, { launch: (o.ts - r.start) / 1000, seen: o.ts });
				r.msgs.set(o.rule, o.msg);
			}
		} else if (o.t === 'alert' && o.state === 'resolved') {
			r.resolved.set(o.rule, (r.resolved.get(o.rule) || 0) + 1);
		}
	}
	return r;
}

let failures = 0;
const rows = [];
for (const name of names) {
	const r = load(name);
	/* lazygc_NAME: NAME with V8's major GCs put off (run.sh), judged as NAME */
	const base = name.replace(/@.*/, '');
	const ex = EXPECT[base] || EXPECT[base.replace(/^lazygc_/, '')] || { need: [] };
	const allow = new Set([...(ex.need || []), ...(ex.want || []), ...(ex.allow || [])]);
	const unmet = (ex.want || []).filter((k) => !r.fired.has(k));
	const healthy = (ex.need || []).length === 0;
	const missed = (ex.need || []).filter((k) => !r.fired.has(k));
	const LEAKS = ['heap_leak', 'rss_leak', 'handle_leak', 'listener_leak'];
	const judged = (k) => !targets || LEAKS.includes(k);
	const other = [...r.fired.keys()].filter((k) => !allow.has(k) && !judged(k));
	const extra = [...r.fired.keys()].filter((k) => !allow.has(k) && judged(k));
	/* seconds from the first sample vitals got (probe or /proc) */
	const first = ex.noprobe || !Number.isFinite(r.firstHeap) ? r.start : r.firstHeap;
	const leakRule = ex.noprobe ? 'rss_leak' : 'heap_leak';
	const leakAt = r.fired.has(leakRule) ? (r.fired.get(leakRule).seen - first) / 1000 : NaN;
	const slow = targets && !healthy && r.fired.has(leakRule) && leakAt > target(r.rate);
	let verdict = 'ok';
	if (r.error || (ex.noprobe ? r.samples : r.heapSamples) === 0) {
		verdict = 'FAIL: ' + (r.error || (ex.noprobe ? 'no samples' : 'no probe samples'));
		failures++;
	} else if (missed.length) {
		verdict = 'FAIL: missed ' + missed.join(',');
		failures++;
	} else if (Object.keys(ex.says || {}).some((k) => !ex.says[k].test(r.msgs.get(k) || ''))) {
		verdict = 'FAIL: alert text lacks ' + Object.keys(ex.says).map((k) => k + ' ' + ex.says[k]).join(', ');
		failures++;
	} else if (healthy && extra.length) {
		verdict = 'FAIL: false alarm ' + extra.join(',');
		failures++;
	} else if (slow) {
		verdict = `FAIL: ${leakRule} after ${leakAt.toFixed(0)} s > ${target(r.rate)} s`;
		failures++;
	} else if (extra.length) {
		verdict = 'ok (also ' + extra.join(',') + ')';
	}
	if (unmet.length && verdict.startsWith('ok'))
		verdict += ' (no ' + unmet.join(',') + ')';
	const fired = [...r.fired.entries()].map(([k, f]) =>
		`${k}@${f.launch.toFixed(0)}s`).join(' ') || '-';
	const ran = Number.isFinite(r.lastTs) ? ((r.lastTs - r.start) / 1000).toFixed(0) : '?';
	const want = [...(ex.need || []), ...(ex.want || []).map((k) => k + '?')];
	/* false alarms: every firing of a rule the scenario does not allow */
	let falseAlarms = 0;
	for (const [k, n] of r.count)
		falseAlarms += healthy && !allow.has(k) && judged(k) ? n : 0;
	if (healthy && other.length)
		verdict += ' (other alerts: ' + other.map((k) => `${k} x${r.count.get(k)}`).join(', ') + ')';
	const oom = r.oom ? `${r.oom.s.toFixed(0)}s ${r.oom.limit}` : '-';
	rows.push([name, Number.isFinite(r.rate) ? String(r.rate) : '?', healthy ? 'nothing' : want.join(','),
		   Number.isFinite(leakAt) ? leakAt.toFixed(0) : '-', fired, String(falseAlarms),
		   String(r.gcAsked), oom, ran + 's', verdict]);
	for (const [k, m] of r.msgs)
		rows.msgs = (rows.msgs || []).concat(`  ${name} ${k}: ${m}`);
}

const head = ['scenario', 'KB/s', 'expected', 'leak s', 'fired (s after launch)', 'false', 'gc',
	      'oom in', 'ran', 'verdict'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
console.log(fmt(head));
console.log(w.map((n) => '-'.repeat(n)).join('  '));
for (const r of rows)
	console.log(fmt(r));
console.log('leak s: seconds from the first heap sample (RSS: from launch) to the leak alert;' +
	    ' false: ' + (targets ? 'leak ' : '') + 'alarms on a healthy program; gc: major GCs the leak rule' +
	    ' asked for (leak_gc events); oom in: the last oom_in_s');
if (rows.msgs) {
	console.log('alert messages:');
	for (const m of rows.msgs)
		console.log(m);
}
process.exit(failures ? 1 : 0);
