// SPDX-License-Identifier: GPL-2.0-or-later
//
// fast-check arbitraries for every 9P message, per dialect. Fields that exist only in some
// dialects are present exactly when the decoder would produce them, so decode(encode(m))
// can be compared with deep equality.

import fc from 'fast-check';
import * as F from '../../lib/9p/fcall.js';
import type { Dialect, Fcall, Stat } from '../../lib/9p/fcall.js';

export const DIALECTS: Dialect[] = ['9P2000', '9P2000.u', '9P2000.L'];

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff, 0x80000000));
export const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  fc.constantFrom(0n, 2n ** 53n + 1n, 2n ** 63n, 0xffffffffffffffffn, 0xfffffffffffffffen),
);
export const str = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\0'));
export const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
export const qid = fc.record({ type: u8, version: u32, path: u64 });

export function stat(d: Dialect): fc.Arbitrary<Stat> {
  const base = {
    type: u16, dev: u32, qid, mode: u32, atime: u32, mtime: u32, length: u64,
    name: str, uid: str, gid: str, muid: str,
  };
  if (d === '9P2000') return fc.record(base);
  return fc.record({ ...base, extension: str, nUid: u32, nGid: u32, nMuid: u32 });
}

export const dirent = fc.record({ qid, offset: u64, type: u8, name: str });

const attr = fc.record({
  valid: u64, qid, mode: u32, uid: u32, gid: u32, nlink: u64, rdev: u64, size: u64, blksize: u64,
  blocks: u64, atimeSec: u64, atimeNsec: u64, mtimeSec: u64, mtimeNsec: u64, ctimeSec: u64,
  ctimeNsec: u64, btimeSec: u64, btimeNsec: u64, gen: u64, dataVersion: u64,
});
const setattr = fc.record({
  valid: u32, mode: u32, uid: u32, gid: u32, size: u64, atimeSec: u64, atimeNsec: u64, mtimeSec: u64, mtimeNsec: u64,
});
const statfs = fc.record({
  type: u32, bsize: u32, blocks: u64, bfree: u64, bavail: u64, files: u64, ffree: u64, fsid: u64, namelen: u32,
});

type Rec = Record<string, fc.Arbitrary<unknown>>;
const m = (type: number, fields: Rec): fc.Arbitrary<Fcall> =>
  fc.record({ type: fc.constant(type), tag: u16, ...fields }) as unknown as fc.Arbitrary<Fcall>;

/** [name, arbitrary] for every message type that exists in dialect d. */
export function messages(d: Dialect): [string, fc.Arbitrary<Fcall>][] {
  const ext = d !== '9P2000';
  const nU: Rec = ext ? { nUname: u32 } : {};
  const out: [string, fc.Arbitrary<Fcall>][] = [
    ['Tversion', m(F.Tversion, { msize: u32, version: str })],
    ['Rversion', m(F.Rversion, { msize: u32, version: str })],
    ['Tauth', m(F.Tauth, { afid: u32, uname: str, aname: str, ...nU })],
    ['Rauth', m(F.Rauth, { aqid: qid })],
    ['Tattach', m(F.Tattach, { fid: u32, afid: u32, uname: str, aname: str, ...nU })],
    ['Rattach', m(F.Rattach, { qid })],
    ['Tflush', m(F.Tflush, { oldtag: u16 })],
    ['Rflush', m(F.Rflush, {})],
    ['Twalk', m(F.Twalk, { fid: u32, newfid: u32, wnames: fc.array(str, { maxLength: 16 }) })],
    ['Rwalk', m(F.Rwalk, { qids: fc.array(qid, { maxLength: 16 }) })],
    ['Tread', m(F.Tread, { fid: u32, offset: u64, count: u32 })],
    ['Rread', m(F.Rread, { data: bytes })],
    ['Twrite', m(F.Twrite, { fid: u32, offset: u64, data: bytes })],
    ['Rwrite', m(F.Rwrite, { count: u32 })],
    ['Tclunk', m(F.Tclunk, { fid: u32 })],
    ['Rclunk', m(F.Rclunk, {})],
    ['Tremove', m(F.Tremove, { fid: u32 })],
    ['Rremove', m(F.Rremove, {})],
  ];
  if (d !== '9P2000.L') {
    out.push(
      ['Rerror', m(F.Rerror, { ename: str, ...(d === '9P2000.u' ? { errno: u32 } : {}) })],
      ['Topen', m(F.Topen, { fid: u32, mode: u8 })],
      ['Ropen', m(F.Ropen, { qid, iounit: u32 })],
      ['Tcreate', m(F.Tcreate, { fid: u32, name: str, perm: u32, mode: u8, ...(ext ? { extension: str } : {}) })],
      ['Rcreate', m(F.Rcreate, { qid, iounit: u32 })],
      ['Tstat', m(F.Tstat, { fid: u32 })],
      ['Rstat', m(F.Rstat, { stat: stat(d) })],
      ['Twstat', m(F.Twstat, { fid: u32, stat: stat(d) })],
      ['Rwstat', m(F.Rwstat, {})],
    );
  } else {
    out.push(
      ['Rlerror', m(F.Rlerror, { ecode: u32 })],
      ['Tstatfs', m(F.Tstatfs, { fid: u32 })],
      ['Rstatfs', m(F.Rstatfs, { statfs })],
      ['Tlopen', m(F.Tlopen, { fid: u32, flags: u32 })],
      ['Rlopen', m(F.Rlopen, { qid, iounit: u32 })],
      ['Tlcreate', m(F.Tlcreate, { fid: u32, name: str, flags: u32, mode: u32, gid: u32 })],
      ['Rlcreate', m(F.Rlcreate, { qid, iounit: u32 })],
      ['Tsymlink', m(F.Tsymlink, { dfid: u32, name: str, symtgt: str, gid: u32 })],
      ['Rsymlink', m(F.Rsymlink, { qid })],
      ['Tmknod', m(F.Tmknod, { dfid: u32, name: str, mode: u32, major: u32, minor: u32, gid: u32 })],
      ['Rmknod', m(F.Rmknod, { qid })],
      ['Trename', m(F.Trename, { fid: u32, dfid: u32, name: str })],
      ['Rrename', m(F.Rrename, {})],
      ['Treadlink', m(F.Treadlink, { fid: u32 })],
      ['Rreadlink', m(F.Rreadlink, { target: str })],
      ['Tgetattr', m(F.Tgetattr, { fid: u32, requestMask: u64 })],
      ['Rgetattr', m(F.Rgetattr, { attr })],
      ['Tsetattr', m(F.Tsetattr, { fid: u32, attr: setattr })],
      ['Rsetattr', m(F.Rsetattr, {})],
      ['Txattrwalk', m(F.Txattrwalk, { fid: u32, newfid: u32, name: str })],
      ['Rxattrwalk', m(F.Rxattrwalk, { size: u64 })],
      ['Txattrcreate', m(F.Txattrcreate, { fid: u32, name: str, attrSize: u64, flags: u32 })],
      ['Rxattrcreate', m(F.Rxattrcreate, {})],
      ['Treaddir', m(F.Treaddir, { fid: u32, offset: u64, count: u32 })],
      ['Rreaddir', m(F.Rreaddir, { data: bytes })],
      ['Tfsync', fc.oneof(m(F.Tfsync, { fid: u32 }), m(F.Tfsync, { fid: u32, datasync: u32 }))],
      ['Rfsync', m(F.Rfsync, {})],
      ['Tlock', m(F.Tlock, { fid: u32, lockType: u8, flags: u32, start: u64, length: u64, procId: u32, clientId: str })],
      ['Rlock', m(F.Rlock, { status: u8 })],
      ['Tgetlock', m(F.Tgetlock, { fid: u32, lockType: u8, start: u64, length: u64, procId: u32, clientId: str })],
      ['Rgetlock', m(F.Rgetlock, { lockType: u8, start: u64, length: u64, procId: u32, clientId: str })],
      ['Tlink', m(F.Tlink, { dfid: u32, fid: u32, name: str })],
      ['Rlink', m(F.Rlink, {})],
      ['Tmkdir', m(F.Tmkdir, { dfid: u32, name: str, mode: u32, gid: u32 })],
      ['Rmkdir', m(F.Rmkdir, { qid })],
      ['Trenameat', m(F.Trenameat, { olddirfid: u32, oldname: str, newdirfid: u32, newname: str })],
      ['Rrenameat', m(F.Rrenameat, {})],
      ['Tunlinkat', m(F.Tunlinkat, { dirfid: u32, name: str, flags: u32 })],
      ['Runlinkat', m(F.Runlinkat, {})],
    );
  }
  return out;
}
