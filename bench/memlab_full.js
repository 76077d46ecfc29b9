// memlab_full.js FILE [ID...] — the baseline for bench/heap.sh: memlab's full
// load (@memlab/heap-analysis getFullHeapFromFile: parse, then dominators and
// retained sizes).  Prints the totals and the 10 largest objects by retained
// size, and the retained size of each node ID given.
'use strict';
const { getFullHeapFromFile } = require('@memlab/heap-analysis');

(async () => {
	const heap = await getFullHeapFromFile(process.argv[2]);
	const want = new Set(process.argv.slice(3).map(Number));
	const largest = [];
	const asked = {};
	let nodes = 0;
	heap.nodes.forEach((node) => {
		nodes++;
		if (want.has(node.id)) asked[node.id] = node.retainedSize;
		if (node.type === 'synthetic') return;
		largest.push([node.retainedSize, node.id, node.name]);
		if (largest.length > 100) {
			largest.sort((a, b) => b[0] - a[0]);
			largest.length = 10;
		}
	});
	largest.sort((a, b) => b[0] - a[0]);
	console.log(JSON.stringify({ nodes, largest: largest.slice(0, 10), asked }));
})();
