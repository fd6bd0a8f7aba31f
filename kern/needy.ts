// SPDX-License-Identifier: GPL-2.0-or-later
//
// The needy-MCP queue of the ksched: a min-heap of (mcpSeq, pid) on typed arrays, so a
// pass visits only the MCPs that want cores, in the order they became MCPs. Stale entries
// (the proc died, or no longer needs cores) are dropped by the pass when popped.

export class NeedyQueue {
  private k = new Float64Array(64);
  private v = new Int32Array(64);
  size = 0;

  push(key: number, pid: number): void {
    if (this.size === this.k.length) {
      const k = new Float64Array(this.size * 2); k.set(this.k); this.k = k;
      const v = new Int32Array(this.size * 2); v.set(this.v); this.v = v;
    }
    const K = this.k, V = this.v;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (K[p] <= key) break;
      K[i] = K[p]; V[i] = V[p]; i = p;
    }
    K[i] = key; V[i] = pid;
  }

  minKey(): number { return this.k[0]; }

  pop(): number {
    const K = this.k, V = this.v, top = V[0];
    const n = --this.size;
    if (n > 0) {
      const key = K[n], pid = V[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && K[c + 1] < K[c]) c++;
        if (key <= K[c]) break;
        K[i] = K[c]; V[i] = V[c]; i = c;
      }
      K[i] = key; V[i] = pid;
    }
    return top;
  }

  pids(): number[] { return Array.from(this.v.subarray(0, this.size)); }
}
