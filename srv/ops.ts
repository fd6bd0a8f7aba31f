// SPDX-License-Identifier: GPL-2.0-or-later
//
// The handlers every dialect shares: auth, attach, walk, read, write, clunk, remove.
// A handler returns its reply body or throws P9Error; the connection writes the reply.
// ops9p.ts and opsl.ts hold the dialect-specific tables; dispatch.ts puts them together.

import { P9Error, perr } from '../lib/9p/error.js';
import { EBADF, EBUSY, EINVAL, EISDIR, ENOENT, EPERM } from '../lib/9p/errno.js';
import { IOHDRSZ, MAXWELEM, NOFID, ORDWR, OWRITE } from '../lib/9p/const.js';
import * as F from '../lib/9p/fcall.js';
import type { Qid } from '../lib/9p/fcall.js';
import type { Chan } from '../ns/types.js';
import { Fid } from './fid.js';
import { isContinuation } from './continuation.js';
import { checkName, dirRead, readable } from './fidops.js';
import type { Handler, HandlerTable } from './types.js';

const auth: Handler<typeof F.Tauth> = (c) => {
  // diod's tools go on to attach only on ENOENT (reference/9p.md §0.5); plan9port on any Rerror.
  if (c.dialect === '9P2000.L') throw perr(ENOENT);
  throw new P9Error(ENOENT, undefined, 'authentication not required');
};

const attach: Handler<typeof F.Tattach> = (c, m) => {
  if (m.afid !== NOFID) throw perr(EPERM, 'authentication not required: attach with afid NOFID');
  if (c.hasFid(m.fid)) throw perr(EBADF, `fid ${m.fid} already in use`);
  const user = c.config.users.resolve(m.uname, c.dialect === '9P2000' ? undefined : m.nUname);
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

const read: Handler<typeof F.Tread> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  if (!readable(f)) throw perr(EBADF, 'fid not open for reading');
  const count = Math.min(m.count, c.msize - IOHDRSZ);
  if (f.isDir()) {
    if (c.dialect === '9P2000.L') throw perr(EISDIR, 'use Treaddir');
    return { type: F.Rread, data: await dirRead(c, f, m.offset, count) };
  }
  const noblock = c.linux && !f.nonblock && isContinuation(f.lastRead, m.offset, count, c.msize);
  let data = await f.file!.read({ offset: m.offset, count, signal: r.ac.signal, noblock });
  if (data.length > count) data = data.subarray(0, count);
  f.lastRead = { offset: m.offset, count, returned: data.length };
  return { type: F.Rread, data };
};

const write: Handler<typeof F.Twrite> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  if (!f.open || (f.omode !== OWRITE && f.omode !== ORDWR)) throw perr(EBADF, 'fid not open for writing');
  if (f.isDir()) throw perr(EISDIR);
  // A zero-length write carries no command; 9p write sends one for empty input.
  if (m.data.length === 0) return { type: F.Rwrite, count: 0 };
  const n = await f.file!.write(m.offset, m.data);
  return { type: F.Rwrite, count: n };
};

const clunk: Handler<typeof F.Tclunk> = (c, m) => {
  c.dropFid(m.fid);
  return { type: F.Rclunk };
};

const remove: Handler<typeof F.Tremove> = async (c, m, r) => {
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
