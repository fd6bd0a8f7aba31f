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

const CLUNKED = 1, OPEN = 2, ORCLOSE = 4, NONBLOCK = 8, OMODE_SHIFT = 4;

/** Fids are many (a Linux mount holds one per cached dentry): the booleans and the open
 *  mode share one number, and the rarely used state lives in objects made when needed. */
export class Fid {
  refs = 1;
  private flags = 0;
  file?: OpenFile = undefined;
  dir?: DirState = undefined;
  lastRead?: LastRead = undefined;

  private bit(b: number, on: boolean): void { this.flags = on ? this.flags | b : this.flags & ~b; }
  get clunked(): boolean { return (this.flags & CLUNKED) !== 0; }
  set clunked(v: boolean) { this.bit(CLUNKED, v); }
  get open(): boolean { return (this.flags & OPEN) !== 0; }
  set open(v: boolean) { this.bit(OPEN, v); }
  /** The open's ORCLOSE bit. */
  get orclose(): boolean { return (this.flags & ORCLOSE) !== 0; }
  set orclose(v: boolean) { this.bit(ORCLOSE, v); }
  /** .L fids opened O_NONBLOCK are exempt from the continuation rule. */
  get nonblock(): boolean { return (this.flags & NONBLOCK) !== 0; }
  set nonblock(v: boolean) { this.bit(NONBLOCK, v); }
  /** The open's access bits (mode & OMASK). */
  get omode(): number { return this.flags >>> OMODE_SHIFT; }
  set omode(v: number) { this.flags = (this.flags & ((1 << OMODE_SHIFT) - 1)) | (v << OMODE_SHIFT); }

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
