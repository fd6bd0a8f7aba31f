// SPDX-License-Identifier: GPL-2.0-or-later
//
// A fid: a client's handle on a Chan, and once opened on an OpenFile. Requests in flight
// hold a reference, so a Tclunk (which always removes the fid from the table at once)
// closes the file only when the last in-flight request on it has settled.

import type { Chan } from '../ns/types.js';
import type { Caller, DirInfo, OpenFile } from '../devs/types.js';

/** What the Linux continuation rule (reference/9p.md §9.2) needs to remember per fid. */
export interface LastRead {
  offset: bigint;
  count: number;
  returned: number;
}

/** Directory-reading state, made on a fid's first directory read. */
export interface DirState {
  /** 9P2000/.u directory reads: the snapshot and where the next read must start. */
  stats?: Buffer[];
  nextOffset: bigint;
  nextIndex: number;
  /** .L Treaddir: snapshot taken at cookie 0. */
  dirents?: { info: DirInfo; name: string }[];
}

const CLUNKED = 1, OPEN = 2, ORCLOSE = 4, NONBLOCK = 8, OMODE_SHIFT = 4, OMODE_MASK = 3, REFS_SHIFT = 6;
const FLAG_BITS = (1 << REFS_SHIFT) - 1;

/** Fids are many (a Linux mount holds one per cached dentry), so a Fid is six fields
 *  (72 bytes; the chan and the open file are shared or the device's): the reference count,
 *  the booleans and the open mode share one small integer, and the per-read state is one
 *  slot made on the first read, a directory's (DirState) or a file's (LastRead): a fid
 *  reads one or the other, never both (only an open fid reads, and an open fid's chan
 *  stays put). References are bounded by the requests in flight (16-bit tags), far below
 *  the 2^25 the integer holds. */
export class Fid {
  private bits = 1 << REFS_SHIFT;
  file?: OpenFile = undefined;
  private state: DirState | LastRead | undefined = undefined;

  /** Requests in flight on this fid, plus one while it is in the fid table. */
  get refs(): number { return this.bits >>> REFS_SHIFT; }
  set refs(v: number) { this.bits = (this.bits & FLAG_BITS) | (v << REFS_SHIFT); }
  private bit(b: number, on: boolean): void { this.bits = on ? this.bits | b : this.bits & ~b; }
  get clunked(): boolean { return (this.bits & CLUNKED) !== 0; }
  set clunked(v: boolean) { this.bit(CLUNKED, v); }
  get open(): boolean { return (this.bits & OPEN) !== 0; }
  set open(v: boolean) { this.bit(OPEN, v); }
  /** The open's ORCLOSE bit. */
  get orclose(): boolean { return (this.bits & ORCLOSE) !== 0; }
  set orclose(v: boolean) { this.bit(ORCLOSE, v); }
  /** .L fids opened O_NONBLOCK are exempt from the continuation rule. */
  get nonblock(): boolean { return (this.bits & NONBLOCK) !== 0; }
  set nonblock(v: boolean) { this.bit(NONBLOCK, v); }
  /** The open's access bits (mode & OMASK). */
  get omode(): number { return (this.bits >>> OMODE_SHIFT) & OMODE_MASK; }
  set omode(v: number) { this.bits = (this.bits & ~(OMODE_MASK << OMODE_SHIFT)) | ((v & OMODE_MASK) << OMODE_SHIFT); }

  /** Directory-reading state (made on the first directory read). */
  get dir(): DirState | undefined {
    const s = this.state;
    return s !== undefined && 'nextIndex' in s ? s : undefined;
  }
  set dir(v: DirState | undefined) {
    if (v !== undefined || this.dir !== undefined) this.state = v;
  }
  /** The last read of a file (made on the first read). */
  get lastRead(): LastRead | undefined {
    const s = this.state;
    return s !== undefined && 'returned' in s ? s : undefined;
  }
  set lastRead(v: LastRead | undefined) {
    if (v !== undefined || this.lastRead !== undefined) this.state = v;
  }

  constructor(readonly num: number, public chan: Chan, readonly caller: Caller) {}

  isDir(): boolean {
    return this.chan.isDir();
  }

  /** Drop one reference; the last one closes the open file and honours ORCLOSE. */
  release(): void {
    if (--this.refs > 0) return;
    const file = this.file;
    this.file = undefined;
    try { file?.close?.(); } catch { /* a close hook must not take the connection down */ }
    if (this.orclose) {
      this.chan.remove(this.caller).catch(() => { /* removal on clunk is best effort */ });
    }
  }
}
