// SPDX-License-Identifier: GPL-2.0-or-later
//
// Closed-loop load: `outstanding` workers each issue `op` back to back for `ms`; the
// result is throughput and latency percentiles. Shared by the benches that compare us
// with a peer in the same run; and where every bench writes its result.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LoadResult { opsPerSec: number; p50us: number; p99us: number }

export async function load(op: () => Promise<unknown>, outstanding: number, ms: number): Promise<LoadResult> {
  const lat: number[] = [];
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: outstanding }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await op();
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] * 1000);
  return { opsPerSec: Math.round(lat.length / secs), p50us: pct(0.5), p99us: pct(0.99) };
}

/** bench/results/NAME.json, next to the compiled bench's source tree. */
export function resultPath(importMetaUrl: string, name: string): string {
  const here = new URL(importMetaUrl).pathname;
  return here.replace(/\/dist\/bench\/.*$/, `/bench/results/${name}.json`);
}

/** Writes a bench's result as indented JSON to bench/results/NAME.json (or to `out`). */
export function writeResult(importMetaUrl: string, name: string, value: unknown, out = resultPath(importMetaUrl, name)): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(value, null, 2) + '\n');
}
