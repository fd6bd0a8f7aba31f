// SPDX-License-Identifier: GPL-2.0-or-later
//
// A program's clock events are tagged `prog PID KIND [VC]` and all run through one
// handler, which engine.ts installs when it loads (so the files below it can schedule
// events without importing it). revive.ts rebuilds each closure from the tag the same way.
//
// A program schedules about a million events per virtual second at scale, always the
// same few (KIND, VC) pairs: each pair's closure and tag are made once per program and
// reused (no string or closure per event). The cache holds at most one entry per kind and
// vcore of a program, and goes with the Prog object (a new run or a restored image makes
// a new one). Events are scheduled by their delay from now (`after`), not by an absolute
// time, wherever the time is now + a delay: see kern/heap.ts on allocation.

import type { KState } from '../state.js';
import type { Prog } from './types.js';

export const handlers: { prog: ((s: KState, pid: number, kind: string, arg: number) => void) | null } = { prog: null };

/** Run event `kind` (with its vcore argument, or -1) of pid's program. */
export function runProgEvent(s: KState, pid: number, kind: string, arg: number): void { handlers.prog!(s, pid, kind, arg); }

interface Ev { fn: () => void; tag: string }
/** per program: kind -> (vcore + 1) -> its event */
const made = new WeakMap<Prog, Map<string, Ev[]>>();

function eventOf(s: KState, pr: Prog, kind: string, arg: number): Ev {
  let m = made.get(pr);
  if (!m) made.set(pr, m = new Map());
  let evs = m.get(kind);
  if (!evs) m.set(kind, evs = []);
  return evs[arg + 1] ?? (evs[arg + 1] = makeEv(s, pr.pid, kind, arg));
}

/** (A function of its own: a closure made in eventOf would make V8 allocate eventOf's
 *  context, 56 bytes, on every call, made or not.) */
function makeEv(s: KState, pid: number, kind: string, arg: number): Ev {
  return { fn: () => runProgEvent(s, pid, kind, arg), tag: arg < 0 ? `prog ${pid} ${kind}` : `prog ${pid} ${kind} ${arg}` };
}

/** Schedule `prog PID KIND [ARG]` at `at`: ARG is a vcore number, -1 for none. */
export function schedule(s: KState, pr: Prog, at: number, kind: string, arg = -1): number {
  const ev = eventOf(s, pr, kind, arg);
  return s.clock.schedule(at, ev.fn, ev.tag);
}

/** Schedule `prog PID KIND [ARG]` dt ns from now: the hot path's way (Clock.after: no
 *  absolute time passed as an argument, so nothing is boxed). */
export function after(s: KState, pr: Prog, dt: number, kind: string, arg = -1): number {
  const ev = eventOf(s, pr, kind, arg);
  return s.clock.after(dt, ev.fn, ev.tag);
}
