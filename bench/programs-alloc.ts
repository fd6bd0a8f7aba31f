// SPDX-License-Identifier: GPL-2.0-or-later
//
// Bytes allocated per simulated event by the programs engine in the steady state: the
// `programs` bench's machine (256 CG cores x 1,000 MCPs) after its 2.5 virtual s warm-up.
// Garbage per event is what sets the young-collection rate, and those collections are the
// real-time lag's tail (README.md, "The programs bench's tail"). Unlike a time, this
// figure means something on a loaded machine.
//
// The measurement runs in a child Node with --expose-gc and a 512 MB young generation,
// so that nothing is collected inside a window: a full collection, then `ms` virtual ms
// of events, and heapUsed's growth over the events run (what survives the window was
// allocated in it, so it counts too). A window with a collection in it is reported as
// such and not used. Writes bench/results/programs-alloc.json.
// Run: node dist/bench/programs-alloc.js [--windows N] [--ms N]

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { build, WARM_NS } from './programs.js';
import { writeResult } from './lib/load.js';

const H = 'eve';
const CHILD_FLAGS = ['--expose-gc', '--min-semi-space-size=512', '--max-semi-space-size=512'];

interface Window { events: number; bytes_per_event: number; collections: number }

export interface ProgramsAllocResult { cores: number; mcps: number; window_virtual_ms: number; windows: Window[]; bytes_per_event: number }

/** In the child: warm up, then measure each window. */
async function measure(nwin: number, ms: number): Promise<Window[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error(`programs-alloc: the measuring process needs ${CHILD_FLAGS.join(' ')}`);
  const k = build(256, 1000);
  k.step(H, WARM_NS);
  k.step(H, 100e6); // the steady state's code optimised before the first window
  const seen: number[] = [];
  const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) seen.push(e.startTime); });
  obs.observe({ entryTypes: ['gc'] });
  const out: Window[] = [];
  for (let w = 0; w < nwin; w++) {
    gc(); gc();
    const e0 = k.clock.eventsRun, u0 = process.memoryUsage().heapUsed, t0 = performance.now();
    k.step(H, ms * 1e6);
    const t1 = performance.now(), u1 = process.memoryUsage().heapUsed, events = k.clock.eventsRun - e0;
    await new Promise((r) => setTimeout(r, 50)); // the observer hears of collections later
    out.push({ events, bytes_per_event: Number(((u1 - u0) / events).toFixed(1)), collections: seen.filter((at) => at >= t0 && at <= t1).length });
  }
  obs.disconnect();
  return out;
}

export async function run(opts: { out?: string; windows?: number; ms?: number } = {}): Promise<ProgramsAllocResult> {
  const nwin = opts.windows ?? 3, ms = opts.ms ?? 100;
  const r = spawnSync(process.execPath, [...CHILD_FLAGS, fileURLToPath(import.meta.url), '--child', String(nwin), String(ms)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`programs-alloc: the measuring process failed: ${r.stderr}`);
  const windows = JSON.parse(r.stdout) as Window[];
  const clean = windows.filter((w) => w.collections === 0).map((w) => w.bytes_per_event).sort((a, b) => a - b);
  const res: ProgramsAllocResult = { cores: 256, mcps: 1000, window_virtual_ms: ms, windows, bytes_per_event: clean.length ? clean[Math.floor(clean.length / 2)] : NaN };
  console.log('programs-alloc: 256 cores x 1000 MCPs, steady state (after the programs bench warm-up)');
  for (const w of windows) console.log(`  ${w.events} events: ${w.bytes_per_event} B/event${w.collections ? ` (${w.collections} collections in the window: not used)` : ''}`);
  console.log(`  median of clean windows: ${res.bytes_per_event} B/event`);
  writeResult(import.meta.url, 'programs-alloc', { host: { node: process.version }, ...res }, opts.out);
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--child');
  if (i > 0) {
    process.stdout.write(JSON.stringify(await measure(Number(process.argv[i + 1]), Number(process.argv[i + 2]))));
  } else {
    const arg = (name: string): number | undefined => { const j = process.argv.indexOf(name); return j > 0 ? Number(process.argv[j + 1]) : undefined; };
    await run({ windows: arg('--windows'), ms: arg('--ms') });
  }
}
