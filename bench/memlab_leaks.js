// memlab_leaks.js BASELINE TARGET FINAL — the baseline for `vitals heap leaks`
// in bench/heap.sh: memlab's findLeaks (@memlab/api
// findLeaksBySnapshotFilePaths) on the same three snapshots, set up as
// `memlab find-leaks --trace-all-objects` (what memlab's docs suggest for
// Node.js: its default filters look for detached DOM and React fibers and
// report nothing on a server heap).  Prints one JSON
// line: the number of leak clusters and, for each, memlab's retained size and
// its trace as "edge (node)" hops, root first.
'use strict';
const os = require('os');
const path = require('path');
const fs = require('fs');
const { findLeaksBySnapshotFilePaths } = require('@memlab/api');
const { config } = require('@memlab/core');

config.oversizeObjectAsLeak = true;	// --trace-all-objects
config.oversizeThreshold = 0;

(async () => {
	const [b, t, f] = process.argv.slice(2);
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlab-'));
	const leaks = await findLeaksBySnapshotFilePaths(b, t, f, { workDir, consoleMode: 'SILENT' });
	// a serialized trace has one top-level key per hop, root first:
	// "N:  --edge (type)--->  [name](type) @id $retained-size:BYTES ..."
	const clusters = leaks.map((trace) => {
		const hops = [];
		let retained = 0;
		for (const k of Object.keys(trace)) {
			const m = /^\d+:\s*(?:--(.*?) \(\w+\)--->)?\s*\[(.*?)\]\(([\w ]+)\) @(\d+) \$retained-size:(\d+)/.exec(k);
			if (!m) continue;
			hops.push((m[1] !== undefined ? m[1] + ' ' : '') + '(' + m[2] + ' @' + m[4] + ')');
			retained = Number(m[5]);
		}
		return { retained, hops: hops.join(' \u203a ') };
	});
	fs.rmSync(workDir, { recursive: true, force: true });
	console.log(JSON.stringify({ clusters: clusters.length, top: clusters.slice(0, 5) }));
})();
