// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Linux cpulist text (`1,3-5,9`), the core-list syntax of every file and command here.

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
