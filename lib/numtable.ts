// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A table keyed by a tag or a fid number: small numbers in an array, the rest in a Map.
//
// Why not just a Map: a connection's tables live as long as it does, so V8 moves them to
// the old generation, and there every set followed by a delete of the same key (one per
// request for tags, one per walk+clunk for fids) costs 1.5–3 µs: deleting the last entries
// of a mostly empty Map shrinks it, and V8 rebuilds the shrunk hash table in the old
// generation (a runtime call, and 100–300 bytes of old-space garbage that only a
// mark-compact frees). In the in-process shell loop that was ~20 µs of a 35 µs iteration
// and 2.7 KB of old-space garbage per iteration (bench/README.md, "The shell loop's tail").
// An array slot set to undefined costs a store. Clients use small numbers (Linux and
// lib/9p take the lowest free tag and fid), so the array is the common case; it grows by
// doubling up to SMALL_MAX slots (8 KiB), and any other number goes to the Map, which is
// as bounded as before (the server's maxFids, the 16-bit tag space).

/** Keys below this go into the array. */
export const SMALL_MAX = 1024;

/** Keys are non-negative integers (a decoded u16 tag or u32 fid). */
export class NumTable<V> {
  private small: (V | undefined)[] = [];
  private big = new Map<number, V>();
  private n = 0;

  get size(): number { return this.n; }

  get(k: number): V | undefined {
    return k >= 0 && k < SMALL_MAX ? this.small[k] : this.big.get(k);
  }

  has(k: number): boolean { return this.get(k) !== undefined; }

  /** Sets k to v (v is never undefined: undefined marks an empty slot). */
  set(k: number, v: V): void {
    if (k >= 0 && k < SMALL_MAX) {
      const s = this.small;
      if (k >= s.length) this.grow(k);
      if (s[k] === undefined) this.n++;
      s[k] = v;
      return;
    }
    const had = this.big.size;
    this.big.set(k, v);
    this.n += this.big.size - had;
  }

  /** Removes k; true if it was there. */
  delete(k: number): boolean {
    if (k >= 0 && k < SMALL_MAX) {
      const s = this.small;
      if (k >= s.length || s[k] === undefined) return false;
      s[k] = undefined;
      this.n--;
      return true;
    }
    if (!this.big.delete(k)) return false;
    this.n--;
    return true;
  }

  *values(): IterableIterator<V> {
    for (const v of this.small) if (v !== undefined) yield v;
    yield* this.big.values();
  }

  clear(): void {
    this.small = [];
    this.big.clear();
    this.n = 0;
  }

  /** Room for key k: the array at least doubles, filled with undefined (no holes, so V8
   *  keeps it a plain packed array). */
  private grow(k: number): void {
    const s = this.small;
    const len = Math.min(SMALL_MAX, Math.max(16, s.length * 2, 1 << (32 - Math.clz32(k))));
    for (let i = s.length; i < len; i++) s.push(undefined);
  }
}
