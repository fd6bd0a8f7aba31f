// SPDX-License-Identifier: GPL-2.0-or-later
//
// The request table: message type -> handler, per dialect. Handlers either return a reply
// body or throw P9Error; conn.respond() is the only place replies are written. The ops all
// dialects share live here; ops9p.ts and opsl.ts hold the dialect-specific ones.

import { P9Error, perr } from '../lib/9p/error.js';
import { EBUSY, EINVAL, ENAMETOOLONG, ENOENT, EOPNOTSUPP, EPERM, EBADF, EISDIR, ENOSYS } from '../lib/9p/errno.js';
import { IOHDRSZ, MAXWELEM, NOFID, OREAD, ORDWR, OEXEC, OWRITE } from '../lib/9p/const.js';
import * as F from '../lib/9p/fcall.js';
import type { Dialect, Qid } from '../lib/9p/fcall.js';
import type { Chan } from '../ns/types.js';
import type { Connection, Reply, Req } from './conn.js';
import { Fid } from './fid.js';
import { isContinuation } from './continuation.js';
import * as P from './ops9p.js';
import * as L from './opsl.js';

export type Handler = (c: Connection, m: any, r: Req) => Reply | Promise<Reply>;

const common: Record<number, Handler> = {
  [F.Tauth]: auth,
  [F.Tattach]: attach,
  [F.Twalk]: walk,
  [F.Tread]: read,
  [F.Twrite]: write,
  [F.Tclunk]: clunk,
  [F.Tremove]: remove,
};

const classic: Record<number, Handler> = {
  ...common,
  [F.Topen]: P.open,
  [F.Tcreate]: P.create,
  [F.Tstat]: P.stat,
  [F.Twstat]: P.wstat,
};

const unsupported: Handler = () => { throw perr(EOPNOTSUPP); };

// Topen/Tcreate/Tstat/Twstat do not exist in .L: the codec refuses them before dispatch.
const dotl: Record<number, Handler> = {
  ...common,
  [F.Tstatfs]: L.statfs,
  [F.Tlopen]: L.lopen,
  [F.Tlcreate]: L.lcreate,
  [F.Tmkdir]: L.mkdir,
  [F.Tgetattr]: L.getattr,
  [F.Tsetattr]: L.setattr,
  [F.Treaddir]: L.readdir,
  [F.Tfsync]: L.fsync,
  [F.Tlock]: L.lock,
  [F.Tgetlock]: L.getlock,
  [F.Trename]: L.rename,
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

export function handlerFor(type: number, dialect: Dialect): Handler {
  const table = dialect === '9P2000.L' ? dotl : classic;
  return table[type] ?? (dialect === '9P2000.L' ? unsupported : () => { throw perr(ENOSYS); });
}

/** True when `type` is a request this dialect defines (a decode error on it is a bad body). */
export function knownType(type: number, dialect: Dialect): boolean {
  return type === F.Tversion || type === F.Tflush || (dialect === '9P2000.L' ? dotl : classic)[type] !== undefined;
}

function auth(c: Connection): Reply {
  // diod's tools go on to attach only on ENOENT (reference/9p.md §0.5); plan9port on any Rerror.
  if (c.dialect === '9P2000.L') throw perr(ENOENT);
  throw new P9Error(ENOENT, undefined, 'authentication not required');
}

function attach(c: Connection, m: F.TattachMsg): Reply {
  if (m.afid !== NOFID) throw perr(EPERM, 'authentication not required: attach with afid NOFID');
  if (c.fids.has(m.fid)) throw perr(EBADF, `fid ${m.fid} already in use`);
  const user = c.core.users.resolve(m.uname, c.dialect === '9P2000' ? undefined : m.nUname);
  const ns = c.core.ns.fork();
  const session = c.newSession(user, ns);
  const caller = c.caller(session);
  const root = ns.root(caller, m.aname);
  c.addFid(new Fid(m.fid, root, caller));
  return { type: F.Rattach, qid: root.qid };
}

/** Names may not be empty or contain "/" (QEMU CVE-2016-7116); ".." walks to the parent and
 *  "." stays put (diodls -l walks every entry Treaddir gave it, "." included); neither can be
 *  created. */
export function checkName(name: string, walking: boolean): void {
  if (name === '' || name.includes('/') || (!walking && (name === '.' || name === '..'))) {
    throw perr(EINVAL, `bad file name "${name}"`);
  }
  if (Buffer.byteLength(name) > 255) throw perr(ENAMETOOLONG, name.slice(0, 40));
}

function walk(c: Connection, m: F.TwalkMsg, r: Req): Reply {
  const f = c.useFid(m.fid, r);
  if (m.wnames.length > MAXWELEM) throw perr(EINVAL, `walk of ${m.wnames.length} names > ${MAXWELEM}`);
  if (m.newfid !== m.fid && c.fids.has(m.newfid)) throw perr(EBADF, `fid ${m.newfid} already in use`);
  if (m.newfid === m.fid && f.open && m.wnames.length > 0) throw perr(EBUSY, 'walk of an open fid onto itself');
  let chan: Chan = f.chan;
  const qids: Qid[] = [];
  for (let i = 0; i < m.wnames.length; i++) {
    try {
      checkName(m.wnames[i], true);
      if (m.wnames[i] !== '.') chan = chan.walk(f.caller, m.wnames[i]);
    } catch (e) {
      if (i === 0) throw e;
      return { type: F.Rwalk, qids };
    }
    qids.push(chan.qid);
  }
  if (m.newfid === m.fid) f.chan = chan;
  else c.addFid(new Fid(m.newfid, chan, f.caller));
  return { type: F.Rwalk, qids };
}

export function readable(f: Fid): boolean {
  return f.open && (f.omode === OREAD || f.omode === ORDWR || f.omode === OEXEC);
}

async function read(c: Connection, m: F.TreadMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  if (!readable(f)) throw perr(EBADF, 'fid not open for reading');
  const count = Math.min(m.count, c.msize - IOHDRSZ);
  if (f.isDir()) {
    if (c.dialect === '9P2000.L') throw perr(EISDIR, 'use Treaddir');
    return { type: F.Rread, data: P.dirRead(c, f, m.offset, count) };
  }
  const noblock = c.linux && !f.nonblock && isContinuation(f.lastRead, m.offset, count, c.msize);
  let data = await f.file!.read({ offset: m.offset, count, signal: r.ac.signal, noblock });
  if (data.length > count) data = data.subarray(0, count);
  f.lastRead = { offset: m.offset, count, returned: data.length };
  return { type: F.Rread, data };
}

async function write(c: Connection, m: F.TwriteMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  if (!f.open || (f.omode !== OWRITE && f.omode !== ORDWR)) throw perr(EBADF, 'fid not open for writing');
  if (f.isDir()) throw perr(EISDIR);
  // A zero-length write carries no command; 9p write sends one for empty input.
  if (m.data.length === 0) return { type: F.Rwrite, count: 0 };
  const n = await f.file!.write(m.offset, m.data);
  return { type: F.Rwrite, count: n };
}

function clunk(c: Connection, m: F.TclunkMsg): Reply {
  c.dropFid(m.fid);
  return { type: F.Rclunk };
}

async function remove(c: Connection, m: F.TremoveMsg, r: Req): Promise<Reply> {
  const f = c.useFid(m.fid, r);
  f.orclose = false;
  c.dropFid(m.fid);
  await f.chan.remove(f.caller);
  return { type: F.Rremove };
}
