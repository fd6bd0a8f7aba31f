// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P2000 / 9P2000.u handlers: open, create, stat, wstat (directory reads in whole
// stat entries are fidops.ts's dirRead). The truncation rules matter most: Linux .u sends
// Topen OTRUNC and then a Twstat of length 0 + mtime; 9pfuse an all-"don't touch" Twstat
// except length 0; fsync an all-"don't touch" Twstat. All of these must succeed on
// synthetic files.

import { perr } from '../lib/9p/error.js';
import { EINVAL, EPERM } from '../lib/9p/errno.js';
import { DMDIR, DONTTOUCH16, DONTTOUCH32, DONTTOUCH64, DONTTOUCH8 } from '../lib/9p/const.js';
import * as F from '../lib/9p/fcall.js';
import { applyChange, checkName, createIn, openFid } from './fidops.js';
import { toStat } from './stat.js';
import type { Handler, HandlerTable } from './types.js';

const open: Handler<typeof F.Topen> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  await openFid(f, m.mode);
  return { type: F.Ropen, qid: f.chan.qid, iounit: 0 };
};

const create: Handler<typeof F.Tcreate> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  await createIn(f, m.name, m.perm, m.mode);
  return { type: F.Rcreate, qid: f.chan.qid, iounit: 0 };
};

const stat: Handler<typeof F.Tstat> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  return { type: F.Rstat, stat: toStat(await f.chan.stat(f.caller), c.dialect, c.config.users) };
};

const wstat: Handler<typeof F.Twstat> = async (c, m, r) => {
  const f = c.useFid(m.fid, r);
  const s = m.stat;
  const cur = await f.chan.stat(f.caller);
  // Fields a wstat may not change; "don't touch" values and the current value are both fine.
  const fixed = (s.type === DONTTOUCH16 || s.type === 0) && (s.dev === DONTTOUCH32 || s.dev === 0)
    && (s.qid.type === DONTTOUCH8 || s.qid.type === cur.qid.type)
    && (s.qid.version === DONTTOUCH32 || s.qid.version === cur.qid.version)
    && (s.qid.path === DONTTOUCH64 || s.qid.path === cur.qid.path)
    && (s.uid === '' || s.uid === cur.uid) && (s.gid === '' || s.gid === cur.gid)
    && (s.muid === '' || s.muid === cur.muid);
  if (!fixed) throw perr(EPERM, 'wstat may change only name, length, mode and mtime');
  const change: { name?: string; mode?: number; length?: bigint } = {};
  if (s.name !== '' && s.name !== cur.name) {
    checkName(s.name, false);
    change.name = s.name;
  }
  if (s.mode !== DONTTOUCH32 && (s.mode >>> 0) !== (cur.mode >>> 0)) {
    if (((s.mode ^ cur.mode) & DMDIR) !== 0) throw perr(EPERM, 'cannot change DMDIR');
    change.mode = s.mode >>> 0;
  }
  if (s.length !== DONTTOUCH64 && s.length !== cur.length) {
    if (s.length !== 0n) throw perr(EINVAL, `length ${s.length}: synthetic files truncate only to 0`);
    change.length = 0n;
  } else if (s.length === 0n && !f.isDir()) {
    change.length = 0n;
  }
  await applyChange(f, change);
  return { type: F.Rwstat };
};

/** The handlers only 9P2000 and 9P2000.u have (the codec refuses these types in .L). */
export const classic: HandlerTable = {
  [F.Topen]: open,
  [F.Tcreate]: create,
  [F.Tstat]: stat,
  [F.Twstat]: wstat,
};
