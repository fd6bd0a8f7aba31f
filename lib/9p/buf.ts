// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Little-endian cursor reader and growable writer for 9P bodies. The reader checks every
// bound itself and throws DecodeError (never a RangeError from Buffer), so the codec can
// catch one error type at its boundary and report the tag of the bad frame.

import { EINVAL } from './errno.js';
import { P9Error } from './error.js';
import type { Qid } from './fcall.js';

/** A frame (or stat/dirent blob) that does not parse. `tag`/`msgType` are set when the
 *  7-byte header was readable, so a server can still answer on that tag. */
export class DecodeError extends Error {
  tag?: number;
  msgType?: number;
  constructor(message: string, tag?: number, msgType?: number) {
    super(message);
    this.name = 'DecodeError';
    if (tag !== undefined) this.tag = tag;
    if (msgType !== undefined) this.msgType = msgType;
  }
}

export class Reader {
  pos: number;
  constructor(public buf: Buffer, start: number, public end: number) {
    this.pos = start;
  }

  /** Points the reader at another buffer (the codec reuses one Reader for every frame). */
  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (n > this.end - p) throw new DecodeError(`truncated ${what} at offset ${p}`);
    this.pos = p + n;
    return p;
  }

  remaining(): number { return this.end - this.pos; }

  u8(what = 'u8'): number { return this.buf[this.need(1, what)]; }
  u16(what = 'u16'): number {
    const p = this.need(2, what), b = this.buf;
    return b[p] | (b[p + 1] << 8);
  }
  u32(what = 'u32'): number {
    const p = this.need(4, what), b = this.buf;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }
  u64(what = 'u64'): bigint {
    const p = this.need(8, what);
    return u64At(this.buf, p);
  }
  /** len[2] + UTF-8 bytes; NUL is illegal inside 9P strings. */
  str(what = 'string'): string {
    const n = this.u16(what);
    const p = this.need(n, what), b = this.buf, e = p + n;
    let ascii = true;
    for (let i = p; i < e; i++) {
      const c = b[i];
      if (c === 0) throw new DecodeError(`NUL inside ${what} at offset ${i}`);
      if (c > 0x7f) ascii = false;
    }
    return n === 0 ? '' : b.toString(ascii ? 'latin1' : 'utf8', p, e);
  }
  qid(): Qid {
    const p = this.need(13, 'qid'), b = this.buf;
    return {
      type: b[p],
      version: (b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16)) + b[p + 4] * 0x1000000,
      path: u64At(b, p + 5),
    };
  }
  /** A zero-copy view of the next n bytes. */
  bytes(n: number, what = 'data'): Buffer {
    const p = this.need(n, what);
    return this.buf.subarray(p, p + n);
  }
  /** Throws unless the body was consumed exactly. */
  done(what: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError(`${this.end - this.pos} trailing bytes after ${what}`);
    }
  }
}

/** The u64 at b[p]: one BigInt when it fits in 53 bits (offsets, qid paths), where
 *  Buffer's readBigUInt64LE makes several. */
function u64At(b: Buffer, p: number): bigint {
  const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16)) + b[p + 7] * 0x1000000;
  if (hi < 0x200000) return BigInt(hi * 0x100000000 + lo);
  return b.readBigUInt64LE(p);
}

function bad(detail: string): P9Error { return new P9Error(EINVAL, detail); }

export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(cap: number) { this.buf = Buffer.allocUnsafe(cap < 64 ? 64 : cap); }

  /** Starts over (the codec reuses one Writer as scratch for every frame). */
  reset(): void { this.pos = 0; }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  u8(v: number): void {
    if (!(v >= 0 && v <= 0xff && Number.isInteger(v))) throw bad(`u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    if (!(v >= 0 && v <= 0xffff && Number.isInteger(v))) throw bad(`u16 out of range: ${v}`);
    this.ensure(2);
    const b = this.buf, p = this.pos;
    b[p] = v & 0xff; b[p + 1] = v >>> 8;
    this.pos = p + 2;
  }
  /** Negative int32 values are taken as their bit pattern, so `DMDIR | 0o755` works. */
  u32(v: number): void {
    if (!(v >= -0x80000000 && v <= 0xffffffff && Number.isInteger(v))) throw bad(`u32 out of range: ${v}`);
    this.ensure(4);
    const b = this.buf, p = this.pos;
    b[p] = v & 0xff; b[p + 1] = (v >>> 8) & 0xff; b[p + 2] = (v >>> 16) & 0xff; b[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }
  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw bad(`u64 out of range: ${v}`);
    this.ensure(8);
    const b = this.buf, p = this.pos;
    if (v <= 0x1fffffffffffffn) {
      // Below 2^53 a Number holds it exactly: no BigInt arithmetic (each step allocates).
      const n = Number(v), lo = n % 0x100000000, hi = (n - lo) / 0x100000000;
      b[p] = lo & 0xff; b[p + 1] = (lo >>> 8) & 0xff; b[p + 2] = (lo >>> 16) & 0xff; b[p + 3] = lo >>> 24;
      b[p + 4] = hi & 0xff; b[p + 5] = (hi >>> 8) & 0xff; b[p + 6] = hi >>> 16; b[p + 7] = 0;
    } else {
      b.writeBigUInt64LE(v, p);
    }
    this.pos = p + 8;
  }
  str(s: string): void {
    if (typeof s !== 'string') throw bad(`not a string: ${String(s)}`);
    if (s.includes('\0')) throw bad(`NUL inside string ${JSON.stringify(s)}`);
    this.ensure(2 + s.length * 3);
    const n = s.length === 0 ? 0 : this.buf.write(s, this.pos + 2, 'utf8');
    if (n > 0xffff) throw bad(`string longer than 65535 bytes (${n})`);
    this.buf[this.pos] = n & 0xff; this.buf[this.pos + 1] = n >>> 8;
    this.pos += 2 + n;
  }
  qid(q: Qid): void {
    this.u8(q.type); this.u32(q.version); this.u64(q.path);
  }
  bytes(d: Buffer): void {
    this.ensure(d.length);
    d.copy(this.buf, this.pos);
    this.pos += d.length;
  }
  /** Reserve room for a u16/u32 written later with patch16/patch32; returns its offset. */
  skip(n: number): number {
    this.ensure(n);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  patch16(at: number, v: number): void {
    if (v > 0xffff) throw bad(`length ${v} does not fit in 16 bits`);
    this.buf[at] = v & 0xff; this.buf[at + 1] = v >>> 8;
  }
  patch32(at: number, v: number): void { this.buf.writeUInt32LE(v, at); }
  /** The written bytes (a view, not a copy). */
  result(): Buffer { return this.buf.subarray(0, this.pos); }
  /** The written bytes in a buffer of their own (one small allocation, from Node's pool). */
  copy(): Buffer {
    const n = this.pos, b = this.buf;
    const out = Buffer.allocUnsafe(n);
    // Buffer#copy of part of a buffer makes a view of the part first; a frame is
    // usually a few dozen bytes, which a loop copies without allocating.
    if (n > 256) b.copy(out, 0, 0, n);
    else for (let i = 0; i < n; i++) out[i] = b[i];
    return out;
  }
}
