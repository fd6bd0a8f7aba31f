// SPDX-License-Identifier: GPL-2.0-or-later
//
// The server's protocol rules (reference/9p.md §0, §2), checked frame by frame against a
// fake namespace: version negotiation, walks, clunk, directory reads in both families,
// truncation in every form real clients send, errors per dialect, auth.

import t from 'tap';
import { connect } from './raw.js';
import { fakeNamespace } from './fakens.js';
import * as F from '../../lib/9p/fcall.js';
import { decodeDirents, decodeStats, encode } from '../../lib/9p/codec.js';
import { dontTouchStat } from '../../lib/9p/stat.js';
import { NOFID, NONUNAME, OREAD, OTRUNC, OWRITE, P9_SETATTR_CTIME, P9_SETATTR_MTIME, P9_SETATTR_SIZE, S_IFDIR, S_IFREG } from '../../lib/9p/const.js';
import { EBADF, EACCES, ENOENT, EOPNOTSUPP, ESPIPE } from '../../lib/9p/errno.js';
import type { Dialect } from '../../lib/9p/fcall.js';

async function attached(dialect: Dialect, uname = 'eve', nUname?: number) {
  const f = fakeNamespace();
  const c = await connect(f.ns, dialect);
  const ra = await c.raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname, aname: '', nUname: nUname ?? NONUNAME } as never);
  return { ...c, ...f, ra };
}

t.test('version negotiation', async (t) => {
  const f = fakeNamespace();
  for (const [asked, want] of [['9P2000.L', '9P2000.L'], ['9P2000.u', '9P2000.u'], ['9P2000', '9P2000'], ['9P2000.X', '9P2000'], ['9P2001', 'unknown'], ['NFS', 'unknown']]) {
    const { rv, server } = await connect(f.ns, '9P2000', 8192, {} as never).then(async (c) => {
      const r = await c.raw.rpc({ type: F.Tversion, tag: 0xffff, msize: 131096, version: asked } as never);
      return { rv: r, server: c.server };
    });
    t.equal((rv as F.RversionMsg).version, want, `${asked} -> ${want}`);
    t.equal(rv.tag, 0xffff, 'Rversion echoes NOTAG');
    await server.close();
  }
  const small = await connect(f.ns, '9P2000.L', 2048);
  t.equal((small.rv as F.RversionMsg).version, 'unknown', 'msize below 4096 is refused');
  const big = await connect(f.ns, '9P2000.L', 1 << 26);
  t.ok((big.rv as F.RversionMsg).msize <= (1 << 20) + 24, 'msize clamped to the server maximum');
  const ok = await connect(f.ns, '9P2000.L', 8192);
  t.equal((ok.rv as F.RversionMsg).msize, 8192, 'msize never above the client’s');
});

t.test('a request before Tversion gets an error, not a crash', async (t) => {
  const f = fakeNamespace();
  const c = await connect(f.ns, '9P2000', 8192);
  // re-version to "unknown" leaves the session without a dialect
  await c.raw.rpc({ type: F.Tversion, tag: 0xffff, msize: 8192, version: 'bogus' } as never);
  const r = await c.raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'x', aname: '' } as never);
  t.equal(r.type, F.Rerror);
});

t.test('attach, walk, open, read in each dialect', async (t) => {
  for (const d of ['9P2000', '9P2000.u', '9P2000.L'] as Dialect[]) {
    const c = await attached(d);
    t.equal(c.ra.type, F.Rattach, `${d} attach`);
    t.equal((c.ra as F.RattachMsg).qid.type, 0x80, 'root is a directory');
    const w = await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['hello'] } as never) as F.RwalkMsg;
    t.equal(w.qids.length, 1);
    const o = await c.raw.rpc(d === '9P2000.L' ? { type: F.Tlopen, fid: 1, flags: 0o100000 } as never : { type: F.Topen, fid: 1, mode: OREAD } as never);
    t.equal(o.type, d === '9P2000.L' ? F.Rlopen : F.Ropen);
    const rd = await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 8192 } as never) as F.RreadMsg;
    t.equal(rd.data.toString(), 'hello world\n');
    const rd2 = await c.raw.rpc({ type: F.Tread, fid: 1, offset: 12n, count: 8192 } as never) as F.RreadMsg;
    t.equal(rd2.data.length, 0, 'end of file');
    await c.server.close();
  }
});

t.test('walk rules', async (t) => {
  const c = await attached('9P2000.L');
  const ENOENTr = (await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['nope'] } as never)) as F.RlerrorMsg;
  t.same([ENOENTr.type, ENOENTr.ecode], [F.Rlerror, ENOENT], 'first element missing: ENOENT');
  const partial = (await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dir', 'nope'] } as never)) as F.RwalkMsg;
  t.equal(partial.type, F.Rwalk);
  t.equal(partial.qids.length, 1, 'partial walk returns the qids that worked');
  const cl = (await c.raw.rpc({ type: F.Tclunk, fid: 1 } as never)) as F.RlerrorMsg;
  t.same([cl.type, cl.ecode], [F.Rlerror, EBADF], 'newfid of a partial walk was never created');
  // The codec refuses to build a 17-name walk, so patch a 16-name one by hand.
  const w16 = encode({ type: F.Twalk, tag: 77, fid: 0, newfid: 1, wnames: Array(16).fill('dir') } as F.Fcall, '9P2000.L');
  const extra = Buffer.from([3, 0, 0x64, 0x69, 0x72]);
  const w17 = Buffer.concat([w16, extra]);
  w17.writeUInt32LE(w17.length, 0);
  w17.writeUInt16LE(17, 15);
  c.raw.sendRaw(w17);
  const tooMany = await c.raw.reply(77);
  t.equal(tooMany.type, F.Rlerror, 'more than 16 names');
  for (const bad of ['', 'a/b']) {
    const r = await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: [bad] } as never);
    t.equal(r.type, F.Rlerror, `name "${bad}" refused`);
  }
  const dot = (await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dir', '.'] } as never)) as F.RwalkMsg;
  t.same(dot.qids[1], dot.qids[0], '"." stays put (diodls -l walks it)');
  await c.raw.rpc({ type: F.Tclunk, fid: 1 } as never);
  const dotdot = (await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['..', '..', 'dir'] } as never)) as F.RwalkMsg;
  t.equal(dotdot.qids.length, 3, 'the parent of the root is the root');
  t.same(dotdot.qids[0], (c.ra as F.RattachMsg).qid);
  // fid == newfid, many elements (Linux, deep paths)
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 2, wnames: [] } as never);
  const same = (await c.raw.rpc({ type: F.Twalk, fid: 2, newfid: 2, wnames: ['dir', '..', 'dir', 'file03'] } as never)) as F.RwalkMsg;
  t.equal(same.qids.length, 4);
  const rd = await c.raw.rpc({ type: F.Tlopen, fid: 2, flags: 0 } as never);
  t.equal(rd.type, F.Rlopen, 'fid moved to the walked file');
  // walk from an open fid (Linux does; diod #47)
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 3, wnames: ['dir'] } as never);
  await c.raw.rpc({ type: F.Tlopen, fid: 3, flags: 0 } as never);
  const fromOpen = (await c.raw.rpc({ type: F.Twalk, fid: 3, newfid: 4, wnames: ['file01'] } as never)) as F.RwalkMsg;
  t.equal(fromOpen.type, F.Rwalk, 'walk from an open directory fid');
  const inUse = await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 4, wnames: [] } as never);
  t.equal(inUse.type, F.Rlerror, 'newfid already in use');
});

t.test('clunk always clunks', async (t) => {
  const c = await attached('9P2000.u');
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['secret'] } as never);
  t.equal(c.server.stats().fids, 2);
  const r = await c.raw.rpc({ type: F.Tremove, fid: 1 } as never);
  t.equal(r.type, F.Rerror, 'remove refused');
  t.equal(c.server.stats().fids, 1, 'but the fid is gone');
  const again = await c.raw.rpc({ type: F.Tclunk, fid: 1 } as never);
  t.equal(again.type, F.Rerror);
});

t.test('directory reads: 9P2000 whole stats and the offset rule', async (t) => {
  const c = await attached('9P2000');
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dir'] } as never);
  await c.raw.rpc({ type: F.Topen, fid: 1, mode: OREAD } as never);
  const names: string[] = [];
  let off = 0n;
  for (;;) {
    const r = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: off, count: 300 } as never)) as F.RreadMsg;
    if (r.data.length === 0) break;
    t.ok(r.data.length <= 300);
    names.push(...decodeStats(r.data, '9P2000').map((s) => s.name));
    off += BigInt(r.data.length);
  }
  t.equal(names.length, 40, 'every entry once');
  t.equal(names[0], 'file00');
  const bad = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 5n, count: 300 } as never)) as F.RerrorMsg;
  t.equal(bad.type, F.Rerror, 'an offset never handed out');
  t.equal(bad.ename, 'Illegal seek');
  const again = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 8000 } as never)) as F.RreadMsg;
  t.equal(decodeStats(again.data, '9P2000').length, 40, 'offset 0 re-reads');
  t.equal(ESPIPE, 29);
});

t.test('directory reads: 9P2000.L Treaddir with . and .. and cookies', async (t) => {
  const c = await attached('9P2000.L');
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dir'] } as never);
  await c.raw.rpc({ type: F.Tlopen, fid: 1, flags: 0o2304000 } as never);
  const names: string[] = [];
  let cookie = 0n;
  for (;;) {
    const r = (await c.raw.rpc({ type: F.Treaddir, fid: 1, offset: cookie, count: 200 } as never)) as F.RreaddirMsg;
    if (r.data.length === 0) break;
    t.ok(r.data.length <= 200);
    const ents = decodeDirents(r.data);
    names.push(...ents.map((e) => e.name));
    cookie = ents[ents.length - 1].offset;
  }
  t.same(names.slice(0, 3), ['.', '..', 'file00']);
  t.equal(names.length, 42);
  const resume = (await c.raw.rpc({ type: F.Treaddir, fid: 1, offset: 2n, count: 8000 } as never)) as F.RreaddirMsg;
  t.equal(decodeDirents(resume.data)[0].name, 'file00', 'resume at an earlier cookie');
  const past = (await c.raw.rpc({ type: F.Treaddir, fid: 1, offset: 999999n, count: 8000 } as never)) as F.RreaddirMsg;
  t.equal(past.data.length, 0, 'a cookie never handed out reads as the end');
});

t.test('Rgetattr carries S_IFMT bits', async (t) => {
  const c = await attached('9P2000.L');
  const root = (await c.raw.rpc({ type: F.Tgetattr, fid: 0, requestMask: 0x7ffn } as never)) as F.RgetattrMsg;
  t.equal(root.attr.mode & 0o170000, S_IFDIR);
  t.equal(root.attr.valid & 0x7ffn, 0x7ffn);
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['hello'] } as never);
  const f = (await c.raw.rpc({ type: F.Tgetattr, fid: 1, requestMask: 0x3fffn } as never)) as F.RgetattrMsg;
  t.equal(f.attr.mode, S_IFREG | 0o444);
  t.equal(f.attr.qid.version, 0, 'synthetic files are uncacheable');
});

t.test('truncation in every form real clients send', async (t) => {
  // Linux .L: Tlopen(O_WRONLY) then Tsetattr(SIZE|MTIME|CTIME, 0) on the open fid
  const l = await attached('9P2000.L');
  await l.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['ctl'] } as never);
  await l.raw.rpc({ type: F.Tlopen, fid: 1, flags: 0o100001 } as never);
  const sa = await l.raw.rpc({ type: F.Tsetattr, fid: 1, attr: { valid: P9_SETATTR_SIZE | P9_SETATTR_MTIME | P9_SETATTR_CTIME, mode: 0, uid: NONUNAME, gid: NONUNAME, size: 0n, atimeSec: 0n, atimeNsec: 0n, mtimeSec: 0n, mtimeNsec: 0n } } as never);
  t.equal(sa.type, F.Rsetattr, '.L setattr size 0');
  const w = (await l.raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: Buffer.from('4\n') } as never)) as F.RwriteMsg;
  t.equal(w.count, 2);
  t.same(l.state.ctlWrites, ['4\n']);
  t.equal(l.state.truncates, 1);
  const z = (await l.raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: Buffer.alloc(0) } as never)) as F.RwriteMsg;
  t.equal(z.count, 0, 'zero-length write succeeds');
  t.equal(l.state.ctlWrites.length, 1, 'and carries no command');
  const fs = await l.raw.rpc({ type: F.Tfsync, fid: 1, datasync: 0 } as never);
  t.equal(fs.type, F.Rfsync);

  // Linux .u / 9P2000: Topen(OWRITE|OTRUNC), then Twstat(length 0, mtime), fsync = all don't-touch
  for (const d of ['9P2000.u', '9P2000'] as Dialect[]) {
    const u = await attached(d);
    await u.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['ctl'] } as never);
    const o = await u.raw.rpc({ type: F.Topen, fid: 1, mode: OWRITE | OTRUNC } as never);
    t.equal(o.type, F.Ropen, `${d} open OTRUNC`);
    const st = { ...dontTouchStat(d), length: 0n, mtime: 1700000000 };
    const ws = await u.raw.rpc({ type: F.Twstat, fid: 1, stat: st } as never);
    t.equal(ws.type, F.Rwstat, `${d} wstat length 0 + mtime`);
    const sync = await u.raw.rpc({ type: F.Twstat, fid: 1, stat: dontTouchStat(d) } as never);
    t.equal(sync.type, F.Rwstat, `${d} all-don't-touch wstat is a sync`);
    t.equal(u.state.truncates, 2, 'OTRUNC and length 0 both truncate');
    // 9pfuse: a wstat with only length 0, on a fid that is not open
    await u.raw.rpc({ type: F.Twalk, fid: 0, newfid: 2, wnames: ['ctl'] } as never);
    const fuse = await u.raw.rpc({ type: F.Twstat, fid: 2, stat: { ...dontTouchStat(d), length: 0n } } as never);
    t.equal(fuse.type, F.Rwstat, `${d} 9pfuse-style truncation`);
    const owner = await u.raw.rpc({ type: F.Twstat, fid: 2, stat: { ...dontTouchStat(d), uid: 'mallory' } } as never);
    t.equal(owner.type, F.Rerror, 'changing the owner is refused');
  }
});

t.test('errors per dialect and permission refusals', async (t) => {
  const u = await attached('9P2000.u', 'glenda');
  const e1 = (await u.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['nope'] } as never)) as F.RerrorMsg;
  t.same([e1.ename, e1.errno], ['No such file or directory', ENOENT], '.u: glibc text and errno');
  const p = await attached('9P2000', 'bob');
  await p.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['secret'] } as never);
  const e2 = (await p.raw.rpc({ type: F.Topen, fid: 1, mode: OREAD } as never)) as F.RerrorMsg;
  t.equal(e2.ename, 'Permission denied', '9P2000: exact glibc text for Linux');
  t.equal(e2.errno, undefined);
  const l = await attached('9P2000.L', '', 0);
  const x = (await l.raw.rpc({ type: F.Txattrwalk, fid: 0, newfid: 5, name: 'security.selinux' } as never)) as F.RlerrorMsg;
  t.same([x.type, x.ecode], [F.Rlerror, EOPNOTSUPP], 'unsupported .L op: EOPNOTSUPP');
  const un = (await l.raw.rpc({ type: F.Tunlinkat, dirfid: 0, name: 'x', flags: 0 } as never)) as F.RlerrorMsg;
  t.equal(un.ecode, EOPNOTSUPP, 'unlinkat: EOPNOTSUPP so Linux falls back to Tremove');
  t.equal(EACCES, 13);
});

t.test('auth is not required', async (t) => {
  const f = fakeNamespace();
  const l = await connect(f.ns, '9P2000.L');
  const a = (await l.raw.rpc({ type: F.Tauth, afid: 9, uname: '', aname: '', nUname: 0 } as never)) as F.RlerrorMsg;
  t.same([a.type, a.ecode], [F.Rlerror, ENOENT], '.L: Rlerror(ENOENT), as diod tools expect');
  const p = await connect(f.ns, '9P2000', 8192);
  const b = (await p.raw.rpc({ type: F.Tauth, afid: 9, uname: 'glenda', aname: '' } as never)) as F.RerrorMsg;
  t.equal(b.type, F.Rerror);
  t.match(b.ename, /authentication not required/);
  const bad = await p.raw.rpc({ type: F.Tattach, fid: 0, afid: 9, uname: 'glenda', aname: '' } as never);
  t.equal(bad.type, F.Rerror, 'an afid that is not an auth fid');
  const ok = await p.raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'glenda', aname: '' } as never);
  t.equal(ok.type, F.Rattach);
  const unknown = await p.raw.rpc({ type: F.Tattach, fid: 1, afid: NOFID, uname: 'glenda', aname: '#nope' } as never);
  t.equal(unknown.type, F.Rerror, 'unknown aname');
});
