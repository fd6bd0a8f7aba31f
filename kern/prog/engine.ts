// SPDX-License-Identifier: GPL-2.0-or-later
//
// The second-level scheduler of a program (parlib's 2LS, reduced): user threads on the
// vcores the kernel grants. A granted vcore takes the next thread from the run queue; a
// thread with finite work ends with a `prog PID seg VC` event; a warned vcore (grace > 0)
// migrates its thread back to the queue and yields nicely after the reaction time; a
// revoked vcore strands its thread, which another vcore recovers after the recovery cost.
// Time is accounted per vcore (useful / spin / overhead / noise) and per pcore.
//
// The kernel calls in through the state's hooks (vcoreUp, vcoreDown, warned: grant.ts and
// preempt.ts), and the 2LS calls the kernel's mechanisms (want, yield) as a ctl write
// does; it never calls them from inside a hook, only from its own clock events.

import type { KState } from '../state.js';
import type { Proc } from '../proc.js';
import type { Vcore } from '../vcore.js';
import { P9Error } from '../../lib/9p/error.js';
import { yieldVcore } from '../process.js';
import { histAdd } from './hist.js';
import {
  type Prog, type Slot, type Thread, TH_PAR, TH_REQ, TH_SER, popFront, pushBack, pushFront, clearDeque, peekFront,
} from './types.js';
import { noiseStart, noiseStop } from './noise.js';
import { accrue, progOf } from './account.js';
import { schedule, after, handlers } from './dispatch.js';

export { progOf };

function loadChange(s: KState, pr: Prog, delta: number): void {
  const now = s.clock.now;
  pr.rInt += (now - pr.rSince) * pr.runnable;
  pr.rSince = now;
  pr.runnable += delta;
}

/** Finished threads kept for reuse. Not state: nothing in a kernel refers to one, and
 *  a new thread's every field is set. Reuse makes a thread an old object that takes no
 *  allocation (a server makes one per request) and that a young collection need not
 *  copy while it waits in a long run queue. */
const spare: Thread[] = [];
const SPARE_MAX = 4096;

/** A new thread of `kind` with rem ns of work (-1: endless), created now. */
export function newThread(s: KState, kind: number, rem: number): Thread {
  const th = spare.pop();
  if (!th) return { kind, rem, t0: s.clock.now, ready: 0 };
  th.kind = kind; th.rem = rem; th.t0 = s.clock.now; th.ready = 0;
  return th;
}

/** A new thread (or a recovered / migrated one, at the front) becomes runnable. */
export function enqueue(s: KState, pr: Prog, th: Thread, front: boolean, isNew: boolean): void {
  if (isNew) loadChange(s, pr, 1);
  if (front) pushFront(pr.q, th); else pushBack(pr.q, th);
  kick(s, pr);
}

/** Idle vcores take queued threads. */
function kick(s: KState, pr: Prog): void {
  while (pr.idle.length > 0 && pr.q.len > 0 && pr.state === 'running') {
    const sl = pr.slots.get(pr.idle.pop()!)!;
    start(s, pr, sl, popFront(pr.q)!);
  }
}

function start(s: KState, pr: Prog, sl: Slot, th: Thread): void {
  accrue(s, pr, sl);
  const now = s.clock.now;
  sl.th = th;
  sl.segStart = now;
  sl.segLost = 0;
  pr.switches++;
  const sw = pr.params.switch as number;
  if (sw > 0) { sl.debt += sw; sl.segLost += sw; sl.overhead += sw; s.progs.cOverhead[sl.pcore] += sw; }
  // (times are integer ns, so now + (lost + rem) is exactly now + lost + rem)
  if (th.rem >= 0) sl.seg = after(s, pr, sl.segLost + th.rem, 'seg', sl.vc);
}

/** Take the running thread off a slot, its work done so far deducted. */
function unload(s: KState, pr: Prog, sl: Slot): Thread | null {
  const th = sl.th;
  if (!th) return null;
  accrue(s, pr, sl);
  if (th.rem >= 0) {
    const done = Math.min(th.rem, Math.max(0, s.clock.now - sl.segStart - sl.segLost));
    th.rem -= done;
  }
  if (sl.seg >= 0) { s.clock.cancel(sl.seg); sl.seg = -1; }
  sl.th = null;
  return th;
}

function dropIdle(pr: Prog, vc: number): void {
  const i = pr.idle.indexOf(vc);
  if (i >= 0) pr.idle.splice(i, 1);
}

// ---- the kernel's hooks ----------------------------------------------------------------

export function vcoreUp(s: KState, p: Proc, v: Vcore): void {
  const pr = progOf(s, p.pid);
  if (!pr || pr.state !== 'running') return;
  let sl = pr.slots.get(v.id);
  if (!sl) {
    sl = { vc: v.id, pcore: -1, th: null, since: 0, debt: 0, segStart: 0, segLost: 0, seg: -1, react: -1,
      useful: 0, spin: 0, overhead: 0, noise: 0, ftqMark: 0, seen: false };
    pr.slots.set(v.id, sl);
  }
  sl.pcore = v.pcore;
  sl.since = s.clock.now;
  sl.debt = 0;
  sl.seen = true;
  pr.idle.push(v.id);
  noiseStart(s, v.pcore);
  kick(s, pr);
}

export function vcoreDown(s: KState, p: Proc, v: Vcore, c: number): void {
  const pr = progOf(s, p.pid);
  const sl = pr?.slots.get(v.id);
  if (!pr || !sl || sl.pcore < 0) return;
  noiseStop(s, c);
  if (sl.react >= 0) { s.clock.cancel(sl.react); sl.react = -1; }
  const th = unload(s, pr, sl);
  accrue(s, pr, sl);
  dropIdle(pr, v.id);
  sl.pcore = -1;
  if (!th || pr.state !== 'running') return;
  // stranded: another vcore (or the next one granted) recovers it after the recovery cost
  pr.strandedN++;
  th.ready = s.clock.now + (pr.params.recover as number);
  pushBack(pr.stranded, th);
  if (pr.hRec < 0) pr.hRec = schedule(s, pr, th.ready, 'rec');
}

/** A warning with a grace period: react after the reaction time (migrate, yield nicely). */
export function warned(s: KState, p: Proc, v: Vcore): void {
  const pr = progOf(s, p.pid);
  const sl = pr?.slots.get(v.id);
  if (!pr || !sl || sl.pcore < 0 || pr.state !== 'running' || sl.react >= 0) return;
  sl.react = after(s, pr, pr.params.reaction as number, 'react', v.id);
}

// ---- the program's own events ---------------------------------------------------------

function segEnd(s: KState, pr: Prog, vc: number): void {
  const sl = pr.slots.get(vc)!;
  sl.seg = -1;
  const th = sl.th!;
  accrue(s, pr, sl);
  sl.th = null;
  th.rem = 0;
  pr.idle.push(vc);
  complete(s, pr, th);
  if (spare.length < SPARE_MAX) spare.push(th);   // referred to by nothing now
  kick(s, pr);
}

function react(s: KState, pr: Prog, vc: number): void {
  const sl = pr.slots.get(vc)!;
  sl.react = -1;
  const p = s.procs.get(pr.pid)!;
  const v = p.vc.vcs[vc];
  if (v.pcore < 0 || !v.warned) return;
  const th = unload(s, pr, sl);
  dropIdle(pr, vc);
  if (th) pushFront(pr.q, th);
  try {
    yieldVcore(s, p, vc, true);
    pr.yieldsInTime++;
  } catch (e) {
    if (!(e instanceof P9Error)) throw e;
    // refused (a notification pending): keep running; the deadline takes the core
    pr.yieldFails++;
    pr.idle.push(vc);
  }
  kick(s, pr);
}

function recover(s: KState, pr: Prog): void {
  pr.hRec = -1;
  const now = s.clock.now;
  for (let th = peekFront(pr.stranded); th && th.ready <= now; th = peekFront(pr.stranded)) {
    popFront(pr.stranded);
    pr.recoveries++;
    pr.recoverNs += pr.params.recover as number;
    enqueue(s, pr, th, true, false);
  }
  const next = peekFront(pr.stranded);
  if (next) pr.hRec = schedule(s, pr, next.ready, 'rec');
}

/** A thread finished its work: what it means depends on the workload. */
function complete(s: KState, pr: Prog, th: Thread): void {
  const now = s.clock.now;
  loadChange(s, pr, -1);
  if (th.kind === TH_REQ) {
    const lat = now - th.t0;
    pr.completed++;
    pr.latSum += lat;
    if (lat < pr.latMin || pr.completed === 1) pr.latMin = lat;
    if (lat > pr.latMax) pr.latMax = lat;
    histAdd(pr.hist, lat);
  } else if (th.kind === TH_PAR) {
    if (--pr.barrier === 0) {
      const ser = pr.params.serial as number;
      if (ser > 0) enqueue(s, pr, newThread(s, TH_SER, ser), false, true);
      else iterDone(s, pr);
    }
  } else if (th.kind === TH_SER) iterDone(s, pr);
}

function iterDone(s: KState, pr: Prog): void {
  const now = s.clock.now, dt = now - pr.iterStart;
  pr.iter++;
  pr.iterSum += dt; pr.iterLast = dt;
  if (pr.iter === 1 || dt < pr.iterMin) pr.iterMin = dt;
  if (dt > pr.iterMax) pr.iterMax = dt;
  const iters = pr.params.iters as number;
  if (iters > 0 && pr.iter >= iters) { finish(s, pr, 'done'); return; }
  startPhase(s, pr);
}

export function startPhase(s: KState, pr: Prog): void {
  const n = pr.params.threads as number, w = pr.params.work as number;
  pr.iterStart = s.clock.now;
  pr.barrier = n;
  for (let i = 0; i < n; i++) enqueue(s, pr, newThread(s, TH_PAR, w), false, true);
}

/** The program ends (its duration, the last iteration, `stop`, the process's death):
 *  time is accrued, every pending event cancelled, the threads dropped; results stay. */
export function finish(s: KState, pr: Prog, how: 'done' | 'stopped' | 'killed'): void {
  if (pr.state !== 'running') return;
  for (const sl of pr.slots.values()) {
    accrue(s, pr, sl);
    if (sl.seg >= 0) s.clock.cancel(sl.seg);
    if (sl.react >= 0) s.clock.cancel(sl.react);
    sl.seg = -1; sl.react = -1; sl.th = null;
    if (sl.pcore >= 0) noiseStop(s, sl.pcore);
  }
  for (const h of [pr.hRec, pr.hArr, pr.hFtq, pr.hEnd, pr.hEst]) if (h >= 0) s.clock.cancel(h);
  pr.hRec = pr.hArr = pr.hFtq = pr.hEnd = pr.hEst = -1;
  loadChange(s, pr, -pr.runnable);
  clearDeque(pr.q);
  clearDeque(pr.stranded);
  pr.idle = [];
  pr.state = how;
  pr.tEnd = s.clock.now;
  s.note('prog', `pid=${pr.pid} ${pr.workload} ${how}`);
}

/** Workload events (arrivals, FTQ samples, the estimator) live in workloads.ts; it
 *  registers its handler here so that this file need not import it. */
export const workloadEvents: { fn: ((s: KState, pr: Prog, kind: string) => void) | null } = { fn: null };

/** Run a `prog PID WHAT [ARG]` event (the clock's closure, and revive.ts's). */
function progEvent(s: KState, pid: number, kind: string, arg: number): void {
  const pr = progOf(s, pid);
  if (!pr || pr.state !== 'running') return;
  switch (kind) {
    case 'seg': segEnd(s, pr, arg); return;
    case 'react': react(s, pr, arg); return;
    case 'rec': recover(s, pr); return;
    case 'end': {
      pr.hEnd = -1;
      // an FTQ sample due at this very instant is taken first (the last quantum)
      if (pr.hFtq >= 0 && s.clock.dueNow(pr.hFtq)) workloadEvents.fn!(s, pr, 'ftq');
      finish(s, pr, 'done');
      return;
    }
    default: workloadEvents.fn!(s, pr, kind);
  }
}
handlers.prog = progEvent;

/** Accrued useful / spin / overhead / noise over the program's vcores, as of now, without
 *  changing anything (reads). */
export function totals(s: KState, pr: Prog): { useful: number; spin: number; overhead: number; noise: number } {
  const now = s.clock.now;
  let useful = 0, spin = 0, overhead = pr.recoverNs, noise = 0;
  for (const sl of pr.slots.values()) {
    let u = sl.useful, sp = sl.spin;
    if (sl.pcore >= 0 && pr.state === 'running') {
      const x = Math.max(0, now - sl.since - sl.debt);
      if (sl.th) u += x; else sp += x;
    }
    useful += u; spin += sp; overhead += sl.overhead; noise += sl.noise;
  }
  return { useful, spin, overhead, noise };
}
