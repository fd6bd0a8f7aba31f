// SPDX-License-Identifier: GPL-2.0-or-later
//
// Qids unique across the whole server and never reused for a different file.
// qid.path = (device index << 48) | (object serial << 16) | file kind.
//   device index: one per device name, handed out on first use (0 is the namespace root);
//   object serial: 0 for a device's fixed files, else a per-device counter that only
//     grows: a numbered object (an MCP, a core) gets one the first time the plumbing sees
//     it, so a pid the kernel hands out again names a new qid;
//   kind: the file type id from the device's table (1..0xffff).
// qid.version is always 0: synthetic files must never be cached by v9fs or 9pfuse.

import type { Qid } from '../../lib/9p/fcall.js';
import { QTDIR, QTFILE } from '../../lib/9p/const.js';

// ns/ still takes these two from here; the constants themselves live in lib/9p/const.ts.
export { QTDIR, DMDIR } from '../../lib/9p/const.js';

export const KIND_BITS = 16n;
export const SERIAL_BITS = 32n;
export const DEVICE_SHIFT = 48n;

const indices = new Map<string, number>([['/', 0]]);
const spaces = new Map<string, QidSpace>();

/** One device's part of the qid space. Shared by every instance of a device name in
 *  this process, so even a re-created device never hands out an old path again. */
export class QidSpace {
  readonly index: number;
  private serials = 0;
  private readonly seen = new WeakMap<object, number>();

  constructor(readonly name: string, index: number) {
    this.index = index;
  }

  /** A fresh serial, never returned before. */
  serial(): number {
    if (this.serials >= 0xffffffff) throw new Error(`qid serials exhausted for #${this.name}`);
    return ++this.serials;
  }

  /** The serial of an object, by identity: the same object always gets the same serial,
   *  a new object (even with a reused pid) a new one. */
  serialOf(obj: object): number {
    let s = this.seen.get(obj);
    if (s === undefined) {
      s = this.serial();
      this.seen.set(obj, s);
    }
    return s;
  }

  path(serial: number, kind: number): bigint {
    return (BigInt(this.index) << DEVICE_SHIFT) | (BigInt(serial) << KIND_BITS) | BigInt(kind & 0xffff);
  }

  qid(serial: number, kind: number, dir: boolean): Qid {
    return { type: dir ? QTDIR : QTFILE, version: 0, path: this.path(serial, kind) };
  }
}

/** The qid space of device `name` ('/' is the namespace root). */
export function qidSpace(name: string): QidSpace {
  let s = spaces.get(name);
  if (!s) {
    let idx = indices.get(name);
    if (idx === undefined) {
      idx = indices.size;
      if (idx >= 0xffff) throw new Error('too many devices');
      indices.set(name, idx);
    }
    s = new QidSpace(name, idx);
    spaces.set(name, s);
  }
  return s;
}

/** Which device a qid path belongs to (for debugging and tests). */
export function qidDevice(path: bigint): number {
  return Number(path >> DEVICE_SHIFT);
}
