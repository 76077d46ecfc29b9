'use strict';
/* Leak: each incoming "request" subscribes to a long-lived emitter and never
 * unsubscribes; every listener closes over that request's data. Node warns
 * (MaxListenersExceededWarning) at the 11th listener. */
const { EventEmitter } = require('events');
const { rate, chunk, churn } = require('./common');
const bus = new EventEmitter();
let seen = 0;
function handleRequest() {
	const body = chunk(Math.max(1, Math.round(rate / 10)));
	bus.on('config', (cfg) => { seen += body.length + (cfg ? 1 : 0); });
	churn(200);
}
setInterval(handleRequest, 100);
setInterval(() => bus.emit('config', null), 5000);
