'use strict';
/* Unhealthy: the event loop is blocked for BLOCK_MS (default 300) every
 * PERIOD_MS (default 2000) by synchronous work in a named function,
 * parseLedger (tests/fixtures/billing.js), which the stall alert must name. */
const { num } = require('./common');
const { parseLedger } = require('../fixtures/billing');
const blockMs = num('BLOCK_MS', 300);
const periodMs = num('PERIOD_MS', 2000);
setInterval(parseLedger, periodMs, blockMs);
setInterval(() => {}, 50);	/* something that wants to run on time */
