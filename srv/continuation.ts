// SPDX-License-Identifier: GPL-2.0-or-later
//
// Linux v9fs loops inside one read(2) until the buffer is full or a Tread returns 0
// bytes, so a blocking file would stall `cat` after its first record. On Linux kernel
// sessions we answer such a continuation at once (possibly with 0 bytes) instead of
// holding it; every other reader keeps plain Plan 9 blocking semantics. The shape was
// measured on Linux 6.1 (reference/9p.md §9.2): the previous reply was non-empty and
// short, this offset follows it, and the count shrank (busybox cat) or stayed at the
// largest possible Tread (GNU cat).

import { IOHDRSZ } from '../lib/9p/const.js';
import type { LastRead } from './fid.js';

export function isContinuation(prev: LastRead | undefined, offset: bigint, count: number, msize: number): boolean {
  if (!prev || prev.returned === 0 || prev.returned >= prev.count) return false;
  if (offset !== prev.offset + BigInt(prev.returned)) return false;
  return count < prev.count || count === msize - IOHDRSZ;
}
