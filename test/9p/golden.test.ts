// SPDX-License-Identifier: GPL-2.0-or-later
//
// Byte-exact encodings from the man-page layouts (intro(5), stat(5)) and diod's sample
// session (the P9_* trace its debug output prints), in both directions.

import t from 'tap';
import { decode, encode, encodeDirent, decodeDirents } from '../../lib/9p/codec.js';
import * as F from '../../lib/9p/fcall.js';
import type { Dialect, Fcall } from '../../lib/9p/fcall.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const cases: [string, Dialect, Fcall, string][] = [
  ['Tversion (plan9port)', '9P2000', { type: F.Tversion, tag: 0xffff, msize: 8192, version: '9P2000' },
    '13000000 64 ffff 00200000 0600 395032303030'],
  ['Rversion (diod)', '9P2000.L', { type: F.Rversion, tag: 0xffff, msize: 65536, version: '9P2000.L' },
    '15000000 65 ffff 00000100 0800 395032303030 2e4c'],
  ['Tauth (diod)', '9P2000.L', { type: F.Tauth, tag: 0, afid: 0, uname: '', aname: '/tmp/x', nUname: 0 },
    '19000000 66 0000 00000000 0000 0600 2f746d702f78 00000000'],
  ['Rlerror ENOENT (diod)', '9P2000.L', { type: F.Rlerror, tag: 0, ecode: 2 }, '0b000000 07 0000 02000000'],
  ['Tattach (diod)', '9P2000.L', { type: F.Tattach, tag: 0, fid: 0, afid: 0xffffffff, uname: '', aname: '/tmp/x', nUname: 0 },
    '1d000000 68 0000 00000000 ffffffff 0000 0600 2f746d702f78 00000000'],
  ['Tattach (9P2000, no n_uname)', '9P2000', { type: F.Tattach, tag: 0, fid: 0, afid: 0xffffffff, uname: 'glenda', aname: '' },
    '19000000 68 0000 00000000 ffffffff 0600 676c656e6461 0000'],
  ['Rattach (diod)', '9P2000.L', { type: F.Rattach, tag: 0, qid: { type: 0x80, version: 0, path: 0x212785n } },
    '14000000 69 0000 80 00000000 8527210000000000'],
  ['Twalk (diod)', '9P2000.L', { type: F.Twalk, tag: 0, fid: 0, newfid: 1, wnames: ['hello.txt'] },
    '1c000000 6e 0000 00000000 01000000 0100 0900 68656c6c6f2e747874'],
  ['Rwalk (diod)', '9P2000.L', { type: F.Rwalk, tag: 0, qids: [{ type: 0, version: 0, path: 0x212787n }] },
    '16000000 6f 0000 0100 00 00000000 8727210000000000'],
  ['Tlopen (diod)', '9P2000.L', { type: F.Tlopen, tag: 0, fid: 1, flags: 0 }, '0f000000 0c 0000 01000000 00000000'],
  ['Rlopen (diod)', '9P2000.L', { type: F.Rlopen, tag: 0, qid: { type: 0, version: 0, path: 0x212787n }, iounit: 0 },
    '18000000 0d 0000 00 00000000 8727210000000000 00000000'],
  ['Tread (diod)', '9P2000.L', { type: F.Tread, tag: 0, fid: 1, offset: 0n, count: 65512 },
    '17000000 74 0000 01000000 0000000000000000 e8ff0000'],
  ['Rread', '9P2000', { type: F.Rread, tag: 0, data: Buffer.from('hi\n') }, '0e000000 75 0000 03000000 68690a'],
  ['Twrite', '9P2000.u', { type: F.Twrite, tag: 3, fid: 1, offset: 0x100000000n, data: Buffer.from('x') },
    '18000000 76 0300 01000000 0000000001000000 01000000 78'],
  ['Rerror 9P2000', '9P2000', { type: F.Rerror, tag: 1, ename: 'No such file or directory' },
    '22000000 6b 0100 1900 4e6f20737563682066696c65206f72206469726563746f7279'],
  ['Rerror 9P2000.u', '9P2000.u', { type: F.Rerror, tag: 1, ename: 'No such file or directory', errno: 2 },
    '26000000 6b 0100 1900 4e6f20737563682066696c65206f72206469726563746f7279 02000000'],
  ['Tflush', '9P2000', { type: F.Tflush, tag: 5, oldtag: 4 }, '09000000 6c 0500 0400'],
  ['Rflush', '9P2000', { type: F.Rflush, tag: 5 }, '07000000 6d 0500'],
  ['Topen OWRITE|OTRUNC', '9P2000', { type: F.Topen, tag: 2, fid: 3, mode: 0x11 }, '0c000000 70 0200 03000000 11'],
  ['Tcreate 9P2000.u', '9P2000.u', { type: F.Tcreate, tag: 2, fid: 3, name: 'f', perm: 0o644, mode: 1, extension: '' },
    '15000000 72 0200 03000000 0100 66 a4010000 01 0000'],
  // stat(5): size[2] appears twice (n[2] then the stat's own size[2]).
  ['Rstat 9P2000', '9P2000', {
    type: F.Rstat, tag: 1, stat: {
      type: 0, dev: 0, qid: { type: 0x80, version: 1, path: 0x2an }, mode: 0x800001ed, atime: 1, mtime: 2,
      length: 0n, name: '/', uid: 'u', gid: 'g', muid: '',
    },
  }, `3d000000 7d 0100 3400 3200 0000 00000000 80 01000000 2a00000000000000 ed010080 01000000 02000000
      0000000000000000 0100 2f 0100 75 0100 67 0000`],
  ['Tgetattr 0x3fff', '9P2000.L', { type: F.Tgetattr, tag: 0, fid: 1, requestMask: 0x3fffn },
    '13000000 18 0000 01000000 ff3f000000000000'],
  ['Tsetattr truncate (valid 0x68)', '9P2000.L', {
    type: F.Tsetattr, tag: 0, fid: 1, attr: {
      valid: 0x68, mode: 0, uid: 0xffffffff, gid: 0xffffffff, size: 0n, atimeSec: 0n, atimeNsec: 0n, mtimeSec: 0n, mtimeNsec: 0n,
    },
  }, `43000000 1a 0000 01000000 68000000 00000000 ffffffff ffffffff 0000000000000000 0000000000000000
      0000000000000000 0000000000000000 0000000000000000`],
  ['Tfsync fid only (old diod)', '9P2000.L', { type: F.Tfsync, tag: 0, fid: 7 }, '0b000000 32 0000 07000000'],
  ['Tfsync with datasync', '9P2000.L', { type: F.Tfsync, tag: 0, fid: 7, datasync: 1 }, '0f000000 32 0000 07000000 01000000'],
  ['Tunlinkat AT_REMOVEDIR', '9P2000.L', { type: F.Tunlinkat, tag: 9, dirfid: 1, name: 'd', flags: 0x200 },
    '12000000 4c 0900 01000000 0100 64 00020000'],
];

for (const [name, d, msg, h] of cases) {
  t.test(name, async (t) => {
    const want = hex(h);
    t.same(encode(msg, d).toString('hex'), want.toString('hex'), 'encode');
    const r = decode(want, d);
    t.ok(r.ok, 'decodes');
    if (r.ok) t.same(r.msg, msg, 'decode');
  });
}

t.test('Tversion decodes identically in every dialect', async (t) => {
  const f = hex('13000000 64 ffff 00200000 0600 395032303030');
  for (const d of ['9P2000', '9P2000.u', '9P2000.L'] as const) {
    const r = decode(f, d);
    t.ok(r.ok && r.msg.type === F.Tversion && (r.msg as F.TversionMsg).version === '9P2000', d);
  }
});

t.test('Treaddir entry with diod telldir cookie', async (t) => {
  const d = { qid: { type: 0, version: 0, path: 0x10n }, offset: 2147483647n, type: 8, name: 'a' };
  const want = hex('00 00000000 1000000000000000 ffffff7f00000000 08 0100 61');
  t.equal(encodeDirent(d).toString('hex'), want.toString('hex'));
  t.same(decodeDirents(want), [d]);
});

t.test('decode errors carry the tag', async (t) => {
  const bad: [string, Dialect, string, RegExp][] = [
    ['NUL in a walk name', '9P2000.L', '16000000 6e 0700 00000000 01000000 0100 0300 610062', /NUL/],
    ['string past the end', '9P2000.L', '14000000 6e 0700 00000000 01000000 0100 0900 61', /truncated/],
    ['trailing garbage', '9P2000', '0c000000 78 0700 01000000 ff', /trailing/],
    ['size field disagrees', '9P2000', '0c000000 78 0700 01000000', /size field/],
    ['.L type in 9P2000.u', '9P2000.u', '0f000000 0c 0700 01000000 00000000', /not a 9P2000.u/],
    ['Topen in .L', '9P2000.L', '0c000000 70 0700 03000000 00', /not a 9P2000.L/],
    ['Terror', '9P2000', '07000000 6a 0700', /not a 9P2000/],
    ['Tlerror', '9P2000.L', '0b000000 06 0700 02000000', /not a 9P2000.L/],
    ['unknown type', '9P2000.L', '07000000 c8 0700', /not a/],
    ['nwname 17', '9P2000', '11000000 6e 0700 00000000 01000000 1100', /nwname 17/],
    ['Rread count past the end', '9P2000', '0e000000 75 0700 09000000 686868', /truncated/],
    ['Twstat n disagrees with stat size', '9P2000', `42000000 7e 0700 01000000 3500 3200 0000 00000000 80 01000000 2a00000000000000
      ed010080 01000000 02000000 0000000000000000 0100 2f 0100 75 0100 67 0000 00`, /n disagrees/],
  ];
  for (const [name, d, h, re] of bad) {
    const r = decode(hex(h), d);
    t.notOk(r.ok, name);
    if (!r.ok) {
      t.equal(r.error.tag, 7, `${name}: tag`);
      t.match(r.error.message, re, `${name}: ${r.error.message}`);
    }
  }
  const r = decode(hex('0500'), '9P2000');
  t.ok(!r.ok && r.error.tag === undefined, 'no tag for a 2-byte frame');
});

t.test('encode refuses what the wire cannot carry', async (t) => {
  t.throws(() => encode({ type: F.Topen, tag: 0, fid: 0, mode: 0 }, '9P2000.L'), /does not exist/);
  t.throws(() => encode({ type: F.Rerror, tag: 0, ename: 'x' }, '9P2000.L'), /does not exist/);
  t.throws(() => encode({ type: F.Tlopen, tag: 0, fid: 0, flags: 0 }, '9P2000.u'), /does not exist/);
  t.throws(() => encode({ type: F.Twalk, tag: 0, fid: 0, newfid: 1, wnames: Array(17).fill('a') }, '9P2000'), /17/);
  t.throws(() => encode({ type: F.Twalk, tag: 0, fid: 0, newfid: 1, wnames: ['a\0b'] }, '9P2000'), /NUL/);
  t.throws(() => encode({ type: F.Tclunk, tag: 0x10000, fid: 0 }, '9P2000'), /u16/);
  t.throws(() => encode({ type: F.Rreadlink, tag: 0, target: 'é'.repeat(40000) }, '9P2000.L'), /65535/);
});
