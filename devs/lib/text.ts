// SPDX-License-Identifier: GPL-2.0-or-later
//
// Text helpers shared by every device: offset-aware reads of a rendered string, the
// flat-keyed `key value` format, Linux cpulists, durations with unit suffixes, numbers.

import { EINVAL, ERANGE } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';

const EMPTY = Buffer.alloc(0);

/** Plan 9 readstr: the bytes of `s` at [offset, offset+count). Past the end: 0 bytes. */
export function readstr(offset: bigint, count: number, s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  if (offset >= BigInt(b.length) || count <= 0) return EMPTY;
  const o = Number(offset);
  return b.subarray(o, Math.min(b.length, o + count));
}

export type KeyedValue = string | number | bigint | boolean;

/** cgroup-v2 style flat-keyed text: `key value\n` per pair, in the order given; an empty
 *  value prints the bare key (`lasterr\n`), booleans print 1/0. */
export function keyed(pairs: Iterable<readonly [string, KeyedValue]>): string {
  let out = '';
  for (const [k, v] of pairs) {
    const t = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    out += t === '' ? `${k}\n` : `${k} ${t}\n`;
  }
  return out;
}

/** Parses flat-keyed text back into a Map (tests and the CLI). */
export function parseKeyed(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    if (sp < 0) m.set(line, '');
    else m.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return m;
}

export { cpulistFmt } from '../../lib/cpulist.js';

/** Parses a cpulist (`1,3-5,9`; blank is the empty list) into sorted unique numbers.
 *  EINVAL for anything else, including a reversed range. `max` bounds each number (ERANGE). */
export function cpulistParse(s: string, max = Number.MAX_SAFE_INTEGER): number[] {
  const t = s.trim();
  if (t === '') return [];
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw perr(EINVAL, `bad cpulist "${s}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw perr(EINVAL, `bad range "${part}" in cpulist "${s}"`);
    if (b > max) throw perr(ERANGE, `${b} in cpulist "${s}" > ${max}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

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

/** A decimal unsigned integer field: EINVAL if not one, ERANGE above `max`. */
export function parseUint(s: string, max = Number.MAX_SAFE_INTEGER, what = 'number'): number {
  if (!/^\d+$/.test(s)) throw perr(EINVAL, `bad ${what} "${s}"`);
  const n = Number(s);
  if (n > max || !Number.isSafeInteger(n)) throw perr(ERANGE, `${what} ${s} > ${max}`);
  return n;
}

/** Directory order: numeric names numerically first, then the others by code unit. */
export function nameCompare(a: string, b: string): number {
  const na = /^\d+$/.test(a), nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
