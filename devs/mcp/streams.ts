// SPDX-License-Identifier: GPL-2.0-or-later
//
// The two blocking files of a process: events (the mailbox, consumed) and wait (the exit
// record). Same rules as devs/lib/stream.ts: whole lines only (a line longer than the
// read is split, the rest comes next), block when empty unless req.noblock, EINTR on
// abort with nothing consumed, 0 bytes at end of file.
//
// The mailbox is consumed *at read time*, never ahead of the reader: the bitmap and ceq
// kinds coalesce what is still unread, and taking a message is the process "handling"
// it (the kernel clears notif_pending when the mailbox drains). A message taken that did
// not fit the read waits in a carry list shared by every reader of the process.
//
// Wake-ups are deferred to a microtask: the mailbox fires inside the kernel's send_event,
// and a reader must not consume while the kernel is still in the middle of an operation.

import { EACCES, EINTR } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { OpenFile, ReadRequest } from '../types.js';
import { resolveWaiter, waitFor, type Waiter } from '../lib/stream.js';
import type { MailboxLike, WaitRec } from './kctx.js';

const EMPTY = Buffer.alloc(0);

/** One per mailbox (per process): every open of `events` reads through the same one. */
export class MailboxStream {
  private readonly carry: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  private unsub: (() => void) | undefined;
  private scheduled = false;

  constructor(private readonly mb: MailboxLike, private readonly format: (m: any) => string) {}

  private get ready(): boolean {
    return this.carry.length > 0 || this.mb.size > 0;
  }

  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (req.signal.aborted) return Promise.reject(perr(EINTR, 'read interrupted'));
    if (req.count <= 0) return EMPTY;
    if (this.waiters.length === 0 && this.ready) return this.take(req.count);
    if (this.mb.closed && !this.ready) return EMPTY;
    if (req.noblock) return EMPTY;
    if (!this.unsub) this.unsub = this.mb.subscribe(() => this.kick());
    const p = waitFor(this.waiters, req);
    this.kick();
    return p;
  }

  /** Whole lines up to `count`: the carry first, then the mailbox one message at a time. */
  private take(count: number): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    for (;;) {
      let b = this.carry.shift();
      if (!b) {
        const m = this.mb.take(1);
        if (m.length === 0) break;
        b = Buffer.from(`${this.format(m[0])}\n`);
      }
      if (n + b.length <= count) {
        parts.push(b);
        n += b.length;
        continue;
      }
      if (n === 0) {
        // A single line longer than the read: its head now, the rest next time.
        parts.push(b.subarray(0, count));
        this.carry.unshift(b.subarray(count));
        n = count;
      } else {
        this.carry.unshift(b);
      }
      break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
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
    while (this.waiters.length && (this.ready || this.mb.closed)) {
      const w = this.waiters.shift()!;
      resolveWaiter(w, this.ready ? this.take(w.req.count) : EMPTY);
    }
    if (this.waiters.length === 0 && this.unsub) {
      this.unsub();
      this.unsub = undefined;
    }
  }

  /** Queued lines and messages (for tests and status). */
  get pending(): number {
    return this.carry.length + this.mb.size;
  }
}

/** One open of `wait`: blocks until the process has died, returns "PID CODE REASON\n"
 *  (in pieces if the read is short), then end of file. `delivered` runs once, after the
 *  last byte of the record has been handed out (the device reaps there). */
export class WaitFile implements OpenFile {
  private rec: Buffer | undefined;
  private off = 0;
  private readonly waiters: Waiter[] = [];
  private unsub: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly onExit: (fn: (r: WaitRec) => void) => () => void,
    private readonly delivered: () => void,
  ) {}

  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (req.signal.aborted) return Promise.reject(perr(EINTR, 'read interrupted'));
    if (req.count <= 0) return EMPTY;
    if (this.rec) return this.take(req.count);
    if (req.noblock) return EMPTY;
    const p = waitFor(this.waiters, req);
    if (!this.unsub) {
      // onExit runs fn at once if the process is already dead, else inside the kernel's
      // kill: either way the reader is answered from a microtask.
      this.unsub = this.onExit((r) => {
        this.rec = Buffer.from(`${r.pid} ${r.code} ${r.reason}\n`);
        queueMicrotask(() => this.wake());
      });
    }
    return p;
  }

  private take(count: number): Buffer {
    const r = this.rec!;
    if (this.off >= r.length) return EMPTY;
    const b = r.subarray(this.off, Math.min(r.length, this.off + count));
    this.off += b.length;
    if (this.off >= r.length && !this.done) {
      this.done = true;
      this.delivered();
    }
    return b;
  }

  private wake(): void {
    while (this.waiters.length && this.rec) {
      const w = this.waiters.shift()!;
      resolveWaiter(w, this.take(w.req.count));
    }
  }

  write(): number {
    throw perr(EACCES, 'wait is read-only');
  }

  close(): void {
    this.unsub?.();
    this.unsub = undefined;
    for (const w of this.waiters.splice(0)) resolveWaiter(w, EMPTY);
  }
}
