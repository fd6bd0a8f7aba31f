// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Linux cpulist text (`1,3-5,9`), the core-list syntax of every file and command here.

import { EINVAL, ERANGE } from './9p/errno.js';
import { perr } from './9p/error.js';

/** Sorted, duplicates dropped, any run of two or more consecutive cores written as a
 *  range (Linux prints `3-4`). Empty list: ''. */
export function cpulistFmt(cores: Iterable<number>): string {
  const xs = [...new Set(cores)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j === i ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parses a cpulist (`1,3-5,9`; blank is the empty list) into sorted unique numbers.
 *  EINVAL for anything else, including a reversed range; ERANGE for a number above
 *  `max`. Every bound is checked before any range is expanded, so the work done is
 *  proportional to `max`, never to what the text claims. */
export function cpulistParse(s: string, max = Number.MAX_SAFE_INTEGER): number[] {
  const t = s.trim();
  if (t === '') return [];
  const ranges: [number, number][] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw perr(EINVAL, `bad cpulist "${s}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw perr(EINVAL, `bad range "${part}" in cpulist "${s}"`);
    if (b > max) throw perr(ERANGE, `${m[2] ?? m[1]} in cpulist "${s}" > ${max}`);
    ranges.push([a, b]);
  }
  const out = new Set<number>();
  for (const [a, b] of ranges) for (let i = a; i <= b; i++) out.add(i);
  return [...out].sort((x, y) => x - y);
}
