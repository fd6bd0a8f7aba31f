// SPDX-License-Identifier: GPL-2.0-or-later
//
// Request latencies as a log-bucket histogram: bucket i holds latencies in
// [R^i, R^(i+1)) ns with R = 1.02, so a percentile is within 2% of the true value and the
// memory is fixed (HIST_BUCKETS numbers, up to about 20 s) however many requests run.

export const HIST_R = 1.02;
export const HIST_BUCKETS = 1200;
const LN_R = Math.log(HIST_R);

export function bucketOf(ns: number): number {
  if (ns < 1) return 0;
  const i = Math.floor(Math.log(ns) / LN_R);
  return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

export function histAdd(h: number[], ns: number): void {
  if (h.length === 0) for (let i = 0; i < HIST_BUCKETS; i++) h.push(0);
  h[bucketOf(ns)]++;
}

/** The q-quantile (0 < q <= 1) of n samples: the upper bound of the bucket where it falls,
 *  kept within the exact [min, max] (so a constant latency reads back exactly). */
export function histQuantile(h: number[], n: number, q: number, min: number, max: number): number {
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= rank) return Math.min(max, Math.max(min, Math.round(Math.pow(HIST_R, i + 1))));
  }
  return max;
}
