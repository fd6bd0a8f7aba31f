// SPDX-License-Identifier: GPL-2.0-or-later
//
// Logs read as streams: LogSource is an append-only log read through cursors (the kernel
// log implements it; MemoryLog is the in-memory one), LogReader one open of it with its
// own cursor (broadcast: every reader sees every record), on the blocking read of
// blocking.ts. streamFile wraps any such reader as an OpenFile.

import { EACCES } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { OpenFile, ReadRequest } from '../types.js';
import { BlockingReader, type RecordSource } from './blocking.js';

/** An append-only log read through cursors (sequence numbers). devs/index.ts adapts the
 *  kernel's log to it; MemoryLog is a log of its own (#cons without a kernel, tests). */
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

/** A cursor into a LogSource as a record source. Records are fetched a batch at a time
 *  (a read rarely wants more than a page of them) and handed out one by one. */
class LogCursor implements RecordSource {
  private cursor: number;
  private batch: string[] = [];
  private next = 0;

  constructor(private readonly src: LogSource, from: 'start' | 'end') {
    this.cursor = from === 'start' ? 0 : src.end();
  }

  ready(): boolean {
    return this.next < this.batch.length || this.cursor < this.src.end();
  }

  take(): Buffer | undefined {
    if (this.next >= this.batch.length) {
      const { lines, next } = this.src.since(this.cursor, 64);
      this.batch = lines;
      this.next = 0;
      this.cursor = Math.max(this.cursor, next);
    }
    const l = this.batch[this.next++];
    return l === undefined ? undefined : Buffer.from(l);
  }

  atEof(): boolean {
    return this.src.closed;
  }

  subscribe(fn: () => void): () => void {
    return this.src.subscribe(fn);
  }
}

/** One open of a broadcast log: its own cursor, the blocking-read rules of blocking.ts.
 *  `from`: 'start' gives the whole log held so far, then blocks (Plan 9 kmesg); 'end'
 *  only records appended after the open. */
export class LogReader extends BlockingReader {
  constructor(src: LogSource, from: 'start' | 'end' = 'start') {
    super(new LogCursor(src, from));
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
