// SPDX-License-Identifier: GPL-2.0-or-later
//
// Binary min-heap of (time, seq) keys on typed arrays. Keys live in the heap arrays
// themselves so a sift touches only contiguous Float64Arrays (no object chasing); the
// payload is a slot index. Handles are slot + generation so a stale cancel is harmless.

const GEN = 0x1000000; // 2^24 slots max live at once

export class EventHeap {
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private pos: Int32Array;   // slot -> heap index, -1 when free
  private gen: Int32Array;
  private free: Int32Array;
  private nfree = 0;
  private nslots = 0;
  size = 0;
  private seq = 0;

  constructor(cap = 1024) {
    this.hTime = new Float64Array(cap);
    this.hSeq = new Float64Array(cap);
    this.hSlot = new Int32Array(cap);
    this.pos = new Int32Array(cap).fill(-1);
    this.gen = new Int32Array(cap);
    this.free = new Int32Array(cap);
  }

  private grow(): void {
    const cap = this.hTime.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as { new(n: number): T })(cap);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.hTime = g(this.hTime); this.hSeq = g(this.hSeq); this.hSlot = g(this.hSlot);
    this.pos = g(this.pos, -1); this.gen = g(this.gen); this.free = g(this.free);
  }

  /** The slot of the last push. */
  pushed = -1;

  /** Insert; returns a handle (its slot is `pushed`). Equal times pop in insertion order. */
  push(time: number): number {
    let slot: number;
    if (this.nfree > 0) slot = this.free[--this.nfree];
    else {
      if (this.nslots === this.hTime.length) this.grow();
      slot = this.nslots++;
    }
    if (this.size === this.hTime.length) this.grow();
    const i = this.size++;
    this.hTime[i] = time; this.hSeq[i] = this.seq++; this.hSlot[i] = slot; this.pos[slot] = i;
    this.up(i);
    this.pushed = slot;
    return this.gen[slot] * GEN + slot;
  }

  minTime(): number { return this.size ? this.hTime[0] : Infinity; }
  minSlot(): number { return this.size ? this.hSlot[0] : -1; }

  /** Remove the minimum; returns its slot (the slot is freed). */
  pop(): number {
    const slot = this.hSlot[0];
    this.removeAt(0);
    return slot;
  }

  /** Slot of a live handle, or -1. */
  slotOf(handle: number): number {
    const slot = handle % GEN, g = (handle - slot) / GEN;
    if (slot < 0 || slot >= this.nslots || this.gen[slot] !== g || this.pos[slot] < 0) return -1;
    return slot;
  }

  cancel(handle: number): number {
    const slot = this.slotOf(handle);
    if (slot < 0) return -1;
    this.removeAt(this.pos[slot]);
    return slot;
  }

  /** The slot holds a pending event. */
  slotLive(slot: number): boolean { return slot >= 0 && slot < this.nslots && this.pos[slot] >= 0; }

  timeOfSlot(slot: number): number { return this.hTime[this.pos[slot]]; }

  private removeAt(i: number): void {
    const slot = this.hSlot[i];
    this.pos[slot] = -1;
    this.gen[slot] = (this.gen[slot] + 1) & 0x1fffffff;
    this.free[this.nfree++] = slot;
    const last = --this.size;
    if (i !== last) {
      this.move(last, i);
      this.down(i);
      this.up(i);
    }
  }

  private move(from: number, to: number): void {
    this.hTime[to] = this.hTime[from]; this.hSeq[to] = this.hSeq[from];
    const s = this.hSlot[from]; this.hSlot[to] = s; this.pos[s] = to;
  }

  private up(i: number): void {
    const T = this.hTime, S = this.hSeq, L = this.hSlot, P = this.pos;
    const t = T[i], q = S[i], s = L[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p] < t || (T[p] === t && S[p] < q)) break;
      T[i] = T[p]; S[i] = S[p]; L[i] = L[p]; P[L[i]] = i;
      i = p;
    }
    T[i] = t; S[i] = q; L[i] = s; P[s] = i;
  }

  private down(i: number): void {
    const T = this.hTime, S = this.hSeq, L = this.hSlot, P = this.pos, n = this.size;
    const t = T[i], q = S[i], s = L[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (T[r] < T[c] || (T[r] === T[c] && S[r] < S[c]))) c = r;
      if (t < T[c] || (t === T[c] && q < S[c])) break;
      T[i] = T[c]; S[i] = S[c]; L[i] = L[c]; P[L[i]] = i;
      i = c;
    }
    T[i] = t; S[i] = q; L[i] = s; P[s] = i;
  }
}
