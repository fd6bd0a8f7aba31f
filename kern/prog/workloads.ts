// SPDX-License-Identifier: GPL-2.0-or-later
//
// The workloads (params.ts lists them with their parameters): how each starts, and its own
// events: a server's Poisson arrivals, FTQ's quantum samples, and the Arachne-style core
// estimator any workload may use (`policy=arachne`), which asks for cores with the same
// `want` mechanism a ctl write uses and yields the idle vcores it no longer wants.

import type { KState } from '../state.js';
import type { Proc } from '../proc.js';
import { P9Error } from '../../lib/9p/error.js';
import { want, yieldVcore } from '../process.js';
import { Rand } from '../rand.js';
import { accrue } from './account.js';
import { after } from './dispatch.js';
import { enqueue, newThread, startPhase, workloadEvents } from './engine.js';
import { type Prog, TH_FTQ, TH_REQ, TH_SPIN, newDeque } from './types.js';

export function newProg(s: KState, p: Proc, workload: string, params: Record<string, number | string>, args: string): Prog {
  const w = s.progs;
  w.runs++;
  const seed = (params.seed as number) >= 0 ? params.seed as number : ((s.rng.state ^ Math.imul(p.pid, 0x9e3779b1) ^ Math.imul(w.runs, 0x85ebca6b)) >>> 0);
  const now = s.clock.now;
  return {
    pid: p.pid, workload, params, args, state: 'running', seed, rng: new Rand(seed), t0: now, tEnd: 0,
    slots: new Map(), idle: [], q: newDeque(), stranded: newDeque(),
    hRec: -1, hArr: -1, hFtq: -1, hEnd: -1, hEst: -1,
    runnable: 0, rInt: 0, rSince: now,
    switches: 0, recoveries: 0, recoverNs: 0, yieldsInTime: 0, yieldFails: 0, strandedN: 0, wants: 0,
    estUseful: 0, estT: now,
    arrivals: 0, completed: 0, dropped: 0, hist: [], latSum: 0, latMin: 0, latMax: 0,
    iter: 0, barrier: 0, iterStart: now, iterSum: 0, iterMin: 0, iterMax: 0, iterLast: 0,
    samples: 0, wSum: 0, wMin: 0, wMax: 0, lostQ: 0, lostNs: 0, ring: [], ringAt: 0,
  };
}

/** Start a program whose Prog is in the list: its vcores online now join, threads start. */
export function startProg(s: KState, p: Proc, pr: Prog): void {
  const P = pr.params;
  if (P.policy === 'arachne') pr.hEst = after(s, pr, P.period as number, 'est');
  switch (pr.workload) {
    case 'spin': case 'ftq': {
      const kind = pr.workload === 'spin' ? TH_SPIN : TH_FTQ;
      for (let i = 0; i < (P.threads as number); i++) enqueue(s, pr, newThread(s, kind, -1), false, true);
      if (kind === TH_FTQ) pr.hFtq = after(s, pr, P.quantum as number, 'ftq');
      break;
    }
    case 'phases': startPhase(s, pr); break;
    case 'server': pr.hArr = after(s, pr, expDraw(pr, 1e9 / (P.rate as number)), 'arr'); break;
  }
  // last, so that a sample or arrival due at the same instant still counts
  if ((P.dur as number) > 0) pr.hEnd = after(s, pr, P.dur as number, 'end');
}

function expDraw(pr: Prog, mean: number): number {
  return Math.max(1, Math.round(-Math.log(1 - pr.rng.next()) * mean));
}

function serviceTime(pr: Prog): number {
  const mean = pr.params.mean as number;
  switch (pr.params.dist) {
    case 'const': return mean;
    case 'exp': return expDraw(pr, mean);
    default: {
      // lognormal with this mean: mu = ln(mean) - sigma^2/2 (Box-Muller for the normal)
      const sg = pr.params.sigma as number;
      const z = Math.sqrt(-2 * Math.log(1 - pr.rng.next())) * Math.cos(2 * Math.PI * pr.rng.next());
      return Math.max(1, Math.round(Math.exp(Math.log(mean) - sg * sg / 2 + sg * z)));
    }
  }
}

function arrival(s: KState, pr: Prog): void {
  pr.hArr = after(s, pr, expDraw(pr, 1e9 / (pr.params.rate as number)), 'arr');
  pr.arrivals++;
  if (pr.runnable >= (pr.params.qmax as number)) { pr.dropped++; return; }
  enqueue(s, pr, newThread(s, TH_REQ, serviceTime(pr)), false, true);
}

/** FTQ samples kept for the results file: the last FTQ_RING quanta's work. */
export const FTQ_RING = 64;

function ftqSample(s: KState, pr: Prog): void {
  const q = pr.params.quantum as number, now = s.clock.now;
  pr.hFtq = after(s, pr, q, 'ftq');
  for (const sl of pr.slots.values()) {
    if (!sl.seen) continue;
    accrue(s, pr, sl);
    const w = sl.useful - sl.ftqMark;
    sl.ftqMark = sl.useful;
    sl.seen = sl.pcore >= 0;
    pr.samples++;
    pr.wSum += w;
    if (pr.samples === 1 || w < pr.wMin) pr.wMin = w;
    if (w > pr.wMax) pr.wMax = w;
    if (w < q) { pr.lostQ++; pr.lostNs += q - w; }
    if (pr.ring.length < FTQ_RING) pr.ring.push(w); else pr.ring[pr.ringAt] = w;
    pr.ringAt = (pr.ringAt + 1) % FTQ_RING;
  }
}

/**
 * Arachne's core estimator, every `period`: utilisation = useful time / (vcores x period),
 * load factor = average live threads per vcore. More cores when the load factor is above
 * `lf`; one fewer when the remaining vcores would still be below `util` busy.
 */
function estimate(s: KState, pr: Prog): void {
  const P = pr.params, now = s.clock.now, p = s.procs.get(pr.pid)!;
  pr.hEst = after(s, pr, P.period as number, 'est');
  let useful = 0;
  for (const sl of pr.slots.values()) { accrue(s, pr, sl); useful += sl.useful; }
  const dt = now - pr.estT;
  pr.rInt += (now - pr.rSince) * pr.runnable; pr.rSince = now;
  const n = Math.max(1, p.numVcores);
  const util = dt > 0 ? (useful - pr.estUseful) / (dt * n) : 0;
  const load = dt > 0 ? pr.rInt / (dt * n) : 0;
  pr.estUseful = useful; pr.estT = now; pr.rInt = 0;
  let to = p.wanted;
  if (load > (P.lf as number) && p.wanted < s.maxVcores) to = p.wanted + 1;
  else if (p.numVcores > 1 && util * n / (n - 1) < (P.util as number)) to = p.numVcores - 1;
  if (to === p.wanted) return;
  pr.wants++;
  s.note('prog', `pid=${pr.pid} estimator util=${util.toFixed(3)} load=${load.toFixed(3)} want ${to}`);
  want(s, p, to);
  // the kernel never takes cores because wanted fell: the 2LS yields an idle vcore
  if (to < p.numVcores && pr.idle.length > 0) {
    const vc = pr.idle[0];
    try { yieldVcore(s, p, vc, false); } catch (e) { if (!(e instanceof P9Error)) throw e; pr.yieldFails++; }
  }
}

workloadEvents.fn = (s, pr, kind) => {
  switch (kind) {
    case 'arr': arrival(s, pr); return;
    case 'ftq': ftqSample(s, pr); return;
    case 'est': estimate(s, pr); return;
    default: throw new Error(`prog ${pr.pid}: unknown event ${kind}`);
  }
};
