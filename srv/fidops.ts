// SPDX-License-Identifier: GPL-2.0-or-later
//
// What several handlers do to a fid: open it, create through it, change its file, read
// it as a 9P2000 directory, check a name. The handler tables (ops*.ts) share these so no
// table imports another.

import { perr } from '../lib/9p/error.js';
import { EBADF, EINVAL, EISDIR, ENAMETOOLONG, ESPIPE } from '../lib/9p/errno.js';
import { OEXEC, OMASK, ORCLOSE, ORDWR, OREAD, OTRUNC } from '../lib/9p/const.js';
import { encodeStat } from '../lib/9p/codec.js';
import type { OpenMode } from '../devs/types.js';
import type { Fid } from './fid.js';
import { toStat } from './stat.js';
import type { Conn } from './types.js';

/** The longest file name, in bytes (Linux NAME_MAX; Rstatfs namelen reports it). */
export const MAXNAME = 255;

/** Control characters (C0 and DEL): a name or user holding one would forge lines in every
 *  listing that prints it (status files, /proc, stat owners, the kernel log). */
const CONTROL = /[\x00-\x1f\x7f]/;

export function hasControl(s: string): boolean {
  return CONTROL.test(s);
}

/** Names may not be empty, contain "/" (QEMU CVE-2016-7116) or a control character; ".."
 *  walks to the parent and "." stays put (diodls -l walks every entry Treaddir gave it,
 *  "." included); neither can be created. */
export function checkName(name: string, walking: boolean): void {
  if (name === '' || name.includes('/') || CONTROL.test(name) || (!walking && (name === '.' || name === '..'))) {
    throw perr(EINVAL, `bad file name ${JSON.stringify(name.slice(0, 40))}`);
  }
  if (Buffer.byteLength(name) > MAXNAME) throw perr(ENAMETOOLONG, name.slice(0, 40));
}

export function readable(f: Fid): boolean {
  return f.open && (f.omode === OREAD || f.omode === ORDWR || f.omode === OEXEC);
}

/** Shared by Topen and Tlopen: open the fid's chan, honouring OTRUNC and ORCLOSE. */
export async function openFid(f: Fid, mode: OpenMode): Promise<void> {
  if (f.open) throw perr(EBADF, 'fid already open');
  const acc = mode & OMASK;
  if (f.isDir() && (acc !== OREAD && acc !== OEXEC || (mode & OTRUNC) !== 0)) throw perr(EISDIR);
  const file = await f.chan.open(f.caller, mode);
  // Set before anything else can throw: the fid's last release closes it.
  f.file = file;
  f.open = true;
  f.omode = acc;
  f.orclose = (mode & ORCLOSE) !== 0;
  f.dir = undefined;
  if ((mode & OTRUNC) !== 0 && !f.isDir()) file.truncate?.();
}

/** Shared by Tcreate, Tlcreate and Tmkdir: the fid turns from the directory into the new file. */
export async function createIn(f: Fid, name: string, perm: number, mode: OpenMode): Promise<void> {
  if (f.open) throw perr(EBADF, 'fid already open');
  checkName(name, false);
  if (!f.isDir()) throw perr(EINVAL, 'create in a non-directory');
  const { chan, file } = await f.chan.create(f.caller, name, perm, mode);
  f.chan = chan;
  f.file = file;
  f.open = true;
  f.omode = mode & OMASK;
  f.orclose = (mode & ORCLOSE) !== 0;
}

/** Twstat, Tsetattr and Trename all end here. Truncation goes to the open file when there
 *  is one (Linux truncates through its open fid). */
export async function applyChange(f: Fid, change: { name?: string; mode?: number; length?: bigint }): Promise<void> {
  if (change.length === 0n && f.file?.truncate) {
    f.file.truncate();
    delete change.length;
  }
  if (change.name !== undefined || change.mode !== undefined || change.length !== undefined) {
    await f.chan.wstat(f.caller, change);
  }
}

/**
 * A 9P2000/.u directory read: whole stat entries only; offset 0 re-reads the directory,
 * any other offset must continue exactly where the previous read stopped.
 */
export async function dirRead(c: Conn, f: Fid, offset: bigint, count: number): Promise<Buffer> {
  let d = f.dir;
  if (offset === 0n || !d?.stats) {
    if (offset !== 0n) throw perr(ESPIPE, 'bad offset in directory read');
    const stats = (await f.chan.readdir(f.caller)).map((e) => encodeStat(toStat(e, c.dialect, c.config.users), c.dialect));
    d = f.dir = { stats, nextIndex: 0, nextOffset: 0n };
  } else if (offset !== d.nextOffset) {
    throw perr(ESPIPE, 'bad offset in directory read');
  }
  const stats = d.stats!;
  const out: Buffer[] = [];
  let n = 0;
  let i = d.nextIndex;
  for (; i < stats.length; i++) {
    const e = stats[i];
    if (n + e.length > count) break;
    out.push(e);
    n += e.length;
  }
  d.nextIndex = i;
  d.nextOffset = offset + BigInt(n);
  return Buffer.concat(out, n);
}
