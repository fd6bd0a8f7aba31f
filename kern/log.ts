// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel log: every decision as one record with a virtual timestamp. A bounded ring
// with monotonically increasing sequence numbers, so /dev/kmesg readers keep a cursor and
// block (subscribe) for new records. The ring is bounded twice: by records and by the
// size of what it holds, so a few huge records cannot pin memory that many small ones
// would not. Every text that comes from a user (error details, names, host-owner notes)
// passes through clip() before the kernel stores it: one line, bounded.

export interface LogRecord { seq: number; t: number; kind: string; text: string }

export function formatLog(r: LogRecord): string { return `${r.t} ${r.kind} ${r.text}`; }

/** Bytes of an error detail the kernel keeps (lasterr, `error` records). */
export const DETAIL_MAX = 256;
/** Bytes of one log record's text. */
export const RECORD_MAX = 512;
/** Default bounds of the ring: records, and characters of the formatted records. */
export const LOG_MAX = 65536;
export const LOG_MAX_BYTES = 4 << 20;

const ELLIPSIS = '…';
// C0 controls, DEL and C1 controls: each would let a text forge or hide lines.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const HAS_CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** `s` as one safe line of at most `max` UTF-8 bytes: control characters become `\xHH`,
 *  and a longer text is cut (on a character boundary) and ends in '…'. */
export function clip(s: string, max = DETAIL_MAX): string {
  if (s.length * 3 <= max && !HAS_CONTROL.test(s)) return s;   // the common case: short, clean
  // Every UTF-16 unit is at least one UTF-8 byte: past `max` units the text is cut anyway.
  const out = s.slice(0, max).replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (s.length <= max && Buffer.byteLength(out) <= max) return out;
  const room = max - Buffer.byteLength(ELLIPSIS);
  let end = Math.min(out.length, room);
  while (end > 0 && Buffer.byteLength(out.slice(0, end)) > room) end--;
  const hi = out.charCodeAt(end - 1);
  if (end > 0 && hi >= 0xd800 && hi <= 0xdbff) end--;   // never half a surrogate pair
  return out.slice(0, end) + ELLIPSIS;
}

export class KernelLog {
  private ring: LogRecord[] = [];
  private first = 0;           // seq of ring[0]
  private head = 0;            // index in ring of the oldest record held
  private size = 0;            // characters held (formatted records, newline included)
  next = 0;                    // seq the next record gets
  private subs = new Set<(r: LogRecord) => void>();
  constructor(readonly max = LOG_MAX, readonly maxBytes = LOG_MAX_BYTES) {}

  add(t: number, kind: string, text: string): void {
    const r = { seq: this.next++, t, kind, text: clip(text, RECORD_MAX) };
    this.ring.push(r);
    this.size += recSize(r);
    while (this.ring.length - this.head > 1 &&
      (this.ring.length - this.head > this.max || this.size > this.maxBytes)) {
      this.size -= recSize(this.ring[this.head++]);
    }
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.first += this.head;
      this.head = 0;
    }
    for (const f of this.subs) f(r);
  }

  /** Up to `max` records with seq >= cursor still held (older ones have been overwritten). */
  since(cursor: number, max = Infinity): LogRecord[] {
    const from = Math.max(cursor, this.oldest) - this.first;
    if (from >= this.ring.length) return [];
    return max >= this.ring.length - from ? this.ring.slice(from) : this.ring.slice(from, from + max);
  }

  /** The oldest seq still readable. */
  get oldest(): number { return this.first + this.head; }

  /** Characters the ring holds now (formatted records with their newlines). */
  get held(): number { return this.size; }

  subscribe(fn: (r: LogRecord) => void): () => void { this.subs.add(fn); return () => this.subs.delete(fn); }

  lines(): string[] { return this.since(0).map(formatLog); }
}

/** formatLog(r).length + 1, without building the line. */
function recSize(r: LogRecord): number { return numLength(r.t) + r.kind.length + r.text.length + 3; }

/** String(t).length without building the string: turning a large number into a string
 *  costs a microsecond, and every record added and every record dropped needs this. */
function numLength(t: number): number {
  if (!Number.isSafeInteger(t) || t < 0) return String(t).length;
  let n = 1;
  for (let p = 10; t >= p; p *= 10) n++;
  return n;
}
