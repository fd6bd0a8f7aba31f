// SPDX-License-Identifier: GPL-2.0-or-later
//
// DirInfo (what devices report) to the three dialects' stat shapes. The rules that break
// clients when missed: .L st_mode must carry S_IFMT bits and valid must cover BASIC;
// qid.type stays the top byte of mode; .u needs numeric owners or Linux shows 4294967295.

import type { Attr, Dialect, Stat } from '../lib/9p/fcall.js';
import type { DirInfo } from '../devs/types.js';
import { DMDIR, DT_DIR, DT_REG, P9_GETATTR_BASIC, S_IFDIR, S_IFREG } from '../lib/9p/const.js';
import type { UserDb } from './users.js';

export function toStat(d: DirInfo, dialect: Dialect, users: UserDb): Stat {
  const s: Stat = {
    type: 0, dev: 0, qid: d.qid, mode: d.mode >>> 0, atime: d.atime, mtime: d.mtime,
    length: d.length, name: d.name, uid: d.uid, gid: d.gid, muid: d.muid,
  };
  if (dialect === '9P2000.u') {
    s.extension = '';
    s.nUid = users.uidOf(d.uid);
    s.nGid = users.uidOf(d.gid);
    s.nMuid = users.uidOf(d.muid);
  }
  return s;
}

export function linuxMode(d: DirInfo): number {
  return ((d.mode & DMDIR) !== 0 ? S_IFDIR : S_IFREG) | (d.mode & 0o777);
}

export function direntType(d: DirInfo): number {
  return (d.mode & DMDIR) !== 0 ? DT_DIR : DT_REG;
}

export function toAttr(d: DirInfo, users: UserDb): Attr {
  const mt = BigInt(d.mtime);
  const at = BigInt(d.atime);
  const isDir = (d.mode & DMDIR) !== 0;
  return {
    valid: P9_GETATTR_BASIC,
    qid: d.qid,
    mode: linuxMode(d),
    uid: users.uidOf(d.uid),
    gid: users.uidOf(d.gid),
    nlink: isDir ? 2n : 1n,
    rdev: 0n,
    size: d.length,
    blksize: 4096n,
    blocks: (d.length + 511n) / 512n,
    atimeSec: at, atimeNsec: 0n,
    mtimeSec: mt, mtimeNsec: 0n,
    ctimeSec: mt, ctimeNsec: 0n,
    btimeSec: 0n, btimeNsec: 0n,
    gen: 0n, dataVersion: 0n,
  };
}
