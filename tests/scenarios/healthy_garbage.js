'use strict';
/* Healthy: heavy short-lived garbage — ~20x LEAK_KB_PER_S of objects per
 * second that die young (a JSON-heavy request handler), nothing retained. */
const { rate, churn } = require('./common');
let sink = 0;
setInterval(() => {
	const kb = Math.max(1, Math.round(rate * 2));
	const doc = [];
	for (let i = 0; i < kb; i += 4)
		doc.push({ i, name: 'item' + i, tags: ['a', 'b', String(i)] });
	sink += JSON.parse(JSON.stringify(doc.slice(0, 50))).length + churn(kb / 4);
}, 100);
