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

export class Fid {
  refs = 1;
  clunked = false;
  open = false;
  /** The open's access bits (mode & OMASK) and its ORCLOSE bit. */
  omode = 0;
  orclose = false;
  /** .L fids opened O_NONBLOCK are exempt from the continuation rule. */
  nonblock = false;
  file?: OpenFile;
  /** 9P2000/.u directory reads: the snapshot and where the next read must start. */
  dirSnapshot?: Buffer[];
  dirNextOffset = 0n;
  dirNextIndex = 0;
  /** .L Treaddir: snapshot taken at cookie 0. */
  direntSnapshot?: { info: DirInfo; name: string }[];
  lastRead?: LastRead;

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
