// SPDX-License-Identifier: GPL-2.0-or-later
//
// Blocking record streams: files read as a sequence of newline-terminated records
// (/dev/kmesg, /mcp/N/events, /mcp/N/wait). The rules, for every stream:
// - a read returns as many WHOLE records as fit in `count`, never splitting one;
// - a record longer than `count` on its own is the one exception: the read returns its
//   first `count` bytes and the rest stays at the head for the next read (nothing is
//   ever dropped, and a reader with a tiny buffer still makes progress);
// - with nothing queued a read blocks, unless req.noblock (then 0 bytes at once);
// - a blocked read wakes when a record arrives;
// - when req.signal aborts, the read rejects with EINTR and has consumed nothing: data is
//   only taken at the moment a read resolves, so records for an aborted reader stay queued;
// - once the source is closed and this reader has drained it, reads return 0 bytes (EOF).
//
// Two flavours. RecordQueue consumes: one shared queue, each record goes to one reader
// (an event mailbox). LogReader broadcasts: each open has its own cursor into an
// append-only LogSource (the kernel log); MemoryLog is an in-memory LogSource.

import { EACCES, EINTR } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { OpenFile, ReadRequest } from '../types.js';

const EMPTY = Buffer.alloc(0);

function asRecord(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return b.length && b[b.length - 1] === 0x0a ? b : Buffer.concat([b, Buffer.from('\n')]);
}

/** A parked read (exported for devices with blocking files of their own). */
export interface Waiter {
  req: ReadRequest;
  resolve(b: Buffer): void;
  reject(e: unknown): void;
  onAbort(): void;
}

/** Parks a read until the owner's wake() resolves it (taking data only then) or until
 *  req.signal aborts (EINTR, nothing taken). */
export function waitFor(waiters: Waiter[], req: ReadRequest): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const w: Waiter = {
      req,
      resolve,
      reject,
      onAbort: () => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(perr(EINTR, 'read interrupted'));
      },
    };
    waiters.push(w);
    req.signal.addEventListener('abort', w.onAbort, { once: true });
  });
}

/** Hands a parked read its data: the abort listener goes with it, so a later abort of
 *  that request cannot reject an answered read. */
export function resolveWaiter(w: Waiter, b: Buffer): void {
  w.req.signal.removeEventListener('abort', w.onAbort);
  w.resolve(b);
}

/** Takes whole records from the front of `recs` (first record possibly partial). */
function takeRecords(recs: Buffer[], count: number): Buffer {
  if (recs.length === 0 || count <= 0) return EMPTY;
  const first = recs[0];
  if (first.length > count) {
    recs[0] = first.subarray(count);
    return Buffer.from(first.subarray(0, count));
  }
  let n = 0, k = 0;
  while (k < recs.length && n + recs[k].length <= count) n += recs[k++].length;
  const out = k === 1 ? recs[0] : Buffer.concat(recs.slice(0, k), n);
  recs.splice(0, k);
  return out;
}

/** A consuming queue of records shared by every reader (Plan 9 qread on a Qmsg queue). */
export class RecordQueue {
  private readonly recs: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  private isClosed = false;

  /** Records queued and not yet read. */
  get length(): number {
    return this.recs.length;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues one record (a newline is added if missing) and wakes the first waiter. */
  push(record: string | Buffer): void {
    if (this.isClosed) return;
    this.recs.push(asRecord(record));
    this.wake();
  }

  /** No more records: readers drain what is queued, then get EOF. */
  close(): void {
    this.isClosed = true;
    this.wake();
  }

  /** Drops everything queued (a mailbox switched to another kind, say). */
  clear(): void {
    this.recs.length = 0;
  }

  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (req.signal.aborted) return Promise.reject(perr(EINTR, 'read interrupted'));
    if (this.recs.length) return takeRecords(this.recs, req.count);
    if (this.isClosed || req.noblock || req.count <= 0) return EMPTY;
    return waitFor(this.waiters, req);
  }

  private wake(): void {
    while (this.waiters.length && (this.recs.length || this.isClosed)) {
      const w = this.waiters.shift()!;
      resolveWaiter(w, takeRecords(this.recs, w.req.count));
    }
  }
}

/** An append-only log read through cursors (sequence numbers). The kernel's log will
 *  implement this; MemoryLog is the stand-in. */
export interface LogSource {
  /** Up to `max` records from sequence `cursor` on (from the oldest still held if the
   *  cursor has fallen behind), each newline-terminated, and the cursor after them. */
  since(cursor: number, max?: number): { lines: string[]; next: number };
  /** The cursor that the next appended record will have (a reader starting "at the end"). */
  end(): number;
  /** Calls `fn` after every append and at close; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void;
  /** True once the log will never grow again. */
  readonly closed: boolean;
}

/** An in-memory ring of the last `capacity` records. */
export class MemoryLog implements LogSource {
  private readonly ring: string[] = [];
  private firstSeq = 0;
  private readonly subs = new Set<() => void>();
  private isClosed = false;

  constructor(readonly capacity = 4096) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Appends one record per line of `text`. */
  append(text: string): void {
    if (this.isClosed) return;
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    for (const l of lines) {
      this.ring.push(`${l}\n`);
      if (this.ring.length > this.capacity) {
        this.ring.shift();
        this.firstSeq++;
      }
    }
    for (const fn of [...this.subs]) fn();
  }

  close(): void {
    this.isClosed = true;
    for (const fn of [...this.subs]) fn();
  }

  since(cursor: number, max = Infinity): { lines: string[]; next: number } {
    const from = Math.max(cursor, this.firstSeq);
    const i = from - this.firstSeq;
    const lines = this.ring.slice(i, Math.min(this.ring.length, i + max));
    return { lines, next: from + lines.length };
  }

  end(): number {
    return this.firstSeq + this.ring.length;
  }

  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  /** Every record still held (tests). */
  lines(): string[] {
    return [...this.ring];
  }
}

/** One open of a broadcast log: its own cursor, blocking reads as described above. */
export class LogReader {
  private cursor: number;
  /** The unread tail of a record longer than a read's count. */
  private partial: Buffer | undefined;
  private readonly waiters: Waiter[] = [];
  private unsub: (() => void) | undefined;

  /** `from`: 'start' gives the whole log held so far, then blocks (Plan 9 kmesg);
   *  'end' only records appended after the open. */
  constructor(private readonly src: LogSource, from: 'start' | 'end' = 'start') {
    this.cursor = from === 'start' ? 0 : src.end();
  }

  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (req.signal.aborted) return Promise.reject(perr(EINTR, 'read interrupted'));
    if (req.count <= 0) return EMPTY;
    if (this.partial || this.cursor < this.src.end()) return this.take(req.count);
    if (this.src.closed || req.noblock) return EMPTY;
    if (!this.unsub) this.unsub = this.src.subscribe(() => this.wake());
    return waitFor(this.waiters, req);
  }

  /** Stops waiting for the source (the file is clunked); pending reads get EOF. */
  close(): void {
    this.unsub?.();
    this.unsub = undefined;
    for (const w of this.waiters.splice(0)) resolveWaiter(w, EMPTY);
  }

  private take(count: number): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    if (this.partial) {
      const p = this.partial;
      if (p.length > count) {
        this.partial = p.subarray(count);
        return Buffer.from(p.subarray(0, count));
      }
      parts.push(p);
      n = p.length;
      this.partial = undefined;
    }
    // Fetch in small batches: a read rarely takes more than a page of records.
    while (n < count) {
      const { lines, next } = this.src.since(this.cursor, 64);
      if (lines.length === 0) {
        this.cursor = Math.max(this.cursor, next);
        break;
      }
      let seq = next - lines.length;
      let stop = false;
      for (const l of lines) {
        const b = Buffer.from(l);
        if (n + b.length > count) {
          if (n === 0) {
            parts.push(b.subarray(0, count));
            this.partial = b.subarray(count);
            n = count;
            seq++;
          }
          stop = true;
          break;
        }
        parts.push(b);
        n += b.length;
        seq++;
      }
      this.cursor = seq;
      if (stop) break;
    }
    return parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts, n);
  }

  private wake(): void {
    while (this.waiters.length && (this.partial || this.cursor < this.src.end() || this.src.closed)) {
      const w = this.waiters.shift()!;
      resolveWaiter(w, this.partial || this.cursor < this.src.end() ? this.take(w.req.count) : EMPTY);
    }
    if (this.waiters.length === 0 && this.unsub) {
      this.unsub();
      this.unsub = undefined;
    }
  }
}

/** An OpenFile over a stream: reads come from `s`, writes are refused by the open check
 *  (the table gives stream files no write bit) or go to `write` when given. */
export function streamFile(s: { read(req: ReadRequest): Buffer | Promise<Buffer>; close?(): void },
  write?: (data: Buffer) => number): OpenFile {
  return {
    read: (req) => s.read(req),
    write: (_off, data) => {
      if (!write) throw perr(EACCES, 'stream not writable');
      return write(data);
    },
    close: () => s.close?.(),
  };
}
