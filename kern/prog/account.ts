// SPDX-License-Identifier: GPL-2.0-or-later
//
// Time accounting of a program's vcores. A slot's time since `since` goes to useful (a
// thread runs) or spin (none) minus its `debt`: time already charged to something else
// (a thread switch, noise), which also pushes the running thread's end back.

import type { KState } from '../state.js';
import type { Prog, Slot } from './types.js';

export const progOf = (s: KState, pid: number): Prog | undefined => s.progs.list.get(pid);

export function accrue(s: KState, pr: Prog, sl: Slot): void {
  const now = s.clock.now;
  if (sl.pcore < 0 || pr.state !== 'running') { sl.since = now; return; }
  const el = now - sl.since;
  const paid = Math.min(sl.debt, el);
  sl.debt -= paid;
  const x = el - paid;
  if (sl.th) { sl.useful += x; s.progs.cUseful[sl.pcore] += x; } else { sl.spin += x; s.progs.cSpin[sl.pcore] += x; }
  sl.since = now;
}

/** Charge ns of the slot's time to noise or overhead from now on. */
export function charge(s: KState, sl: Slot, ns: number, noise: boolean): void {
  if (ns <= 0) return;
  sl.debt += ns;
  if (noise) { sl.noise += ns; s.progs.cNoise[sl.pcore] += ns; } else { sl.overhead += ns; s.progs.cOverhead[sl.pcore] += ns; }
  if (sl.th && sl.seg >= 0) {
    sl.segLost += ns;
    sl.seg = s.clock.delay(sl.seg, ns);
  }
}
