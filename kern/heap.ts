// SPDX-License-Identifier: GPL-2.0-or-later
//
// Binary min-heap of (time, seq) keys on typed arrays. Keys live in the heap arrays
// themselves so a sift touches only contiguous Float64Arrays (no object chasing); the
// payload is a slot index. Handles are slot + generation so a stale cancel is harmless.
//
// Allocation. The clock runs about a million events per virtual second at scale, and the
// young-generation collections that garbage causes are the real-time driver's lag tail
// (bench/README.md). A virtual time past 2^31 ns (2.1 s) is not a small integer (Smi) to
// V8: passed to or returned from a call that is not inlined it is boxed in a fresh
// 16-byte HeapNumber. So no time crosses this class's interface as an argument or a
// result on the hot path: push() takes its time from the `key` field, the clock reads
// `time[0]` and `timeAt(slot)` reads `time` directly, and a handle fits in 31 bits.

import { perr } from '../lib/9p/error.js';
import { ENOMEM } from '../lib/9p/errno.js';

/** A handle is gen << SLOT_BITS | slot: at most 2^20 events pending at once, and a slot's
 *  generation counts its reuses modulo 2^11 (a stale handle could only hit an event in
 *  the same slot exactly a multiple of 2048 reuses later; kern keeps no stale handles:
 *  each holder forgets its handle when the event runs or is cancelled). Below 2^31, a
 *  handle is a Smi: returning and storing one allocates nothing. */
const SLOT_BITS = 20;
export const MAX_PENDING = 1 << SLOT_BITS;
const SLOT_MASK = MAX_PENDING - 1;
const GEN_MASK = 0x7ff;

export class EventHeap {
  /** heap order: the time of each entry (entry 0 is the earliest), its tie-break
   *  sequence number, its slot */
  time: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private pos: Int32Array;   // slot -> heap index, -1 when free
  private gen: Int32Array;
  private free: Int32Array;
  private nfree = 0;
  private nslots = 0;
  size = 0;
  private seq = 0;
  /** The time of the next push (a field, not an argument: see above). */
  key = 0;

  constructor(cap = 1024) {
    this.time = new Float64Array(cap);
    this.hSeq = new Float64Array(cap);
    this.hSlot = new Int32Array(cap);
    this.pos = new Int32Array(cap).fill(-1);
    this.gen = new Int32Array(cap);
    this.free = new Int32Array(cap);
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as { new(n: number): T })(cap);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.time = g(this.time); this.hSeq = g(this.hSeq); this.hSlot = g(this.hSlot);
    this.pos = g(this.pos, -1); this.gen = g(this.gen); this.free = g(this.free);
  }

  /** The slot of the last push. */
  pushed = -1;

  /** Insert an entry due at `key`; returns its handle (its slot is `pushed`). Equal times
   *  pop in insertion order. Throws ENOMEM past MAX_PENDING entries. */
  push(): number {
    let slot: number;
    if (this.nfree > 0) slot = this.free[--this.nfree];
    else {
      if (this.nslots === MAX_PENDING) throw perr(ENOMEM, `clock: ${MAX_PENDING} events pending`);
      if (this.nslots === this.time.length) this.grow();
      slot = this.nslots++;
    }
    const i = this.size++;
    this.time[i] = this.key; this.hSeq[i] = this.seq++; this.hSlot[i] = slot; this.pos[slot] = i;
    this.up(i);
    this.pushed = slot;
    return this.gen[slot] << SLOT_BITS | slot;
  }

  minTime(): number { return this.size ? this.time[0] : Infinity; }
  minSlot(): number { return this.size ? this.hSlot[0] : -1; }

  /** Remove the minimum; returns its slot (the slot is freed). */
  pop(): number {
    const slot = this.hSlot[0];
    this.removeAt(0);
    return slot;
  }

  /** Slot of a live handle, or -1. */
  slotOf(handle: number): number {
    if (!(handle >= 0 && handle <= 0x7fffffff)) return -1;
    const slot = handle & SLOT_MASK;
    if (slot >= this.nslots || this.gen[slot] !== handle >>> SLOT_BITS || this.pos[slot] < 0) return -1;
    return slot;
  }

  /** Remove a pending entry; returns its slot, or -1 when the handle is stale. */
  cancel(handle: number): number {
    const slot = this.slotOf(handle);
    if (slot < 0) return -1;
    this.removeAt(this.pos[slot]);
    return slot;
  }

  /** The slot holds a pending event. */
  slotLive(slot: number): boolean { return slot >= 0 && slot < this.nslots && this.pos[slot] >= 0; }

  /** Heap index of a live slot (its time is time[indexOf(slot)]). */
  indexOf(slot: number): number { return this.pos[slot]; }

  timeOfSlot(slot: number): number { return this.time[this.pos[slot]]; }

  private removeAt(i: number): void {
    const slot = this.hSlot[i];
    this.pos[slot] = -1;
    this.gen[slot] = (this.gen[slot] + 1) & GEN_MASK;
    this.free[this.nfree++] = slot;
    const last = --this.size;
    if (i !== last) {
      this.move(last, i);
      this.down(i);
      this.up(i);
    }
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]; this.hSeq[to] = this.hSeq[from];
    const s = this.hSlot[from]; this.hSlot[to] = s; this.pos[s] = to;
  }

  private up(i: number): void {
    const T = this.time, S = this.hSeq, L = this.hSlot, P = this.pos;
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
    const T = this.time, S = this.hSeq, L = this.hSlot, P = this.pos, n = this.size;
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
