// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Splits a byte stream into whole 9P frames. The size field is validated as soon as its
// 4 bytes are in, before any of the body is gathered, so a hostile size cannot make us
// allocate or buffer more than one chunk beyond it. Chunks are kept as a list (no
// concatenation); a frame inside one chunk is returned as a zero-copy view of it, or with
// take() as the chunk and an offset (no view object at all: a reader that decodes at
// once allocates nothing per frame here).

import { HDRSZ } from './const.js';

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export class FrameReader {
  // chunks[head..count) are live. The array keeps its capacity when drained: truncating
  // it would free its backing store and the next push would allocate a new one.
  private readonly chunks: (Buffer | undefined)[] = [];
  private count = 0;
  private head = 0;   // index of the first live chunk
  private off = 0;    // bytes of chunks[head] already consumed
  private total = 0;  // live bytes buffered
  private failed: FrameError | null = null;
  /** After take(): the buffer holding the frame, and where in it the frame starts. */
  frameBuf: Buffer = EMPTY;
  frameAt = 0;

  constructor(public maxSize: number) {}

  /** Queue bytes. After a framing error further bytes are dropped (the stream is dead).
   *  The reader keeps `chunk` (no copy) until its frames have been taken. */
  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    if (this.count === this.chunks.length && this.head > 0) this.compact();
    this.chunks[this.count++] = chunk;
    this.total += chunk.length;
    // Refuse a bad size now so a huge or tiny header never lets the buffer grow.
    this.check();
    if (this.failed) this.drop();
  }

  buffered(): number { return this.total; }

  /** One whole frame, or null if more bytes are needed. Throws FrameError on a bad size. */
  next(): Buffer | null {
    const size = this.take();
    if (size < 0) return null;
    const b = this.frameBuf, at = this.frameAt;
    this.frameBuf = EMPTY;
    return at === 0 && size === b.length ? b : b.subarray(at, at + size);
  }

  /**
   * Like next(), without making a view: the size of the next whole frame, which is
   * frameBuf[frameAt, frameAt + size), or -1 if more bytes are needed. frameBuf is a
   * pushed chunk (or a fresh buffer when the frame spanned chunks); it stays valid, and
   * views of it may be kept. Throws FrameError on a bad size.
   */
  take(): number {
    if (this.failed) throw this.failed;
    const size = this.check();
    if (size < 0) {
      if (this.failed) { this.drop(); throw this.failed; }
      return -1;
    }
    if (this.total < size) return -1;
    const first = this.chunks[this.head]!;
    if (first.length - this.off >= size) {
      this.frameBuf = first;
      this.frameAt = this.off;
      this.off += size;
      if (this.off === first.length) this.shift();
    } else {
      const frame = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const c = this.chunks[this.head]!;
        const n = Math.min(c.length - this.off, size - got);
        c.copy(frame, got, this.off, this.off + n);
        got += n;
        this.off += n;
        if (this.off === c.length) this.shift();
      }
      this.frameBuf = frame;
      this.frameAt = 0;
    }
    this.total -= size;
    return size;
  }

  /** `chunk`, pushed last, is about to be overwritten by its owner (a reused read
   *  buffer): what is left of it unread is copied. */
  own(chunk: Buffer): void {
    const i = this.count - 1;
    if (i < this.head || this.chunks[i] !== chunk) return;
    const from = i === this.head ? this.off : 0;
    this.chunks[i] = Buffer.from(chunk.subarray(from));
    if (i === this.head) this.off = 0;
  }

  /** The size of the head frame, -1 if its 4 size bytes are not all here (or it is bad). */
  private check(): number {
    if (this.total < 4) return -1;
    let size: number;
    const c = this.chunks[this.head]!, o = this.off;
    if (c.length - o >= 4) size = (c[o] | (c[o + 1] << 8) | (c[o + 2] << 16)) + c[o + 3] * 0x1000000;
    else size = (this.byte(0) | (this.byte(1) << 8) | (this.byte(2) << 16)) + this.byte(3) * 0x1000000;
    if (size < HDRSZ) this.failed = new FrameError(`frame size ${size} < ${HDRSZ}`);
    else if (size > this.maxSize) this.failed = new FrameError(`frame size ${size} > maximum ${this.maxSize}`);
    return this.failed ? -1 : size;
  }

  private byte(i: number): number {
    let h = this.head, o = this.off + i;
    while (o >= this.chunks[h]!.length) { o -= this.chunks[h]!.length; h++; }
    return this.chunks[h]![o];
  }

  private shift(): void {
    this.chunks[this.head++] = undefined;
    this.off = 0;
    if (this.head === this.count) {
      // Drained, the usual case (a chunk holds whole frames).
      this.head = 0;
      this.count = 0;
    } else if (this.head > 64) {
      this.compact();
    }
  }

  /** Moves the live chunks to the front. */
  private compact(): void {
    const cs = this.chunks, h = this.head, n = this.count - h;
    for (let i = 0; i < n; i++) { cs[i] = cs[h + i]; cs[h + i] = undefined; }
    this.head = 0;
    this.count = n;
  }

  private drop(): void {
    this.chunks.length = 0;
    this.count = 0;
    this.head = 0;
    this.off = 0;
    this.total = 0;
    this.frameBuf = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
