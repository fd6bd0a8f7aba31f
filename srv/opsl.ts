// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P2000.L handlers. Linux .L never sends Topen/Tstat/Twstat and never reads a
// directory with Tread: it opens with Tlopen, stats with Tgetattr (st_mode must carry
// S_IFMT), truncates with Tsetattr(SIZE, 0) on the open fid, and lists with Treaddir,
// whose offsets are cookies that resume after the entry that carried them.

import { perr } from '../lib/9p/error.js';
import { EBADF, EINVAL, EOPNOTSUPP, EPERM } from '../lib/9p/errno.js';
import {
  DMDIR, OREAD, OTRUNC, P9_DOTL_ACCMODE, P9_DOTL_NOACCESS, P9_DOTL_NONBLOCK, P9_DOTL_TRUNC,
  P9_LOCK_SUCCESS, P9_LOCK_TYPE_UNLCK, P9_SETATTR_GID, P9_SETATTR_MODE, P9_SETATTR_SIZE,
  P9_SETATTR_UID, READDIRHDRSZ, V9FS_MAGIC,
} from '../lib/9p/const.js';
import { encodeDirent } from '../lib/9p/codec.js';
import * as F from '../lib/9p/fcall.js';
import { applyChange, checkName, createIn, MAXNAME, openFid, readable } from './fidops.js';
import { direntType, toAttr } from './stat.js';
import type { Handler, HandlerTable } from './types.js';

/** Linux open flags to a 9P open mode: the access bits, and O_TRUNC should a client send it. */
function omode(flags: number): number {
  let mode = flags & P9_DOTL_ACCMODE;
  if (mode === P9_DOTL_NOACCESS) mode = OREAD;
  if ((flags & P9_DOTL_TRUNC) !== 0) mode |= OTRUNC;
  return mode;
}

const lopen: Handler<typeof F.Tlopen> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  await openFid(f, omode(m.flags));
  f.nonblock = (m.flags & P9_DOTL_NONBLOCK) !== 0;
  return { type: F.Rlopen, qid: f.chan.qid, iounit: 0 };
};

const lcreate: Handler<typeof F.Tlcreate> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  await createIn(f, m.name, m.mode & 0o777, omode(m.flags));
  return { type: F.Rlcreate, qid: f.chan.qid, iounit: 0 };
};

const mkdir: Handler<typeof F.Tmkdir> = async (c, m, r) => {
  const d = c.useFid(m.dfid, r);
  checkName(m.name, false);
  if (!d.isDir()) throw perr(EINVAL, 'mkdir in a non-directory');
  const { chan, file } = await d.chan.create(d.caller, m.name, DMDIR | (m.mode & 0o777), OREAD);
  file.close?.();
  return { type: F.Rmkdir, qid: chan.qid };
};

const getattr: Handler<typeof F.Tgetattr> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  return { type: F.Rgetattr, attr: toAttr(await f.chan.stat(f.caller), c.config.users) };
};

const setattr: Handler<typeof F.Tsetattr> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  const a = m.attr;
  const cur = await f.chan.stat(f.caller);
  const users = c.config.users;
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
  await applyChange(f, change);
  return { type: F.Rsetattr };
};

/** Treaddir with ".", ".." and cookies = index of the next entry; cookie 0 re-reads. */
const readdir: Handler<typeof F.Treaddir> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  if (!readable(f) || !f.isDir()) throw perr(EBADF, 'Treaddir needs a directory open for reading');
  if (m.offset === 0n || !f.dir?.dirents) {
    // A dirent carries only the qid and type of "." and "..": the stats known suffice.
    const self = f.chan.info();
    const parent = (await f.chan.walk(f.caller, '..')).info();
    const list = await f.chan.readdir(f.caller);
    f.dir ??= { nextIndex: 0, nextOffset: 0n };
    f.dir.dirents = [
      { info: self, name: '.' },
      { info: parent, name: '..' },
      ...list.map((info) => ({ info, name: info.name })),
    ];
  }
  const count = Math.min(c.readCount(r, m.count), c.msize - READDIRHDRSZ);
  const out: Buffer[] = [];
  let n = 0;
  const snap = f.dir.dirents;
  // A cookie never handed out (past the end, or absurd) simply reads as the end.
  for (let i = m.offset < BigInt(snap.length) ? Number(m.offset) : snap.length; i < snap.length; i++) {
    const e = snap[i];
    const b = encodeDirent({ qid: e.info.qid, offset: BigInt(i + 1), type: direntType(e.info), name: e.name });
    if (n + b.length > count) break;
    out.push(b);
    n += b.length;
  }
  return { type: F.Rreaddir, data: Buffer.concat(out, n) };
};

const statfs: Handler<typeof F.Tstatfs> = (c, m, r) => {
  c.useFid(m.fid, r);
  return {
    type: F.Rstatfs,
    statfs: { type: V9FS_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, fsid: 0n, namelen: MAXNAME },
  };
};

const fsync: Handler<typeof F.Tfsync> = (c, m, r) => {
  c.useFid(m.fid, r);
  return { type: F.Rfsync };
};

/** No locking: every lock succeeds locally, as a server without locks may answer. */
const lock: Handler<typeof F.Tlock> = (c, m, r) => {
  c.useFid(m.fid, r);
  return { type: F.Rlock, status: P9_LOCK_SUCCESS };
};

const getlock: Handler<typeof F.Tgetlock> = (c, m, r) => {
  c.useFid(m.fid, r);
  return { type: F.Rgetlock, lockType: P9_LOCK_TYPE_UNLCK, start: m.start, length: m.length, procId: m.procId, clientId: m.clientId };
};

const rename: Handler<typeof F.Trename> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  c.useFid(m.dfid, r);
  checkName(m.name, false);
  await applyChange(f, { name: m.name });
  return { type: F.Rrename };
};

/** Any .L request this server does not implement. */
export const unsupported = (): never => { throw perr(EOPNOTSUPP); };

/** The handlers only 9P2000.L has (the codec refuses Topen/Tcreate/Tstat/Twstat in .L). */
export const dotl: HandlerTable = {
  [F.Tstatfs]: statfs,
  [F.Tlopen]: lopen,
  [F.Tlcreate]: lcreate,
  [F.Tmkdir]: mkdir,
  [F.Tgetattr]: getattr,
  [F.Tsetattr]: setattr,
  [F.Treaddir]: readdir,
  [F.Tfsync]: fsync,
  [F.Tlock]: lock,
  [F.Tgetlock]: getlock,
  [F.Trename]: rename,
  [F.Treadlink]: () => { throw perr(EINVAL, 'not a symbolic link'); },
  // Linux falls back from these to Tremove/Trename only on EOPNOTSUPP (reference/9p.md §0.20).
  [F.Tunlinkat]: unsupported,
  [F.Trenameat]: unsupported,
  [F.Txattrwalk]: unsupported,
  [F.Txattrcreate]: unsupported,
  [F.Tsymlink]: unsupported,
  [F.Tmknod]: unsupported,
  [F.Tlink]: unsupported,
};
