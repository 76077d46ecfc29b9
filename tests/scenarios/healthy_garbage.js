'use strict';
/* Healthy: heavy short-lived garbage — 20x LEAK_KB_PER_S of heap objects per
 * second (arrays, plus a JSON round trip like a request handler), all dead
 * by the next tick; nothing retained. */
const { rate, chunk, churn } = require('./common');
let sink = 0;
setInterval(() => {
	const kb = Math.max(1, Math.round(rate * 2));
	const tmp = chunk(kb);
	const doc = tmp.slice(0, 50).map((a, i) => ({ i, name: 'item' + i, v: a[i % 128] }));
	sink += JSON.parse(JSON.stringify(doc)).length + tmp.length + churn(200);
}, 100);
