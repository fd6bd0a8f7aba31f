// SPDX-License-Identifier: GPL-2.0-or-later
//
// The client against a scripted in-memory server: version negotiation, tag multiplexing,
// Tflush ordering, walks in chunks, I/O loops, errors, connection loss.

import t from 'tap';
import type * as Tap from 'tap';
import { duplexPair } from '../../lib/9p/duplex.js';
import { Client } from '../../lib/9p/client.js';
import { P9Error } from '../../lib/9p/error.js';
import { encodeStat } from '../../lib/9p/codec.js';
import { ECANCELED, ECONNRESET, ENOENT, EACCES } from '../../lib/9p/errno.js';
import { NOTAG, OREAD } from '../../lib/9p/const.js';
import * as F from '../../lib/9p/fcall.js';
import type { Dialect, Qid } from '../../lib/9p/fcall.js';
import { FakeServer, pair } from './fake.js';

const q = (path: number, type = 0): Qid => ({ type, version: 0, path: BigInt(path) });
async function rejectsWith(t: Tap.Test, p: Promise<unknown>, pattern: RegExp | object, msg = "rejects"): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  if (e === null) { t.fail(`${msg} resolved`); return; }
  if (pattern instanceof RegExp) t.match((e as Error).message, pattern, msg);
  else t.match(e, pattern, msg);
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('version negotiation', async (t) => {
  async function tryVersion(answer: string, msize: number, opts: { dialect?: Dialect; allowDowngrade?: boolean } = {}) {
    const [a, b] = duplexPair();
    const s = new FakeServer(b, '9P2000.L');
    const cp = Client.connect(a, { msize: 8192, ...opts });
    const v = await s.next() as F.TversionMsg;
    t.equal(v.tag, NOTAG, 'Tversion uses NOTAG');
    s.reply({ type: F.Rversion, tag: NOTAG, msize, version: answer });
    return cp;
  }
  const c = await tryVersion('9P2000.L', 4096);
  t.equal(c.msize, 4096, 'takes the smaller msize');
  t.equal(c.dialect, '9P2000.L');
  c.close();
  await rejectsWith(t, tryVersion('unknown', 8192), /does not speak/);
  await rejectsWith(t, tryVersion('9P2000.u', 8192), /asked for 9P2000.L/);
  await rejectsWith(t, tryVersion('9P2000.L', 16384), /msize 16384/);
  await rejectsWith(t, tryVersion('9P2000.L', 8192, { dialect: '9P2000.u' }), /asked for 9P2000.u/, 'no upgrade');
  const d = await tryVersion('9P2000.u', 8192, { allowDowngrade: true });
  t.equal(d.dialect, '9P2000.u', 'downgrade when allowed');
  d.close();
});

t.test('many outstanding requests are matched by tag', async (t) => {
  const { c, s } = await pair();
  const N = 300;
  const ps = Array.from({ length: N }, (_, i) => c.rpc({ type: F.Tread, fid: i, offset: 0n, count: 10 }));
  const reqs: F.TreadMsg[] = [];
  for (let i = 0; i < N; i++) reqs.push(await s.next() as F.TreadMsg);
  t.equal(new Set(reqs.map((r) => r.tag)).size, N, 'distinct tags');
  t.equal(c.outstanding, N);
  for (const r of reqs.reverse()) s.answer(r, { data: Buffer.from(`fid${r.fid}`) });
  const got = await Promise.all(ps);
  t.same(got.map((r) => r.data.toString()), Array.from({ length: N }, (_, i) => `fid${i}`));
  t.equal(c.outstanding, 0);
  c.close();
});

t.test('abort sends Tflush; the tag is not reused before Rflush', async (t) => {
  const { c, s } = await pair();
  const ac = new AbortController();
  let settled = false;
  const p = c.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 10 }, ac.signal);
  p.catch(() => {}).finally(() => { settled = true; });
  const tr = await s.next() as F.TreadMsg;
  ac.abort();
  const tf = await s.next() as F.TflushMsg;
  t.equal(tf.type, F.Tflush);
  t.equal(tf.oldtag, tr.tag, 'flushes the read');
  // New requests while the flush is outstanding must not get the old tag.
  const more = Array.from({ length: 5 }, (_, i) => c.rpc({ type: F.Tclunk, fid: 10 + i }));
  const mreqs = [];
  for (let i = 0; i < 5; i++) mreqs.push(await s.next());
  t.notOk(mreqs.some((m) => m.tag === tr.tag || m.tag === tf.tag), 'old and flush tags stay reserved');
  for (const m of mreqs) s.answer(m);
  await Promise.all(more);
  await tick();
  t.notOk(settled, 'the aborted request waits for Rflush');
  s.reply({ type: F.Rflush, tag: tf.tag });
  const e = await p.catch((x) => x);
  t.ok(e instanceof P9Error && e.errno === ECANCELED, 'rejects with ECANCELED after Rflush');
  // Now the tag is free again (LIFO reuse makes this visible).
  const p2 = c.rpc({ type: F.Tclunk, fid: 99 });
  const m2 = await s.next();
  t.ok(m2.tag === tr.tag || m2.tag === tf.tag, 'a freed tag is reused after Rflush');
  s.answer(m2);
  await p2;
  c.close();
});

t.test('an original reply that beats the Rflush is honoured', async (t) => {
  const { c, s } = await pair();
  const ac = new AbortController();
  const p = c.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 10 }, ac.signal);
  const tr = await s.next();
  ac.abort();
  const tf = await s.next() as F.TflushMsg;
  s.answer(tr, { data: Buffer.from('late') });
  t.equal((await p).data.toString(), 'late', 'resolved with the original reply');
  const p2 = c.rpc({ type: F.Tclunk, fid: 5 });
  const m2 = await s.next();
  t.not(m2.tag, tr.tag, 'tag still reserved until Rflush');
  s.answer(m2);
  await p2;
  s.reply({ type: F.Rflush, tag: tf.tag });
  await tick();
  t.equal(c.outstanding, 0, 'everything released after Rflush');
  const p3 = c.rpc({ type: F.Tclunk, fid: 6 });
  const m3 = await s.next();
  s.answer(m3);
  await p3;
  c.close();
});

t.test('abort before sending sends nothing', async (t) => {
  const { c, s } = await pair();
  const ac = new AbortController();
  ac.abort();
  await rejectsWith(t, c.rpc({ type: F.Tclunk, fid: 1 }, ac.signal), { errno: ECANCELED });
  await tick();
  t.equal(s.seen.length, 1, 'only the Tversion');
  c.close();
});

t.test('errors: Rlerror in .L, Rerror text and errno in 9P2000/.u', async (t) => {
  const { c, s } = await pair();
  const p = c.rpc({ type: F.Tclunk, fid: 1 });
  s.reply({ type: F.Rlerror, tag: (await s.next()).tag, ecode: EACCES });
  await rejectsWith(t, p, { errno: EACCES, ename: 'EACCES', text: 'Permission denied' });
  c.close();
  const { c: c9, s: s9 } = await pair('9P2000');
  const p9 = c9.rpc({ type: F.Tclunk, fid: 1 });
  s9.reply({ type: F.Rerror, tag: (await s9.next()).tag, ename: 'No such file or directory' });
  await rejectsWith(t, p9, { errno: ENOENT, text: 'No such file or directory' });
  const p9b = c9.rpc({ type: F.Tclunk, fid: 1 });
  s9.reply({ type: F.Rerror, tag: (await s9.next()).tag, ename: 'file not found' });
  await rejectsWith(t, p9b, { text: 'file not found' }, 'unknown text keeps the server string');
  c9.close();
  const { c: cu, s: su } = await pair('9P2000.u');
  const pu = cu.rpc({ type: F.Tclunk, fid: 1 });
  su.reply({ type: F.Rerror, tag: (await su.next()).tag, ename: 'nope', errno: EACCES });
  await rejectsWith(t, pu, { errno: EACCES, text: 'nope' });
  cu.close();
});

t.test('connection loss rejects everything with ECONNRESET', async (t) => {
  const { c, s } = await pair();
  const ps = [c.rpc({ type: F.Tclunk, fid: 1 }), c.rpc({ type: F.Tclunk, fid: 2 })];
  await s.next(); await s.next();
  s.stream.end();
  for (const p of ps) await rejectsWith(t, p, { errno: ECONNRESET });
  await c.closed;
  await rejectsWith(t, c.rpc({ type: F.Tclunk, fid: 3 }), { errno: ECONNRESET }, 'and everything after');
});

t.test('a reply on an unknown tag kills the connection', async (t) => {
  const { c, s } = await pair();
  const p = c.rpc({ type: F.Tclunk, fid: 1 });
  await s.next();
  s.reply({ type: F.Rclunk, tag: 4242 });
  await rejectsWith(t, p, { errno: ECONNRESET, message: /unexpected tag 4242/ });
  await c.closed;
});

async function attached(dialect: Dialect = '9P2000.L', msize?: number) {
  const { c, s } = await pair(dialect, msize ? { msize } : {});
  const ap = c.attach({ uname: 'u', aname: 'a' });
  const ta = await s.next() as F.TattachMsg;
  s.answer(ta, { qid: q(1, 0x80) });
  return { c, s, root: await ap };
}

t.test('walk: chunks of 16, partial walks', async (t) => {
  const { c, s, root } = await attached();
  const names = Array.from({ length: 20 }, (_, i) => `d${i}`);
  const wp = root.walk(names.join('/'));
  const w1 = await s.next() as F.TwalkMsg;
  t.equal(w1.wnames.length, 16);
  t.equal(w1.fid, root.fid);
  s.answer(w1, { qids: w1.wnames.map((_, i) => q(10 + i, 0x80)) });
  const w2 = await s.next() as F.TwalkMsg;
  t.same(w2.wnames, names.slice(16));
  t.equal(w2.fid, w1.newfid, 'later chunks walk newfid to itself');
  t.equal(w2.newfid, w1.newfid);
  s.answer(w2, { qids: w2.wnames.map((_, i) => q(30 + i)) });
  const f = await wp;
  t.equal(f.qid.path, 33n, 'last qid');
  t.same(f.path, names);

  // partial in the first chunk: ENOENT, no Tclunk for the never-created newfid
  const pp = root.walk('a/b/c');
  const w3 = await s.next();
  s.answer(w3, { qids: [q(50, 0x80)] });
  await rejectsWith(t, pp, { errno: ENOENT, message: /a\/b/ });
  const cl = c.rpc({ type: F.Tclunk, fid: 77 });
  const next = await s.next();
  t.equal(next.type, F.Tclunk);
  t.equal((next as F.TclunkMsg).fid, 77, 'no Tclunk of the uncreated newfid was sent');
  s.answer(next);
  await cl;

  // partial in a later chunk: newfid exists (from chunk 1) and must be clunked
  const pp2 = root.walk(names);
  const w4 = await s.next() as F.TwalkMsg;
  s.answer(w4, { qids: w4.wnames.map((_, i) => q(10 + i, 0x80)) });
  const w5 = await s.next() as F.TwalkMsg;
  s.answer(w5, { qids: [q(30)] });
  const tc = await s.next() as F.TclunkMsg;
  t.equal(tc.type, F.Tclunk);
  t.equal(tc.fid, w4.newfid, 'clunks the half-walked newfid');
  s.answer(tc);
  await rejectsWith(t, pp2, { errno: ENOENT });

  // '' clones
  const cp = root.walk('');
  const w6 = await s.next() as F.TwalkMsg;
  t.same(w6.wnames, []);
  s.answer(w6, { qids: [] });
  t.same((await cp).qid, root.qid);
  c.close();
});

t.test('read caps count; write loops over iounit and short writes', async (t) => {
  const { c, s, root } = await attached('9P2000.L', 4096);
  const op = root.open(OREAD);
  const tl = await s.next() as F.TlopenMsg;
  t.equal(tl.flags & 3, 0);
  s.answer(tl, { qid: q(1, 0x80), iounit: 0 });
  await op;
  const rp = root.read(0n, 100000);
  const tr = await s.next() as F.TreadMsg;
  t.equal(tr.count, 4096 - 24, 'count capped to msize-24');
  s.answer(tr, { data: Buffer.alloc(5) });
  t.equal((await rp).length, 5);

  root.iounit = 1000;
  const data = Buffer.alloc(2500, 7);
  const wp = root.write(100n, data);
  const offsets: bigint[] = [];
  for (let done = 0; done < data.length;) {
    const tw = await s.next() as F.TwriteMsg;
    t.ok(tw.data.length <= 1000, 'respects iounit');
    offsets.push(tw.offset);
    const n = Math.min(tw.data.length, 600); // short write
    s.answer(tw, { count: n });
    done += n;
  }
  t.equal(await wp, 2500);
  t.same(offsets, [100n, 700n, 1300n, 1900n, 2500n]);

  const zp = root.write(0n, Buffer.alloc(0));
  const tz = await s.next() as F.TwriteMsg;
  t.equal(tz.data.length, 0, 'zero-length write is sent');
  s.answer(tz, { count: 0 });
  t.equal(await zp, 0);
  c.close();
});

t.test('readdir: whole stats in 9P2000, cookies in .L', async (t) => {
  const { c, s, root } = await attached('9P2000');
  const st = (name: string, mode: number) => ({
    type: 0, dev: 0, qid: q(name.length, mode >>> 24), mode, atime: 0, mtime: 0, length: 0n,
    name, uid: 'u', gid: 'g', muid: '',
  });
  const rp = root.readdir();
  const tw = await s.next() as F.TwalkMsg; // clone
  s.answer(tw, { qids: [] });
  const to = await s.next() as F.TopenMsg;
  t.equal(to.fid, tw.newfid);
  s.answer(to, { qid: q(1, 0x80), iounit: 0 });
  const r1 = await s.next() as F.TreadMsg;
  t.equal(r1.offset, 0n);
  const page1 = Buffer.concat([encodeStat(st('a', 0o644), '9P2000'), encodeStat(st("dir", (0x80000000 | 0o755) >>> 0), '9P2000')]);
  s.answer(r1, { data: page1 });
  const r2 = await s.next() as F.TreadMsg;
  t.equal(r2.offset, BigInt(page1.length), 'offset advances by bytes read');
  s.answer(r2, { data: encodeStat(st('b', 0o600), '9P2000') });
  s.answer(await s.next(), { data: Buffer.alloc(0) });
  const cl = await s.next() as F.TclunkMsg;
  t.equal(cl.fid, tw.newfid, 'clone clunked');
  s.answer(cl);
  const ents = await rp;
  t.same(ents.map((e) => [e.name, e.type]), [['a', 8], ['dir', 4], ['b', 8]]);
  c.close();
});
