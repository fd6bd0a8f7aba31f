// SPDX-License-Identifier: GPL-2.0-or-later
//
// Seeded PRNG (mulberry32): tiny, fast and reproducible across platforms.

export class Rand {
  private s = 0;
  constructor(seed = 1) { this.seed(seed); }
  seed(n: number): void { this.s = (n >>> 0) ^ 0x6d2b79f5; }
  get state(): number { return this.s; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
