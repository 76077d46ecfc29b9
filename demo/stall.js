// stall.js — vitals demo: an event loop that stalls.  Every 1.5–2.5 s a
// synchronous busy loop blocks it for 150–400 ms (think: a big JSON.parse or
// a sync crypto call in a request handler); in between it serves small
// timers, so event-loop lag p99/max spike while the average stays low.
'use strict';

let ticks = 0, stalls = 0;
setInterval(() => { ticks++; }, 20);	// the "normal" work the stall delays

function stall() {
	const ms = 150 + Math.floor(Math.random() * 250);
	// ms of CPU time, as real work takes: on a busy machine it lasts longer
	// on the clock, the waiting for a CPU being the machine's, not ours
	const end = process.cpuUsage().user + ms * 1000;
	let x = 0;
	while (process.cpuUsage().user < end)	// busy, synchronous
		for (let i = 0; i < 20000; i++) x += Math.sqrt(x + 1);
	stalls++;
	if (stalls % 3 === 1) console.log(`blocked the event loop for ${ms} ms (stall #${stalls})`);
	setTimeout(stall, 1500 + Math.floor(Math.random() * 1000));	// ~4 of every 9 one-second samples stall
}
setTimeout(stall, 1000);
setInterval(() => console.error(`${ticks} timer ticks so far`), 15000);
console.log(`started (pid ${process.pid})`);
