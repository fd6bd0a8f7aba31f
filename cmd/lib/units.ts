// SPDX-License-Identifier: GPL-2.0-or-later
//
// One unit style for every view: times for people as `10ms`, `1.5s`, `250us` (human
// output), ns as integers in --json; a cpulist in --json as its core ids and its text.

import { cpulistFmt, cpulistParse } from '../../lib/cpulist.js';

/** A cpulist in --json: `{"ids": [1,2,3,5], "text": "1-3,5"}` (cmd/schemas/defs.json). */
export interface Cpulist {
  ids: number[];
  text: string;
}

export function cpulist(text: string): Cpulist {
  const ids = cpulistParse(text.trim());
  return { ids, text: cpulistFmt(ids) };
}

export function cpulistOf(ids: number[]): Cpulist {
  const sorted = [...ids].sort((a, b) => a - b);
  return { ids: sorted, text: cpulistFmt(sorted) };
}

/** ns for people: the largest unit that keeps the number >= 1, at most three decimals,
 *  no trailing zeros. 0 -> "0", 1500000 -> "1.5ms", 10000000 -> "10ms". */
export function fmtDuration(ns: number): string {
  if (ns === 0) return '0';
  const sign = ns < 0 ? '-' : '';
  const a = Math.abs(ns);
  for (const [u, f] of [['s', 1e9], ['ms', 1e6], ['us', 1e3]] as const) {
    if (a >= f) return `${sign}${Number((a / f).toFixed(3))}${u}`;
  }
  return `${sign}${a}ns`;
}

/** Virtual time since boot as a clock: 1.250s -> "0:01.250", 3725s -> "1:02:05.000". */
export function fmtClock(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const h = Math.floor(ms / 3_600_000), m = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60;
  const frac = String(ms % 1000).padStart(3, '0');
  const mm = h > 0 ? `${h}:${String(m).padStart(2, '0')}` : `${m}`;
  return `${mm}:${String(s).padStart(2, '0')}.${frac}`;
}

/** A decimal integer string as a number; anything else stays text. */
export function intOrText(v: string): number | string {
  return /^-?\d+$/.test(v) ? Number(v) : v;
}
