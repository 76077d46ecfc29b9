'use strict';
/* Shared knobs for the alert scenarios (tests/scenarios/README.md).
 * LEAK_KB_PER_S sets how fast a scenario allocates (default 1000); every
 * scenario exits on its own after SCENARIO_MAX_S (default 1800 s) so nothing
 * lingers if the dashboard that launched it dies. */
const num = (name, def) => {
	const v = Number(process.env[name]);
	return Number.isFinite(v) && v > 0 ? v : def;
};
const rate = num('LEAK_KB_PER_S', 1000);	/* KB per second */
const maxS = num('SCENARIO_MAX_S', 1800);
setTimeout(() => process.exit(0), maxS * 1000).unref();

/* ~kb kilobytes of V8 heap: arrays of 128 doubles (1 KB each, stored
 * inline on the heap; strings would share their padding and Buffers live
 * outside the heap). */
let serial = 0;
function chunk(kb) {
	const out = [];
	for (let i = 0; i < kb; i++) {
		const a = new Array(128);
		for (let j = 0; j < 128; j++)
			a[j] = serial + j * 0.5;
		serial++;
		out.push(a);
	}
	return out;
}

/* Some honest everyday garbage, so the heap has the usual GC sawtooth. */
function churn(kb) {
	let keep = 0;
	for (let i = 0; i < kb; i++)
		keep += ({ a: i, s: 'g' + i + ':'.repeat(64) }).s.length;
	return keep;
}

module.exports = { num, rate, chunk, churn };
