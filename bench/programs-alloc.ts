// SPDX-License-Identifier: GPL-2.0-or-later
//
// Bytes allocated per simulated event by the programs engine in the steady state (the
// programs bench's machine: 256 CG cores x 1,000 MCPs, after its 2.5 virtual s warm-up).
// Run with a young generation large enough that no collection happens in the window:
//   node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 dist/bench/programs-alloc.js
// A full collection before and after the window, then heapUsed's growth over the events
// run (what survives the window is counted too: it was allocated in it). Prints the
// number of collections seen in the window (it must be 0 for the figure to be right).

import { PerformanceObserver, performance } from 'node:perf_hooks';
import { build, WARM_NS } from './programs.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const H = 'eve';
const k = build(256, 1000);
k.step(H, WARM_NS);
let t0 = 0, t1 = 0, gcs = 0;
const seen: { at: number }[] = [];
const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) seen.push({ at: e.startTime }); });
obs.observe({ entryTypes: ['gc'] });
const windows = Number(process.argv[2] ?? 3), sliceNs = Number(process.argv[3] ?? 100e6);
for (let w = 0; w < windows; w++) {
  gc(); gc();
  const e0 = k.clock.eventsRun, u0 = process.memoryUsage().heapUsed;
  t0 = performance.now();
  k.step(H, sliceNs);
  t1 = performance.now();
  const u1 = process.memoryUsage().heapUsed, ev = k.clock.eventsRun - e0;
  await new Promise((r) => setTimeout(r, 50)); // the observer hears of collections later
  gcs = seen.filter((e) => e.at >= t0 && e.at <= t1).length;
  console.log(`window ${w}: ${ev} events, ${((u1 - u0) / ev).toFixed(1)} B/event, ${gcs} collections in the window`);
}
obs.disconnect();
