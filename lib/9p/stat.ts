// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The structured bodies: stat(5) (9P2000 and .u), .L dirents, Rgetattr, Tsetattr, Rstatfs.
// 9P2000.L reuses the .u stat layout (Linux protocol.c does the same) although Linux .L
// never sends Tstat/Twstat.

import { Reader, Writer, DecodeError } from './buf.js';
import { DONTTOUCH16, DONTTOUCH32, DONTTOUCH64, DONTTOUCH8, NONUNAME } from './const.js';
import type { Attr, Dialect, Dirent, SetAttr, Stat, StatFs } from './fcall.js';

/** Writes size[2] + body. */
export function writeStat(w: Writer, s: Stat, dialect: Dialect): void {
  const at = w.skip(2);
  w.u16(s.type); w.u32(s.dev); w.qid(s.qid); w.u32(s.mode);
  w.u32(s.atime); w.u32(s.mtime); w.u64(s.length);
  w.str(s.name); w.str(s.uid); w.str(s.gid); w.str(s.muid);
  if (dialect !== '9P2000') {
    w.str(s.extension ?? '');
    w.u32(s.nUid ?? NONUNAME); w.u32(s.nGid ?? NONUNAME); w.u32(s.nMuid ?? NONUNAME);
  }
  w.patch16(at, w.pos - at - 2);
}

/** Reads size[2] + body, checking that the body is exactly `size` bytes. */
export function readStat(r: Reader, dialect: Dialect): Stat {
  const n = r.u16('stat size');
  if (n > r.remaining()) throw new DecodeError(`stat size ${n} runs past the end (${r.remaining()} left)`);
  const sr = new Reader(r.buf, r.pos, r.pos + n);
  r.pos += n;
  const s: Stat = {
    type: sr.u16('stat type'), dev: sr.u32('stat dev'), qid: sr.qid(), mode: sr.u32('stat mode'),
    atime: sr.u32('stat atime'), mtime: sr.u32('stat mtime'), length: sr.u64('stat length'),
    name: sr.str('stat name'), uid: sr.str('stat uid'), gid: sr.str('stat gid'), muid: sr.str('stat muid'),
  };
  if (dialect !== '9P2000') {
    s.extension = sr.str('stat extension');
    s.nUid = sr.u32('stat n_uid'); s.nGid = sr.u32('stat n_gid'); s.nMuid = sr.u32('stat n_muid');
  }
  sr.done('stat');
  return s;
}

/** One stat as it appears in a directory read: size[2] + body (no outer n[2]). */
export function encodeStat(s: Stat, dialect: Dialect): Buffer {
  const w = new Writer(128 + s.name.length * 3);
  writeStat(w, s, dialect);
  return w.result();
}

/** The concatenated stats of a 9P2000/.u directory read. Throws DecodeError on bad data. */
export function decodeStats(data: Buffer, dialect: Dialect): Stat[] {
  const r = new Reader(data, 0, data.length);
  const out: Stat[] = [];
  while (r.remaining() > 0) out.push(readStat(r, dialect));
  return out;
}

export function writeDirent(w: Writer, d: Dirent): void {
  w.qid(d.qid); w.u64(d.offset); w.u8(d.type); w.str(d.name);
}

export function readDirent(r: Reader): Dirent {
  return { qid: r.qid(), offset: r.u64('dirent offset'), type: r.u8('dirent type'), name: r.str('dirent name') };
}

/** One Treaddir entry: qid[13] offset[8] type[1] name[s]. */
export function encodeDirent(d: Dirent): Buffer {
  const w = new Writer(26 + d.name.length * 3);
  writeDirent(w, d);
  return w.result();
}

/** The entries of an Rreaddir's data. Throws DecodeError on bad data. */
export function decodeDirents(data: Buffer): Dirent[] {
  const r = new Reader(data, 0, data.length);
  const out: Dirent[] = [];
  while (r.remaining() > 0) out.push(readDirent(r));
  return out;
}

export function writeAttr(w: Writer, a: Attr): void {
  w.u64(a.valid); w.qid(a.qid); w.u32(a.mode); w.u32(a.uid); w.u32(a.gid);
  w.u64(a.nlink); w.u64(a.rdev); w.u64(a.size); w.u64(a.blksize); w.u64(a.blocks);
  w.u64(a.atimeSec); w.u64(a.atimeNsec); w.u64(a.mtimeSec); w.u64(a.mtimeNsec);
  w.u64(a.ctimeSec); w.u64(a.ctimeNsec); w.u64(a.btimeSec); w.u64(a.btimeNsec);
  w.u64(a.gen); w.u64(a.dataVersion);
}

export function readAttr(r: Reader): Attr {
  return {
    valid: r.u64(), qid: r.qid(), mode: r.u32(), uid: r.u32(), gid: r.u32(),
    nlink: r.u64(), rdev: r.u64(), size: r.u64(), blksize: r.u64(), blocks: r.u64(),
    atimeSec: r.u64(), atimeNsec: r.u64(), mtimeSec: r.u64(), mtimeNsec: r.u64(),
    ctimeSec: r.u64(), ctimeNsec: r.u64(), btimeSec: r.u64(), btimeNsec: r.u64(),
    gen: r.u64(), dataVersion: r.u64(),
  };
}

export function writeSetAttr(w: Writer, a: SetAttr): void {
  w.u32(a.valid); w.u32(a.mode); w.u32(a.uid); w.u32(a.gid); w.u64(a.size);
  w.u64(a.atimeSec); w.u64(a.atimeNsec); w.u64(a.mtimeSec); w.u64(a.mtimeNsec);
}

export function readSetAttr(r: Reader): SetAttr {
  return {
    valid: r.u32(), mode: r.u32(), uid: r.u32(), gid: r.u32(), size: r.u64(),
    atimeSec: r.u64(), atimeNsec: r.u64(), mtimeSec: r.u64(), mtimeNsec: r.u64(),
  };
}

export function writeStatFs(w: Writer, s: StatFs): void {
  w.u32(s.type); w.u32(s.bsize); w.u64(s.blocks); w.u64(s.bfree); w.u64(s.bavail);
  w.u64(s.files); w.u64(s.ffree); w.u64(s.fsid); w.u32(s.namelen);
}

export function readStatFs(r: Reader): StatFs {
  return {
    type: r.u32(), bsize: r.u32(), blocks: r.u64(), bfree: r.u64(), bavail: r.u64(),
    files: r.u64(), ffree: r.u64(), fsid: r.u64(), namelen: r.u32(),
  };
}

/** A stat whose every field means "don't touch" (stat(5) wstat). */
export function dontTouchStat(dialect: Dialect): Stat {
  const s: Stat = {
    type: DONTTOUCH16, dev: DONTTOUCH32, qid: { type: DONTTOUCH8, version: DONTTOUCH32, path: DONTTOUCH64 },
    mode: DONTTOUCH32, atime: DONTTOUCH32, mtime: DONTTOUCH32, length: DONTTOUCH64,
    name: '', uid: '', gid: '', muid: '',
  };
  if (dialect !== '9P2000') {
    s.extension = ''; s.nUid = NONUNAME; s.nGid = NONUNAME; s.nMuid = NONUNAME;
  }
  return s;
}
