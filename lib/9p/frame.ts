// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Splits a byte stream into whole 9P frames. The size field is validated as soon as its
// 4 bytes are in, before any of the body is gathered, so a hostile size cannot make us
// allocate or buffer more than one chunk beyond it. Chunks are kept as a list (no
// concatenation); a frame inside one chunk is returned as a zero-copy view of it.

import { HDRSZ } from './const.js';

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private head = 0;   // index of the first live chunk
  private off = 0;    // bytes of chunks[head] already consumed
  private total = 0;  // live bytes buffered
  private failed: FrameError | null = null;

  constructor(public maxSize: number) {}

  /** Queue bytes. After a framing error further bytes are dropped (the stream is dead). */
  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
    // Refuse a bad size now so a huge or tiny header never lets the buffer grow.
    this.check();
    if (this.failed) this.drop();
  }

  buffered(): number { return this.total; }

  /** One whole frame, or null if more bytes are needed. Throws FrameError on a bad size. */
  next(): Buffer | null {
    if (this.failed) throw this.failed;
    const size = this.check();
    if (size < 0) {
      if (this.failed) { this.drop(); throw this.failed; }
      return null;
    }
    if (this.total < size) return null;
    const first = this.chunks[this.head];
    let frame: Buffer;
    if (first.length - this.off >= size) {
      frame = first.subarray(this.off, this.off + size);
      this.off += size;
      if (this.off === first.length) this.shift();
    } else {
      frame = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const c = this.chunks[this.head];
        const n = Math.min(c.length - this.off, size - got);
        c.copy(frame, got, this.off, this.off + n);
        got += n;
        this.off += n;
        if (this.off === c.length) this.shift();
      }
    }
    this.total -= size;
    return frame;
  }

  /** The size of the head frame, -1 if its 4 size bytes are not all here (or it is bad). */
  private check(): number {
    if (this.total < 4) return -1;
    const size = (this.byte(0) | (this.byte(1) << 8) | (this.byte(2) << 16)) + this.byte(3) * 0x1000000;
    if (size < HDRSZ) this.failed = new FrameError(`frame size ${size} < ${HDRSZ}`);
    else if (size > this.maxSize) this.failed = new FrameError(`frame size ${size} > maximum ${this.maxSize}`);
    return this.failed ? -1 : size;
  }

  private byte(i: number): number {
    let h = this.head, o = this.off + i;
    while (o >= this.chunks[h].length) { o -= this.chunks[h].length; h++; }
    return this.chunks[h][o];
  }

  private shift(): void {
    this.head++;
    this.off = 0;
    if (this.head === this.chunks.length) {
      // Drained, the usual case (a chunk holds whole frames): reuse the array.
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head > 64) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.chunks = [];
    this.head = 0;
    this.off = 0;
    this.total = 0;
  }
}
