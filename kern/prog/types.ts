// SPDX-License-Identifier: GPL-2.0-or-later
//
// The data of the programs the simulated MCPs run (engine.ts runs them): plain objects
// only, so a kernel image carries them without registration (the Rand is a registered
// kern class). A thread is in exactly one place at a time (a run queue, a vcore's slot,
// the stranded list): an image copies each reference separately, so sharing would split.

import { Rand } from '../rand.js';

/** The `linux` noise model's parameters' defaults (devs/core/core.md "Noise" says where
 *  each comes from): HZ, tick cost (ns), daemons (per s, mean ns), IRQs (per s, mean ns). */
export const NOISE_DEFAULTS = { hz: 250, tick: 5000, drate: 10, dmean: 50_000, irate: 100, imean: 5000 };

export const TH_SPIN = 0, TH_PAR = 1, TH_SER = 2, TH_REQ = 3, TH_FTQ = 4;

/** A user thread: work left (ns; -1 = endless), its creation time (a request's arrival),
 *  and when a stranded thread becomes runnable again. */
export interface Thread { kind: number; rem: number; t0: number; ready: number }

/** A FIFO/LIFO ring of threads (head index, length; the array grows by doubling). */
export interface Deque { buf: (Thread | null)[]; head: number; len: number }

/** One vcore as the 2LS sees it. Time since `since` is accrued to useful (a thread runs)
 *  or spin (no thread) minus `debt`: noise and switch costs already charged elsewhere. */
export interface Slot {
  vc: number;
  pcore: number;
  th: Thread | null;
  since: number;
  debt: number;
  /** the running thread's segment: start, time lost inside it, end event (-1 none) */
  segStart: number;
  segLost: number;
  seg: number;
  /** the pending reaction to a preemption warning (-1 none) */
  react: number;
  useful: number;
  spin: number;
  overhead: number;
  noise: number;
  /** FTQ: useful at the last sample; online at some point since it */
  ftqMark: number;
  seen: boolean;
}

export type ProgState = 'running' | 'done' | 'stopped' | 'killed';

export interface Prog {
  pid: number;
  workload: string;
  /** the parameters, defaults filled in (numbers in ns, req/s, counts; strings for choices) */
  params: Record<string, number | string>;
  args: string;
  state: ProgState;
  seed: number;
  rng: Rand;
  t0: number;
  tEnd: number;
  slots: Map<number, Slot>;
  /** vcore ids online with no thread, used as a stack */
  idle: number[];
  q: Deque;
  stranded: Deque;
  /** pending events (-1 none) */
  hRec: number; hArr: number; hFtq: number; hEnd: number; hEst: number;
  /** threads alive (running, queued, stranded) and their integral over time (Arachne's load factor) */
  runnable: number; rInt: number; rSince: number;
  switches: number; recoveries: number; recoverNs: number; yieldsInTime: number; yieldFails: number;
  strandedN: number; wants: number;
  estUseful: number; estT: number;
  // server
  arrivals: number; completed: number; dropped: number;
  hist: number[]; latSum: number; latMin: number; latMax: number;
  // phases
  iter: number; barrier: number; iterStart: number; iterSum: number; iterMin: number; iterMax: number; iterLast: number;
  // ftq
  samples: number; wSum: number; wMin: number; wMax: number; lostQ: number; lostNs: number;
  ring: number[]; ringAt: number;
}

export type NoiseModel = 'akaros' | 'linux';

/** The node noise model (noise.ts) and the per-core accounting of program time. */
export interface ProgWorld {
  list: Map<number, Prog>;
  runs: number;
  noise: { model: NoiseModel; hz: number; tick: number; drate: number; dmean: number; irate: number; imean: number };
  rng: Rand;
  /** per pcore: program time by kind, and each core's noise sources (next firing, handle) */
  cUseful: Float64Array; cSpin: Float64Array; cOverhead: Float64Array; cNoise: Float64Array;
  nTick: Float64Array; nD: Float64Array; nI: Float64Array; nH: Float64Array;
}

export function newProgWorld(ncores: number, seed: number): ProgWorld {
  const f = () => new Float64Array(ncores);
  const nH = f(); nH.fill(-1);
  return {
    list: new Map(), runs: 0,
    noise: { model: 'akaros', ...NOISE_DEFAULTS },
    rng: new Rand((seed ^ 0x5bd1e995) >>> 0),
    cUseful: f(), cSpin: f(), cOverhead: f(), cNoise: f(), nTick: f(), nD: f(), nI: f(), nH,
  };
}

export function newDeque(): Deque { return { buf: [null, null, null, null], head: 0, len: 0 }; }

function grow(d: Deque): void {
  const n = d.buf.length, b: (Thread | null)[] = new Array(n * 2).fill(null);
  for (let i = 0; i < d.len; i++) b[i] = d.buf[(d.head + i) % n];
  d.buf = b; d.head = 0;
}

export function pushBack(d: Deque, t: Thread): void {
  if (d.len === d.buf.length) grow(d);
  d.buf[(d.head + d.len) % d.buf.length] = t;
  d.len++;
}

export function pushFront(d: Deque, t: Thread): void {
  if (d.len === d.buf.length) grow(d);
  d.head = (d.head - 1 + d.buf.length) % d.buf.length;
  d.buf[d.head] = t;
  d.len++;
}

export function popFront(d: Deque): Thread | null {
  if (d.len === 0) return null;
  const t = d.buf[d.head];
  d.buf[d.head] = null;
  d.head = (d.head + 1) % d.buf.length;
  d.len--;
  return t;
}

export function peekFront(d: Deque): Thread | null { return d.len ? d.buf[d.head] : null; }

export function clearDeque(d: Deque): void { d.buf = [null, null, null, null]; d.head = 0; d.len = 0; }
