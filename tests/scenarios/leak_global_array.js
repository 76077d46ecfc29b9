'use strict';
/* Leak: a module-level array that only grows (a "cache" nobody evicts). */
const { rate, chunk, churn } = require('./common');
const retained = [];
setInterval(() => {
	retained.push(chunk(Math.max(1, Math.round(rate / 10))));
	churn(200);
}, 100);
