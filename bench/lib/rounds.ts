// SPDX-License-Identifier: GPL-2.0-or-later
//
// Comparisons that survive a noisy machine: two contenders measured in alternating
// rounds within one run (A B, B A, A B, ...), a warm-up round thrown away, and for each
// metric the per-round ratio's median with its min–max. When the rounds disagree by more
// than the allowed spread ((max - min) / median) the ratio is not printed at all:
// "inconclusive". Absolute numbers from a loaded machine mean nothing; ratios taken
// seconds apart under the same load mostly do, and the spread says when they do not.

import os from 'node:os';

export interface BenchOptions {
  /** Measured rounds (the warm-up round comes on top). Default 5. */
  rounds?: number;
  /** Largest allowed (max - min) / median of a ratio across rounds, in percent. Default 25. */
  spread?: number;
  /** Milliseconds per contender per round. */
  ms?: number;
  /** A git ref built in a temporary worktree: compare this tree against it (bench/compare.ts). */
  compare?: string;
  /** Where that ref's build lives (set by bench/all.ts). */
  compareRoot?: string;
  quiet?: boolean;
}

export const DEFAULT_ROUNDS = 5;
export const DEFAULT_SPREAD = 25;
/** Fewer rounds than this cannot show that they agree: such a ratio is inconclusive. */
export const MIN_ROUNDS = 3;

/**
 * Runs `measure(name, round)` for each contender in every round, the order flipping
 * each round so neither always goes first. Round 0 is the warm-up and is not returned.
 */
export async function alternate<T>(names: readonly string[], rounds: number,
                                   measure: (name: string, round: number) => Promise<T>): Promise<Map<string, T[]>> {
  const out = new Map<string, T[]>(names.map((n) => [n, []]));
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) {
      const v = await measure(n, r);
      if (r > 0) out.get(n)!.push(v);
    }
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Ratio {
  /** Median over rounds of a[i] / b[i]; NaN when there are no rounds. */
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, in percent. */
  spreadPct: number;
  /** False when spreadPct exceeds the allowed spread: the median is not to be trusted. */
  conclusive: boolean;
  rounds: number;
}

/** The per-round ratios a[i] / b[i] summarised. */
export function ratio(a: readonly number[], b: readonly number[], maxSpreadPct: number): Ratio {
  const rs = a.map((x, i) => x / b[i]).filter((x) => Number.isFinite(x));
  if (rs.length === 0) return { median: NaN, min: NaN, max: NaN, spreadPct: NaN, conclusive: false, rounds: 0 };
  const med = median(rs);
  const min = Math.min(...rs), max = Math.max(...rs);
  const spreadPct = med > 0 ? (100 * (max - min)) / med : Infinity;
  return { median: med, min, max, spreadPct, conclusive: rs.length >= MIN_ROUNDS && spreadPct <= maxSpreadPct, rounds: rs.length };
}

/**
 * Whether a target holds, from the rounds: by the median when the rounds agree; when they
 * spread too far to trust the median, only if every round is on the same side of the
 * target (`ok` is a threshold, so the min and max rounds stand for all of them); else
 * null, "not judged". A verdict never rests on fewer than MIN_ROUNDS rounds.
 */
export function judge(r: Ratio, ok: (x: number) => boolean): boolean | null {
  if (r.rounds < MIN_ROUNDS) return null;
  if (r.conclusive) return ok(r.median);
  const lo = ok(r.min), hi = ok(r.max);
  return lo === hi ? lo : null;
}

/** "met", "missed", "not judged" and, when the median was withheld, "in every round". */
export function showVerdict(r: Ratio, ok: (x: number) => boolean): string {
  const v = judge(r, ok);
  if (v === null) return 'not judged';
  return (v ? 'target met' : 'target missed') + (r.conclusive ? '' : ' in every round');
}

/** "1.52× (1.41–1.60)" or "inconclusive: spread 48% > 25% (0.9–1.6)". */
export function showRatio(r: Ratio, maxSpreadPct: number): string {
  if (r.rounds === 0) return '-';
  const range = `${r.min.toFixed(2)}–${r.max.toFixed(2)}`;
  if (r.rounds < MIN_ROUNDS) return `inconclusive: ${r.rounds} round${r.rounds === 1 ? '' : 's'} < ${MIN_ROUNDS} (${range})`;
  if (!r.conclusive) return `inconclusive: spread ${r.spreadPct.toFixed(0)}% > ${maxSpreadPct}% (${range})`;
  return `${r.median.toFixed(2)}× (${range})`;
}

/** One line saying what the numbers came from, for every comparing bench to print first. */
export function machineLine(rounds: number, spread: number): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  return `machine: ${cpus[0]?.model?.trim() ?? '?'} x${cpus.length}, load ${load}, node ${process.version}; `
    + `${rounds} alternating rounds after 1 warm-up round; ratios are medians (min–max), `
    + `withheld when the rounds spread more than ${spread}%`;
}

export function resolved(opts: BenchOptions): { rounds: number; spread: number } {
  return { rounds: opts.rounds ?? DEFAULT_ROUNDS, spread: opts.spread ?? DEFAULT_SPREAD };
}
