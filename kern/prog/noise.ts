// SPDX-License-Identifier: GPL-2.0-or-later
//
// The node noise model. `akaros`: CG cores are tickless and take no unrelated interrupts,
// so a program's core loses nothing. `linux`: a time-sharing kernel's periodic tick (hz,
// each costing `tick` ns, aligned across cores) plus kernel daemons and device IRQs as
// Poisson arrivals (drate/s with exponential durations of mean dmean; irate/s, imean).
// This is a stated model, not a measurement of Linux (core.md cites where each default
// comes from). Noise runs only on cores that run a program's vcore: one `noise C` event
// per such core, at the next firing of its three sources.

import type { KState } from '../state.js';
import type { NoiseModel } from './types.js';
import { accrue, charge, progOf } from './account.js';

function expDraw(s: KState, mean: number): number {
  return Math.max(1, Math.round(-Math.log(1 - s.progs.rng.next()) * mean));
}

const tickAt = (k: number, hz: number): number => Math.round(k * 1e9 / hz);

/** Each core's `noise C` closure and tag, made once per kernel state (not per firing). */
const made = new WeakMap<KState, { fn: () => void; tag: string }[]>();

/** (Its own function: a closure made in arm would allocate arm's context on every call.) */
function makeEv(s: KState, c: number): { fn: () => void; tag: string } {
  return { fn: () => noiseFire(s, c), tag: `noise ${c}` };
}

function arm(s: KState, c: number): void {
  const w = s.progs, n = w.noise;
  const t = Math.min(n.tick > 0 ? tickAt(w.nTick[c], n.hz) : Infinity, w.nD[c], w.nI[c]);
  if (t === Infinity) return;
  let evs = made.get(s);
  if (!evs) made.set(s, evs = []);
  const ev = evs[c] ?? (evs[c] = makeEv(s, c));
  // by its delay (integer ns: exact): heap.ts on allocation
  w.nH[c] = s.clock.after(t - s.clock.now, ev.fn, ev.tag);
}

/** A program's vcore started on core c: its noise sources start (linux model only). */
export function noiseStart(s: KState, c: number): void {
  const w = s.progs, n = w.noise, now = s.clock.now;
  if (n.model !== 'linux' || w.nH[c] >= 0) return;
  w.nTick[c] = Math.floor(now * n.hz / 1e9) + 1;
  while (tickAt(w.nTick[c], n.hz) <= now) w.nTick[c]++;
  w.nD[c] = n.drate > 0 && n.dmean > 0 ? now + expDraw(s, 1e9 / n.drate) : Infinity;
  w.nI[c] = n.irate > 0 && n.imean > 0 ? now + expDraw(s, 1e9 / n.irate) : Infinity;
  arm(s, c);
}

export function noiseStop(s: KState, c: number): void {
  const w = s.progs;
  if (w.nH[c] < 0) return;
  s.clock.cancel(w.nH[c]);
  w.nH[c] = -1;
}

/** The `noise C` event: whatever source is due steals its time from the vcore on c. */
export function noiseFire(s: KState, c: number): void {
  const w = s.progs, n = w.noise, now = s.clock.now, m = s.m;
  w.nH[c] = -1;
  const pr = m.alloc[c] ? progOf(s, m.alloc[c]) : undefined;
  const sl = pr && m.vcore[c] >= 0 ? pr.slots.get(m.vcore[c]) : undefined;
  if (!pr || !sl || sl.pcore !== c || pr.state !== 'running') return;
  let d = 0;
  if (n.tick > 0 && tickAt(w.nTick[c], n.hz) <= now) { d += n.tick; w.nTick[c]++; }
  if (w.nD[c] <= now) { d += expDraw(s, n.dmean); w.nD[c] = now + expDraw(s, 1e9 / n.drate); }
  if (w.nI[c] <= now) { d += expDraw(s, n.imean); w.nI[c] = now + expDraw(s, 1e9 / n.irate); }
  accrue(s, pr, sl);
  charge(s, sl, d, true);
  arm(s, c);
}

/** Change the model: every running program core restarts its sources under it. */
export function setNoise(s: KState, model: NoiseModel, p: Record<string, number | string>): void {
  const w = s.progs;
  w.noise = { model, hz: p.hz as number, tick: p.tick as number, drate: p.drate as number, dmean: p.dmean as number,
    irate: p.irate as number, imean: p.imean as number };
  for (let c = 0; c < s.m.n; c++) noiseStop(s, c);
  for (const pr of w.list.values()) {
    if (pr.state !== 'running') continue;
    for (const sl of pr.slots.values()) if (sl.pcore >= 0) noiseStart(s, sl.pcore);
  }
  s.note('noise', `${model} hz=${w.noise.hz} tick=${w.noise.tick} drate=${w.noise.drate} dmean=${w.noise.dmean} irate=${w.noise.irate} imean=${w.noise.imean}`);
}
