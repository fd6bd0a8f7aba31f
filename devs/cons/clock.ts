// SPDX-License-Identifier: GPL-2.0-or-later
//
// What /dev/time needs from the kernel's clock. Until kern/ exists, hrtimeClock() stands
// in: virtual time = the wall clock at creation, advanced by process.hrtime (monotonic).

export interface ConsClock {
  /** Virtual time in ns since the Unix epoch. */
  nowNs(): bigint;
  /** Ticks per second of the tick counter. */
  readonly freq: bigint;
  /** Ticks since boot (default: nowNs() * freq / 1e9). */
  ticks?(): bigint;
}

export function hrtimeClock(): ConsClock {
  const base = process.hrtime.bigint();
  const epoch = BigInt(Date.now()) * 1_000_000n;
  return {
    freq: 1_000_000_000n,
    nowNs: () => epoch + (process.hrtime.bigint() - base),
    ticks: () => process.hrtime.bigint() - base,
  };
}
