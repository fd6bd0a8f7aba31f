// SPDX-License-Identifier: GPL-2.0-or-later
//
// Text helpers shared by every device: offset-aware reads of a rendered string, numbers,
// directory order. The shared text formats (keyed, cpulist, duration) live in lib/.

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

export { keyed, parseKeyed, type KeyedValue } from '../../lib/keyed.js';
export { cpulistFmt, cpulistParse } from '../../lib/cpulist.js';
export { parseDuration, durationFmt } from '../../lib/duration.js';

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
