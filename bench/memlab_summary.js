// memlab_summary.js FILE — the baseline for bench/heap.sh: parse a snapshot
// with memlab (@memlab/core utils.getSnapshotFromFile) and aggregate it by
// constructor the way `vitals heap summary --no-retained` does.  Prints the
// totals and the top 10 classes by self size.
'use strict';
const { utils } = require('@memlab/core');

function className(node) {
	switch (node.type) {
	case 'object': case 'native': return node.name;
	case 'hidden': return '(system)';
	case 'code': return '(compiled code)';
	default: return '(' + node.type + ')';
	}
}

(async () => {
	const heap = await utils.getSnapshotFromFile(process.argv[2], { buildNodeIdIndex: false });
	const classes = new Map();
	let nodes = 0, self = 0;
	heap.nodes.forEach((node) => {
		nodes++;
		self += node.self_size;
		if (node.self_size === 0 && node.type !== 'native') return;
		const name = className(node);
		const c = classes.get(name) || { count: 0, self: 0 };
		c.count++;
		c.self += node.self_size;
		classes.set(name, c);
	});
	const top = [...classes].sort((a, b) => b[1].self - a[1].self).slice(0, 10);
	console.log(JSON.stringify({ nodes, self_size: self, classes: classes.size, top }));
})();
