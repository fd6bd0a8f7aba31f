// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P2000.L operations. Linux .L never sends Topen/Tstat/Twstat and never reads a
// directory with Tread: it opens with Tlopen, stats with Tgetattr (st_mode must carry
// S_IFMT), truncates with Tsetattr(SIZE, 0) on the open fid, and lists with Treaddir,
// whose offsets are cookies that resume after the entry that carried them.

import { perr } from '../lib/9p/error.js';
import { EBADF, EINVAL, EPERM } from '../lib/9p/errno.js';
import {
  DMDIR, OREAD, OTRUNC, P9_DOTL_NONBLOCK, P9_DOTL_TRUNC, P9_SETATTR_GID, P9_SETATTR_MODE,
  P9_SETATTR_SIZE, P9_SETATTR_UID,
} from '../lib/9p/const.js';
import { encodeDirent } from '../lib/9p/codec.js';
import * as F from '../lib/9p/fcall.js';
import type { Connection, Reply, Req } from './conn.js';
import { applyChange, createIn, openFid } from './ops9p.js';
import { readable } from './ops.js';
import { direntType, toAttr } from './stat.js';

const V9FS_MAGIC = 0x01021997;

/** Linux open flags to a 9P open mode: the access bits, and O_TRUNC should a client send it. */
function omode(flags: number): number {
  let mode = flags & 3;
  if (mode === 3) mode = OREAD;
  if ((flags & P9_DOTL_TRUNC) !== 0) mode |= OTRUNC;
  return mode;
}

export async function lopen(c: Connection, m: F.TlopenMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  await openFid(f, omode(m.flags));
  f.nonblock = (m.flags & P9_DOTL_NONBLOCK) !== 0;
  return { type: F.Rlopen, qid: f.chan.qid, iounit: 0 };
}

export async function lcreate(c: Connection, m: F.TlcreateMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  await createIn(f, m.name, m.mode & 0o777, omode(m.flags));
  return { type: F.Rlcreate, qid: f.chan.qid, iounit: 0 };
}

export async function mkdir(c: Connection, m: F.TmkdirMsg, r: Req): Promise<Reply> {
  const d = c.useFid(m.dfid, r);
  if (!d.isDir()) throw perr(EINVAL, 'mkdir in a non-directory');
  const { chan, file } = await d.chan.create(d.caller, m.name, DMDIR | (m.mode & 0o777), OREAD);
  file.close?.();
  return { type: F.Rmkdir, qid: chan.qid };
}

export function getattr(c: Connection, m: F.TgetattrMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  return { type: F.Rgetattr, attr: toAttr(f.chan.info(), c.core.users) };
}

export function setattr(c: Connection, m: F.TsetattrMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  const a = m.attr;
  const cur = f.chan.info();
  const users = c.core.users;
  if ((a.valid & P9_SETATTR_UID) !== 0 && a.uid !== users.uidOf(cur.uid)) throw perr(EPERM, 'chown');
  if ((a.valid & P9_SETATTR_GID) !== 0 && a.gid !== users.uidOf(cur.gid)) throw perr(EPERM, 'chgrp');
  const change: { mode?: number; length?: bigint } = {};
  if ((a.valid & P9_SETATTR_SIZE) !== 0) {
    if (a.size !== 0n) throw perr(EINVAL, `size ${a.size}: synthetic files truncate only to 0`);
    if (!f.isDir()) change.length = 0n;
  }
  if ((a.valid & P9_SETATTR_MODE) !== 0 && (a.mode & 0o777) !== (cur.mode & 0o777)) {
    change.mode = (cur.mode & ~0o777) | (a.mode & 0o777);
  }
  // Time bits are accepted and ignored: synthetic files keep their own times.
  applyChange(f, change);
  return { type: F.Rsetattr };
}

/** Treaddir with ".", ".." and cookies = index of the next entry; cookie 0 re-reads. */
export function readdir(c: Connection, m: F.TreaddirMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  if (!readable(f) || !f.isDir()) throw perr(EBADF, 'Treaddir needs a directory open for reading');
  if (m.offset === 0n || !f.direntSnapshot) {
    const self = f.chan.info();
    const parent = f.chan.walk(f.caller, '..').info();
    f.direntSnapshot = [
      { info: self, name: '.' },
      { info: parent, name: '..' },
      ...f.chan.readdir(f.caller).map((info) => ({ info, name: info.name })),
    ];
  }
  const count = Math.min(m.count, c.msize - 24);
  const out: Buffer[] = [];
  let n = 0;
  const snap = f.direntSnapshot;
  // A cookie never handed out (past the end, or absurd) simply reads as the end.
  for (let i = m.offset < BigInt(snap.length) ? Number(m.offset) : snap.length; i < snap.length; i++) {
    const e = snap[i];
    const b = encodeDirent({ qid: e.info.qid, offset: BigInt(i + 1), type: direntType(e.info), name: e.name });
    if (n + b.length > count) break;
    out.push(b);
    n += b.length;
  }
  return { type: F.Rreaddir, data: Buffer.concat(out, n) };
}

export function statfs(c: Connection, m: F.TstatfsMsg, r: Req): Reply {
  c.useFid(m.fid, r);
  return {
    type: F.Rstatfs,
    statfs: { type: V9FS_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, fsid: 0n, namelen: 255 },
  };
}

export function fsync(c: Connection, m: F.TfsyncMsg, r: Req): Reply {
  c.useFid(m.fid, r);
  return { type: F.Rfsync };
}

/** No locking: every lock succeeds locally, as a server without locks may answer. */
export function lock(c: Connection, m: F.TlockMsg, r: Req): Reply {
  c.useFid(m.fid, r);
  return { type: F.Rlock, status: 0 };
}

export function getlock(c: Connection, m: F.TgetlockMsg, r: Req): Reply {
  c.useFid(m.fid, r);
  return { type: F.Rgetlock, lockType: 2, start: m.start, length: m.length, procId: m.procId, clientId: m.clientId };
}

export function rename(c: Connection, m: F.TrenameMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  c.useFid(m.dfid, r);
  applyChange(f, { name: m.name });
  return { type: F.Rrename };
}
