// SPDX-License-Identifier: GPL-2.0-or-later
//
// The workloads and their parameters: names, defaults, bounds (the bounds are what a
// client can make the simulation hold or do per event; doc: devs/mcp/mcp.md "Programs").
// Parsed here, in the kernel, from the `key=value` words a ctl write or a journal holds.

import { perr } from '../../lib/9p/error.js';
import { EINVAL, ERANGE } from '../../lib/9p/errno.js';
import { NOISE_DEFAULTS } from './types.js';

export const WORKLOADS = ['spin', 'phases', 'server', 'ftq'] as const;
export type Workload = typeof WORKLOADS[number];

/** Threads a workload may have (the server's queue is bounded by qmax instead). */
export const THREADS_MAX = 1024;
/** Requests a server's queue may hold (arrivals beyond are dropped and counted). */
export const QMAX_MAX = 65536;
/** Arrival rate bound, requests per virtual second. */
export const RATE_MAX = 1_000_000;
/** The shortest work unit, quantum or reaction time that schedules events (1 us). */
export const MIN_UNIT = 1000;

type Kind = 'dur' | 'int' | 'num' | readonly string[];
interface Param { kind: Kind; def: number | string; min?: number; max?: number }

const MAXNS = 2 ** 53 - 1;
const d = (def: number, min = 0, max = MAXNS): Param => ({ kind: 'dur', def, min, max });

/** Parameters every workload takes: its run time, and the 2LS model's. The 2LS defaults are
 *  assumptions of this model (documented as such), not measurements. */
const COMMON: Record<string, Param> = {
  dur: d(0),
  reaction: d(10_000),
  recover: d(10_000),
  switch: d(0, 0, 1e9),
  policy: { kind: ['static', 'arachne'], def: 'static' },
  // Arachne's core estimator (DefaultCorePolicy / CoreLoadEstimator): 50 ms, LF 1.5, util 0.8
  period: d(50_000_000, 1_000_000),
  lf: { kind: 'num', def: 1.5, min: 0, max: 1e6 },
  util: { kind: 'num', def: 0.8, min: 0, max: 1 },
  seed: { kind: 'int', def: -1, min: -1, max: 2 ** 32 - 1 },
};

const SPECIFIC: Record<Workload, Record<string, Param>> = {
  spin: { threads: { kind: 'int', def: 1, min: 1, max: THREADS_MAX } },
  phases: {
    threads: { kind: 'int', def: 4, min: 1, max: THREADS_MAX },
    work: d(1_000_000, MIN_UNIT), serial: d(100_000, 0), iters: { kind: 'int', def: 0, min: 0, max: MAXNS },
  },
  server: {
    rate: { kind: 'num', def: 10_000, min: 0.001, max: RATE_MAX },
    dist: { kind: ['const', 'exp', 'lognormal'], def: 'exp' },
    mean: d(50_000, MIN_UNIT, 1e10), sigma: { kind: 'num', def: 1, min: 0, max: 4 },
    qmax: { kind: 'int', def: 4096, min: 1, max: QMAX_MAX },
  },
  ftq: {
    threads: { kind: 'int', def: 1, min: 1, max: THREADS_MAX },
    quantum: d(1_000_000, MIN_UNIT),
  },
};

/** A duration: an integer or decimal with ns/us/µs/ms/s (bare = ns). NaN if malformed. */
export function parseNs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)?$/.exec(v);
  if (!m) return NaN;
  const mul = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 }[m[2] ?? 'ns']!;
  return Math.round(Number(m[1]) * mul);
}

/** Parse `key=value` words against a table; every key at most once, unknown keys EINVAL. */
export function parseKv(what: string, table: Record<string, Param>, words: string[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, p] of Object.entries(table)) out[k] = p.def;
  const seen = new Set<string>();
  for (const w of words) {
    const i = w.indexOf('=');
    const key = i > 0 ? w.slice(0, i) : w, val = i > 0 ? w.slice(i + 1) : '';
    const p = Object.hasOwn(table, key) ? table[key] : undefined;
    if (!p || i <= 0) throw perr(EINVAL, `${what}: bad parameter "${w}" (${Object.keys(table).join(', ')})`);
    if (seen.has(key)) throw perr(EINVAL, `${what}: ${key} given twice`);
    seen.add(key);
    if (Array.isArray(p.kind)) {
      if (!p.kind.includes(val)) throw perr(EINVAL, `${what}: ${key}=${val}: one of ${p.kind.join(', ')}`);
      out[key] = val;
      continue;
    }
    const n = p.kind === 'dur' ? parseNs(val) : /^-?\d+(\.\d+)?(e\d+)?$/.test(val) ? Number(val) : NaN;
    if (!Number.isFinite(n) || (p.kind === 'int' && !Number.isInteger(n))) throw perr(EINVAL, `${what}: ${key}=${val}: not a ${p.kind === 'dur' ? 'duration' : 'number'}`);
    if (n < (p.min ?? -Infinity) || n > (p.max ?? Infinity)) throw perr(ERANGE, `${what}: ${key}=${val}: want ${p.min}..${p.max}`);
    out[key] = n;
  }
  return out;
}

export function isWorkload(w: string): w is Workload { return (WORKLOADS as readonly string[]).includes(w); }

export function parseWorkload(w: string, words: string[]): Record<string, number | string> {
  if (!isWorkload(w)) throw perr(EINVAL, `run ${w}: no such workload (${WORKLOADS.join(', ')})`);
  const p = parseKv(`run ${w}`, { ...COMMON, ...SPECIFIC[w] }, words);
  const r = p.reaction as number;
  if (r !== 0 && r < MIN_UNIT) throw perr(ERANGE, `run ${w}: reaction=${r}: 0 or >= 1us`);
  return p;
}

/** The noise model's parameters. Defaults: types.ts NOISE_DEFAULTS (cited in core.md). */
export const NOISE_PARAMS: Record<string, Param> = {
  hz: { kind: 'int', def: NOISE_DEFAULTS.hz, min: 1, max: 10_000 },
  tick: d(NOISE_DEFAULTS.tick, 0, 1_000_000),
  drate: { kind: 'num', def: NOISE_DEFAULTS.drate, min: 0, max: 100_000 },
  dmean: d(NOISE_DEFAULTS.dmean, 0, 100_000_000),
  irate: { kind: 'num', def: NOISE_DEFAULTS.irate, min: 0, max: 100_000 },
  imean: d(NOISE_DEFAULTS.imean, 0, 100_000_000),
};

/** The names of every parameter a workload takes (for docs and completion). */
export function paramNames(w: Workload): string[] { return [...Object.keys(SPECIFIC[w]), ...Object.keys(COMMON)]; }
