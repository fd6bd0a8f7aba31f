// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel log: every decision as one record with a virtual timestamp. A bounded ring
// with monotonically increasing sequence numbers, so /dev/kmesg readers keep a cursor and
// block (subscribe) for new records.

export interface LogRecord { seq: number; t: number; kind: string; text: string }

export function formatLog(r: LogRecord): string { return `${r.t} ${r.kind} ${r.text}`; }

export class KernelLog {
  private ring: LogRecord[] = [];
  private first = 0;           // seq of ring[0]
  next = 0;                    // seq the next record gets
  private subs = new Set<(r: LogRecord) => void>();
  constructor(readonly max = 65536) {}

  add(t: number, kind: string, text: string): void {
    const r = { seq: this.next++, t, kind, text };
    this.ring.push(r);
    if (this.ring.length > this.max * 2) { const drop = this.ring.length - this.max; this.ring.splice(0, drop); this.first += drop; }
    for (const f of this.subs) f(r);
  }

  /** Up to `max` records with seq >= cursor still held (older ones have been overwritten). */
  since(cursor: number, max = Infinity): LogRecord[] {
    const lo = Math.max(this.first, this.next - this.max);
    const from = Math.max(cursor, lo) - this.first;
    if (from >= this.ring.length) return [];
    return max >= this.ring.length - from ? this.ring.slice(from) : this.ring.slice(from, from + max);
  }

  /** The oldest seq still readable. */
  get oldest(): number { return Math.max(this.first, this.next - this.max); }

  subscribe(fn: (r: LogRecord) => void): () => void { this.subs.add(fn); return () => this.subs.delete(fn); }

  lines(): string[] { return this.since(0).map(formatLog); }
}
