// SPDX-License-Identifier: GPL-2.0-or-later
//
// Tflush ordering, blocking reads and the Linux continuation rule (reference/9p.md §2.8,
// §2.9, §9): Rflush only after (or instead of) the old reply, never a reply for a flushed
// read, data of a flushed read kept for the next reader, and a continuation answered at
// once only on Linux kernel sessions.

import t from 'tap';
import { connect } from './raw.js';
import { fakeNamespace } from './fakens.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';
import type { Dialect } from '../../lib/9p/fcall.js';

async function streamFid(dialect: Dialect = '9P2000.L', msize = 65536, flags = 0o100000) {
  const f = fakeNamespace();
  const c = await connect(f.ns, dialect, msize);
  await c.raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'eve', aname: '', nUname: NONUNAME } as never);
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['stream'] } as never);
  if (dialect === '9P2000.L') await c.raw.rpc({ type: F.Tlopen, fid: 1, flags } as never);
  else await c.raw.rpc({ type: F.Topen, fid: 1, mode: 0 } as never);
  return { ...c, ...f };
}

t.test('a blocked read does not stall the connection, and a flush answers with Rflush only', async (t) => {
  const c = await streamFid();
  const rtag = c.raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never);
  await c.raw.settle();
  t.equal(c.server.stats().inflight, 1, 'the read is held');
  const w = await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 2, wnames: ['hello'] } as never);
  t.equal(w.type, F.Rwalk, 'other requests keep flowing');
  const ftag = c.raw.post({ type: F.Tflush, oldtag: rtag } as never);
  const rf = await c.raw.reply(ftag);
  t.equal(rf.type, F.Rflush);
  await c.raw.settle();
  t.notOk(c.raw.replies.some((m) => m.tag === rtag), 'no reply ever sent for the flushed read');
  c.state.stream.push('ev 1\n');
  const r2 = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never)) as F.RreadMsg;
  t.equal(r2.data.toString(), 'ev 1\n', 'a record arriving after the flush goes to the next reader');
  t.equal(c.server.stats().inflight, 0);
});

t.test('flush of an unknown tag gets Rflush at once', async (t) => {
  const c = await streamFid();
  const r = await c.raw.rpc({ type: F.Tflush, oldtag: 4242 } as never);
  t.equal(r.type, F.Rflush);
});

t.test('a read answered before the flush is processed: Rread, then Rflush', async (t) => {
  const c = await streamFid();
  const rtag = c.raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never);
  await c.raw.settle();
  c.state.stream.push('late\n');
  const ftag = c.raw.post({ type: F.Tflush, oldtag: rtag } as never);
  await c.raw.reply(ftag);
  const order = c.raw.replies.filter((m) => m.tag === rtag || m.tag === ftag).map((m) => m.type);
  t.same(order, [F.Rread, F.Rflush]);
});

t.test('several flushes of one tag are answered in order after it', async (t) => {
  const c = await streamFid();
  const rtag = c.raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never);
  await c.raw.settle();
  const f1 = c.raw.post({ type: F.Tflush, oldtag: rtag } as never);
  const f2 = c.raw.post({ type: F.Tflush, oldtag: rtag } as never);
  await c.raw.reply(f2);
  const tags = c.raw.replies.filter((m) => m.type === F.Rflush).map((m) => m.tag);
  t.same(tags, [f1, f2]);
});

t.test('Linux continuation rule', async (t) => {
  // Linux 6.4+ asks msize 131096: a short non-empty reply followed by a contiguous smaller
  // Tread (busybox cat) is answered at once with 0 bytes; the next read(2) blocks again.
  const c = await streamFid('9P2000.L', 131096);
  c.state.stream.push('ev 1\n');
  const r1 = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 65536 } as never)) as F.RreadMsg;
  t.equal(r1.data.length, 5);
  const cont = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 5n, count: 65531 } as never)) as F.RreadMsg;
  t.equal(cont.data.length, 0, 'the continuation ends the burst');
  const next = c.raw.post({ type: F.Tread, fid: 1, offset: 5n, count: 65536 } as never);
  await c.raw.settle();
  t.notOk(c.raw.replies.some((m) => m.tag === next), 'the next read(2) blocks');
  c.state.stream.push('ev 2\n');
  t.equal(((await c.raw.reply(next)) as F.RreadMsg).data.toString(), 'ev 2\n');
  // GNU cat keeps the largest count (msize - 24)
  c.state.stream.push('ev 3\n');
  await c.raw.rpc({ type: F.Tread, fid: 1, offset: 10n, count: 131072 } as never);
  const gnu = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 15n, count: 131072 } as never)) as F.RreadMsg;
  t.equal(gnu.data.length, 0, 'continuation at msize-24 answered at once');
});

t.test('no continuation rule for other clients or O_NONBLOCK opens', async (t) => {
  for (const [name, c] of [
    ['diod-sized session', await streamFid('9P2000.L', 65536)],
    ['Linux O_NONBLOCK fid', await streamFid('9P2000.L', 131096, 0o104000)],
  ] as const) {
    c.state.stream.push('ev 1\n');
    await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 65512 } as never);
    const again = c.raw.post({ type: F.Tread, fid: 1, offset: 5n, count: 65507 } as never);
    await c.raw.settle();
    t.notOk(c.raw.replies.some((m) => m.tag === again), `${name}: the next read blocks (Plan 9 semantics)`);
    c.state.stream.push('ev 2\n');
    t.equal(((await c.raw.reply(again)) as F.RreadMsg).data.toString(), 'ev 2\n');
  }
});

t.test('Tversion mid-session aborts everything and clunks every fid', async (t) => {
  const c = await streamFid();
  const rtag = c.raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never);
  await c.raw.settle();
  const closesBefore = c.state.closes;
  const rv = await c.raw.rpc({ type: F.Tversion, tag: 0xffff, msize: 8192, version: '9P2000.L' } as never);
  t.equal(rv.type, F.Rversion);
  await c.raw.settle();
  t.notOk(c.raw.replies.some((m) => m.tag === rtag), 'the aborted read is never answered');
  t.same(c.server.stats(), { connections: 1, fids: 0, inflight: 0 });
  t.ok(c.state.closes > closesBefore, 'the open file was closed');
  c.state.stream.push('kept\n');
  t.equal(c.state.stream.queue.length, 1, 'nothing consumed by the aborted read');
});

t.test('a client vanishing with reads outstanding leaves nothing behind', async (t) => {
  const c = await streamFid();
  for (let i = 0; i < 5; i++) c.raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 4096 } as never);
  await c.raw.settle();
  t.equal(c.server.stats().inflight, 5);
  c.raw.stream.destroy();
  await c.raw.settle();
  t.same(c.server.stats(), { connections: 0, fids: 0, inflight: 0 });
  t.equal(c.state.stream.waiters.length, 0, 'every blocked reader was released');
});
