// SPDX-License-Identifier: GPL-2.0-or-later
//
// The handlers every dialect shares: auth, attach, walk, read, write, clunk, remove.
// A handler returns its reply body or throws P9Error; the connection writes the reply.
// ops9p.ts and opsl.ts hold the dialect-specific tables; dispatch.ts puts them together.

import { P9Error, perr } from '../lib/9p/error.js';
import { EAGAIN, EBADF, EBUSY, EINVAL, EIO, EISDIR, ENOENT, EPERM } from '../lib/9p/errno.js';
import { IOHDRSZ, MAXWELEM, ORDWR, OWRITE } from '../lib/9p/const.js';
import * as F from '../lib/9p/fcall.js';
import type { Qid } from '../lib/9p/fcall.js';
import type { Chan } from '../ns/types.js';
import type { ReadRequest } from '../devs/types.js';
import { Fid } from './fid.js';
import { isContinuation } from './continuation.js';
import { checkName, dirRead, readable } from './fidops.js';
import { attachUser, authFid, checkIdentity, writeAuth } from './auth.js';
import type { Claim, Handler, HandlerTable, ReplyTo, Req } from './types.js';

const claimOf = (c: { dialect: F.Dialect }, m: { uname: string; nUname?: number }): Claim =>
  ({ uname: m.uname, ...(c.dialect === '9P2000' ? {} : { nUname: m.nUname }) });

const auth: Handler<typeof F.Tauth> = (c, m) => {
  checkIdentity(m.uname, m.aname);
  try {
    return { type: F.Rauth, aqid: authFid(c, m.afid, claimOf(c, m)) };
  } catch (e) {
    // diod's tools go on to attach only on ENOENT (reference/9p.md §0.5); plan9port on any Rerror.
    if (e instanceof P9Error && e.errno === ENOENT && c.dialect !== '9P2000.L') {
      throw new P9Error(ENOENT, undefined, 'authentication not required');
    }
    throw e;
  }
};

const attach: Handler<typeof F.Tattach> = async (c, m) => {
  checkIdentity(m.uname, m.aname);
  if (c.hasFid(m.fid)) throw perr(EBADF, `fid ${m.fid} already in use`);
  const user = await attachUser(c, claimOf(c, m), m.afid);
  // A MUNGE decode waited: the fid may have been taken meanwhile.
  if (c.hasFid(m.fid)) throw perr(EBADF, `fid ${m.fid} already in use`);
  const ns = c.config.ns.fork();
  const session = c.newSession(user, ns);
  const caller = c.caller(session);
  const root = ns.root(caller, m.aname);
  c.addFid(new Fid(m.fid, root, caller));
  return { type: F.Rattach, qid: root.qid };
};

const walk: Handler<typeof F.Twalk> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  if (m.wnames.length > MAXWELEM) throw perr(EINVAL, `walk of ${m.wnames.length} names > ${MAXWELEM}`);
  if (m.newfid !== m.fid && c.hasFid(m.newfid)) throw perr(EBADF, `fid ${m.newfid} already in use`);
  if (m.newfid === m.fid && f.open && m.wnames.length > 0) throw perr(EBUSY, 'walk of an open fid onto itself');
  let chan: Chan = f.chan;
  const qids: Qid[] = [];
  for (let i = 0; i < m.wnames.length; i++) {
    try {
      checkName(m.wnames[i], true);
      // A walk into a remote mount answers later; local walks do not wait.
      if (m.wnames[i] !== '.') {
        const next = chan.walk(f.caller, m.wnames[i]);
        chan = next instanceof Promise ? await next : next as Chan;
      }
    } catch (e) {
      if (i === 0) throw e;
      return { type: F.Rwalk, qids };
    }
    qids.push(chan.qid);
  }
  if (m.newfid === m.fid) f.chan = chan;
  else if (c.hasFid(m.newfid)) throw perr(EBADF, `fid ${m.newfid} already in use`); // taken while a remote walk waited
  else c.addFid(new Fid(m.newfid, chan, f.caller));
  return { type: F.Rwalk, qids };
};

const read: Handler<typeof F.Tread> = (c, m, r) => {
  // diod's answer: a client never reads an afid.
  if (c.authFid(m.fid)) throw perr(EIO, 'an auth fid is write-only');
  const f = c.useFid(m.fid, r);
  if (!readable(f)) throw perr(EBADF, 'fid not open for reading');
  if (f.isDir()) {
    if (c.dialect === '9P2000.L') throw perr(EISDIR, 'use Treaddir');
    return dirRead(c, f, m.offset, c.readCount(r, m.count)).then((data) => ({ type: F.Rread, data }));
  }
  // The continuation rule looks at what the client asked; the file may be asked for less
  // when the connection's byte budget is spent (conn.ts).
  const asked = Math.min(m.count, c.msize - IOHDRSZ);
  const count = c.readCount(r, m.count);
  const noblock = c.linux && !f.nonblock && isContinuation(f.lastRead, m.offset, asked, c.msize);
  const got = f.file!.read(new ReadArgs(m.offset, count, noblock, r));
  // A file with data answers at once: no promise, no AbortSignal.
  if (Buffer.isBuffer(got)) return readDone(f, m.offset, asked, count, got);
  // Only a read that has to wait returns a promise: it parks.
  if (!c.park(r)) {
    r.abort();
    got.catch(() => { /* the abort's EINTR: this read is answered EAGAIN instead */ });
    throw perr(EAGAIN, `more than ${c.config.maxParked} reads blocked on one connection`);
  }
  return got.then((data) => readDone(f, m.offset, asked, count, data));
};

/** A Tread as a device sees it. The signal is the request's, made only if the file asks
 *  for it (a read that may block): most reads never do, and an AbortSignal is costly
 *  to make and, worse, survives young-generation collections (bench/README.md). */
class ReadArgs implements ReadRequest {
  constructor(readonly offset: bigint, readonly count: number, readonly noblock: boolean, private readonly req: Req) {}
  get signal(): AbortSignal { return this.req.signal(); }
}

function readDone(f: Fid, offset: bigint, asked: number, count: number, data: Buffer): ReplyTo<typeof F.Tread> {
  if (data.length > count) data = data.subarray(0, count);
  const last = f.lastRead;
  if (last) { last.offset = offset; last.count = asked; last.returned = data.length; }
  else f.lastRead = { offset, count: asked, returned: data.length };
  return { type: F.Rread, data };
}

const write: Handler<typeof F.Twrite> = (c, m, r) => {
  const a = c.authFid(m.fid);
  if (a) return { type: F.Rwrite, count: writeAuth(a, m.offset, m.data) };
  const f = c.useFid(m.fid, r);
  if (!f.open || (f.omode !== OWRITE && f.omode !== ORDWR)) throw perr(EBADF, 'fid not open for writing');
  if (f.isDir()) throw perr(EISDIR);
  // A zero-length write carries no command; 9p write sends one for empty input.
  if (m.data.length === 0) return { type: F.Rwrite, count: 0 };
  const n = f.file!.write(m.offset, m.data);
  if (typeof n === 'number') return { type: F.Rwrite, count: n };
  return n.then((count) => ({ type: F.Rwrite, count }));
};

const clunk: Handler<typeof F.Tclunk> = (c, m) => {
  c.dropFid(m.fid);
  return { type: F.Rclunk };
};

const remove: Handler<typeof F.Tremove> = async (c, m, r) => {
  if (c.authFid(m.fid)) {
    c.dropFid(m.fid);
    throw perr(EPERM, 'an auth fid cannot be removed');
  }
  const f = c.useFid(m.fid, r);
  f.orclose = false;
  c.dropFid(m.fid);
  await f.chan.remove(f.caller);
  return { type: F.Rremove };
};

export const common: HandlerTable = {
  [F.Tauth]: auth,
  [F.Tattach]: attach,
  [F.Twalk]: walk,
  [F.Tread]: read,
  [F.Twrite]: write,
  [F.Tclunk]: clunk,
  [F.Tremove]: remove,
};
