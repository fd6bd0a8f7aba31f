// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Durations with a unit suffix, as every time-valued ctl argument and flag takes them.

import { EINVAL } from './9p/errno.js';
import { perr } from './9p/error.js';

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n };

/** A duration in ns: `250`, `250ns`, `10us`, `10µs`, `2ms`, `1.5s`. A bare number is ns.
 *  EINVAL for negatives, unknown units, or a fraction finer than 1 ns. */
export function parseDuration(s: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?\s*(ns|us|µs|μs|ms|s)?$/.exec(s.trim());
  if (!m) throw perr(EINVAL, `bad duration "${s}"`);
  const unit = UNITS[m[3] ?? 'ns'];
  const frac = m[2] ?? '';
  let ns = BigInt(m[1]) * unit;
  if (frac) {
    const scaled = BigInt(frac) * unit;
    const div = 10n ** BigInt(frac.length);
    if (scaled % div !== 0n) throw perr(EINVAL, `bad duration "${s}": finer than 1ns`);
    ns += scaled / div;
  }
  return ns;
}

/** A duration back as text with the largest exact unit (`2ms`, `1500us`, `0`). */
export function durationFmt(ns: bigint): string {
  if (ns === 0n) return '0';
  for (const [u, f] of [['s', 1_000_000_000n], ['ms', 1_000_000n], ['us', 1000n]] as const) {
    if (ns % f === 0n) return `${ns / f}${u}`;
  }
  return `${ns}ns`;
}
