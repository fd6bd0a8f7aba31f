// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P2000 / 9P2000.u operations: open, create, stat, wstat and directory reads in
// whole stat entries. The truncation rules matter most: Linux .u sends Topen OTRUNC and
// then a Twstat of length 0 + mtime; 9pfuse an all-"don't touch" Twstat except length 0;
// fsync an all-"don't touch" Twstat. All of these must succeed on synthetic files.

import { perr } from '../lib/9p/error.js';
import { EBADF, EINVAL, EISDIR, EPERM, ESPIPE } from '../lib/9p/errno.js';
import { DMDIR, OEXEC, OREAD, ORCLOSE, OTRUNC } from '../lib/9p/const.js';
import { encodeStat } from '../lib/9p/codec.js';
import * as F from '../lib/9p/fcall.js';
import type { OpenMode } from '../devs/types.js';
import type { Connection, Reply, Req } from './conn.js';
import type { Fid } from './fid.js';
import { checkName } from './ops.js';
import { toStat } from './stat.js';

const NO16 = 0xffff;
const NO32 = 0xffffffff;
const NO64 = 0xffffffffffffffffn;

/** Shared by Topen and Tlopen: open the fid's chan, honouring OTRUNC and ORCLOSE. */
export async function openFid(f: Fid, mode: OpenMode): Promise<void> {
  if (f.open) throw perr(EBADF, 'fid already open');
  const acc = mode & 3;
  if (f.isDir() && (acc !== OREAD && acc !== OEXEC || (mode & OTRUNC) !== 0)) throw perr(EISDIR);
  const file = await f.chan.open(f.caller, mode);
  // Set before anything else can throw: the fid's last release closes it.
  f.file = file;
  f.open = true;
  f.omode = acc;
  f.orclose = (mode & ORCLOSE) !== 0;
  f.dirSnapshot = undefined;
  if ((mode & OTRUNC) !== 0 && !f.isDir()) file.truncate?.();
}

export async function open(c: Connection, m: F.TopenMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  await openFid(f, m.mode);
  return { type: F.Ropen, qid: f.chan.qid, iounit: 0 };
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
  f.omode = mode & 3;
  f.orclose = (mode & ORCLOSE) !== 0;
}

export async function create(c: Connection, m: F.TcreateMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  await createIn(f, m.name, m.perm, m.mode);
  return { type: F.Rcreate, qid: f.chan.qid, iounit: 0 };
}

export function stat(c: Connection, m: F.TstatMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  return { type: F.Rstat, stat: toStat(f.chan.info(), c.dialect!, c.core.users) };
}

export function wstat(c: Connection, m: F.TwstatMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  const s = m.stat;
  const cur = f.chan.info();
  // Fields a wstat may not change; "don't touch" values and the current value are both fine.
  const fixed = (s.type === NO16 || s.type === 0) && (s.dev === NO32 || s.dev === 0)
    && (s.qid.type === 0xff || s.qid.type === cur.qid.type)
    && (s.qid.version === NO32 || s.qid.version === cur.qid.version)
    && (s.qid.path === NO64 || s.qid.path === cur.qid.path)
    && (s.uid === '' || s.uid === cur.uid) && (s.gid === '' || s.gid === cur.gid)
    && (s.muid === '' || s.muid === cur.muid);
  if (!fixed) throw perr(EPERM, 'wstat may change only name, length, mode and mtime');
  const change: { name?: string; mode?: number; length?: bigint } = {};
  if (s.name !== '' && s.name !== cur.name) {
    checkName(s.name, false);
    change.name = s.name;
  }
  if (s.mode !== NO32 && (s.mode >>> 0) !== (cur.mode >>> 0)) {
    if (((s.mode ^ cur.mode) & DMDIR) !== 0) throw perr(EPERM, 'cannot change DMDIR');
    change.mode = s.mode >>> 0;
  }
  if (s.length !== NO64 && s.length !== cur.length) {
    if (s.length !== 0n) throw perr(EINVAL, `length ${s.length}: synthetic files truncate only to 0`);
    change.length = 0n;
  } else if (s.length === 0n && !f.isDir()) {
    change.length = 0n;
  }
  applyChange(f, change);
  return { type: F.Rwstat };
}

/** Truncation goes to the open file when there is one (Linux truncates through its open fid). */
export function applyChange(f: Fid, change: { name?: string; mode?: number; length?: bigint }): void {
  if (change.length === 0n && f.file?.truncate) {
    f.file.truncate();
    delete change.length;
  }
  if (change.name !== undefined || change.mode !== undefined || change.length !== undefined) {
    f.chan.wstat(f.caller, change);
  }
}

/**
 * A 9P2000/.u directory read: whole stat entries only; offset 0 re-reads the directory,
 * any other offset must continue exactly where the previous read stopped.
 */
export function dirRead(c: Connection, f: Fid, offset: bigint, count: number): Buffer {
  if (offset === 0n || !f.dirSnapshot) {
    if (offset !== 0n) throw perr(ESPIPE, 'bad offset in directory read');
    f.dirSnapshot = f.chan.readdir(f.caller).map((d) => encodeStat(toStat(d, c.dialect!, c.core.users), c.dialect!));
    f.dirNextIndex = 0;
    f.dirNextOffset = 0n;
  } else if (offset !== f.dirNextOffset) {
    throw perr(ESPIPE, 'bad offset in directory read');
  }
  const out: Buffer[] = [];
  let n = 0;
  let i = f.dirNextIndex;
  for (; i < f.dirSnapshot.length; i++) {
    const e = f.dirSnapshot[i];
    if (n + e.length > count) break;
    out.push(e);
    n += e.length;
  }
  f.dirNextIndex = i;
  f.dirNextOffset = offset + BigInt(n);
  return Buffer.concat(out, n);
}
