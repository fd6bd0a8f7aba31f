// SPDX-License-Identifier: GPL-2.0-or-later
//
// The one blocking read of the tree: files read as a sequence of newline-terminated
// records (/dev/kmesg, /mcp/N/events, /mcp/N/wait, and every stream to come). A source
// says what it has (ready / take / atEof / subscribe); BlockingReader owns the rules:
// - a read returns as many WHOLE records as fit in `count`; only a single record longer
//   than `count` is split (its first `count` bytes now, the rest first on the next read);
// - with nothing to give, a read blocks, unless req.noblock (0 bytes at once);
// - a parked read is answered when the source reports news, from a microtask (a source
//   may report from inside a kernel operation, which must finish before anyone consumes);
// - when req.signal aborts, the read rejects with EINTR having consumed nothing: records
//   are taken from the source only at the moment a read is answered;
// - once the source is at its end and the reader has handed out everything, reads return
//   0 bytes (end of file);
// - parked reads are answered in arrival order.
// A record taken from the source that does not fit the read answering it is kept here
// and comes first on the next read, so one reader per source consumes in order.

import { EINTR } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { ReadRequest } from '../types.js';

const EMPTY = Buffer.alloc(0);

export interface RecordSource {
  /** A record can be taken now. */
  ready(): boolean;
  /** Consume the next record (newline-terminated). Called only when ready(); undefined
   *  if there was nothing after all. */
  take(): Buffer | undefined;
  /** No record will come any more (asked when the source is not ready). */
  atEof(): boolean;
  /** Calls fn whenever ready() or atEof() may have turned true; returns the unsubscribe. */
  subscribe(fn: () => void): () => void;
  /** Once: the reader has handed out the last byte there will ever be. */
  drained?(): void;
  /** The reader is closed: let go of whatever the source holds on to. */
  close?(): void;
}

interface Waiter {
  req: ReadRequest;
  resolve(b: Buffer): void;
  onAbort(): void;
}

export class BlockingReader {
  private readonly waiters: Waiter[] = [];
  /** The rest of a split record, or a whole one that did not fit its read. */
  private carry: Buffer | undefined;
  private unsub: (() => void) | undefined;
  private scheduled = false;
  private ended = false;
  private closed = false;

  constructor(private readonly src: RecordSource) {}

  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (req.signal.aborted) return Promise.reject(perr(EINTR, 'read interrupted'));
    if (req.count <= 0) return EMPTY;
    if (this.waiters.length === 0 && this.hasData()) return this.fill(req.count);
    if (this.closed || this.atEnd() || req.noblock) return EMPTY;
    const p = this.park(req);
    if (!this.unsub) this.unsub = this.src.subscribe(() => this.kick());
    this.kick();
    return p;
  }

  /** The file is clunked: parked reads get end of file, the source is let go. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const w of this.waiters.splice(0)) this.answer(w, EMPTY);
    this.src.close?.();
  }

  /** Reads parked now (tests, status). */
  get waiting(): number {
    return this.waiters.length;
  }

  private hasData(): boolean {
    return this.carry !== undefined || this.src.ready();
  }

  private atEnd(): boolean {
    return this.carry === undefined && !this.src.ready() && this.src.atEof();
  }

  private park(req: ReadRequest): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const w: Waiter = {
        req,
        resolve,
        onAbort: () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(perr(EINTR, 'read interrupted'));
        },
      };
      this.waiters.push(w);
      req.signal.addEventListener('abort', w.onAbort, { once: true });
    });
  }

  /** Hands a parked read its data; the abort listener goes with it, so a later abort of
   *  that request cannot reject an answered read. */
  private answer(w: Waiter, b: Buffer): void {
    w.req.signal.removeEventListener('abort', w.onAbort);
    w.resolve(b);
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.wake();
    });
  }

  private wake(): void {
    while (this.waiters.length && (this.hasData() || this.atEnd())) {
      const w = this.waiters.shift()!;
      this.answer(w, this.hasData() ? this.fill(w.req.count) : EMPTY);
    }
    if (this.waiters.length === 0) this.unsubscribe();
  }

  private unsubscribe(): void {
    this.unsub?.();
    this.unsub = undefined;
  }

  /** Whole records up to count bytes: the carry first, then the source one at a time. */
  private fill(count: number): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    while (n < count) {
      let b = this.carry;
      this.carry = undefined;
      if (!b) {
        if (!this.src.ready()) break;
        b = this.src.take();
        if (!b) break;
      }
      if (n + b.length <= count) {
        parts.push(b);
        n += b.length;
        continue;
      }
      if (n === 0) {
        parts.push(b.subarray(0, count));
        this.carry = b.subarray(count);
        n = count;
      } else {
        this.carry = b;
      }
      break;
    }
    if (!this.ended && n > 0 && this.atEnd()) {
      this.ended = true;
      this.src.drained?.();
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }
}
