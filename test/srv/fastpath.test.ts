// SPDX-License-Identifier: GPL-2.0-or-later
//
// The per-request fast path (bench/README.md): requests answered at once come back in
// order and complete even when a whole burst arrives in one chunk (replies corked per
// tick); a read of a file that has its data makes no AbortSignal, while a blocking read
// still gets one and is still flushed; an Rread of a large payload carries it intact.

import t from 'tap';
import { connect } from './raw.js';
import { fakeNamespace } from './fakens.js';
import { encode, IOV_MIN } from '../../lib/9p/codec.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';

async function attached() {
  const f = fakeNamespace();
  const c = await connect(f.ns, '9P2000.L');
  await c.raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'eve', aname: '', nUname: NONUNAME } as never);
  return { ...c, ...f };
}

/** Counts AbortControllers made while `fn` runs. */
async function countControllers(fn: () => Promise<void>): Promise<number> {
  const Orig = globalThis.AbortController;
  let n = 0;
  globalThis.AbortController = class extends Orig {
    constructor() { super(); n++; }
  };
  try {
    await fn();
  } finally {
    globalThis.AbortController = Orig;
  }
  return n;
}

t.test('a burst in one chunk: every reply, in order, nothing left in flight', async (t) => {
  const c = await attached();
  const frames: Buffer[] = [];
  const N = 300;
  // walk, getattr, clunk for each of N fids, all in one write.
  for (let i = 0; i < N; i++) {
    const fid = 10 + i;
    frames.push(encode({ type: F.Twalk, tag: 3 * i, fid: 0, newfid: fid, wnames: ['hello'] }, '9P2000.L'));
    frames.push(encode({ type: F.Tgetattr, tag: 3 * i + 1, fid, requestMask: 0x7ffn }, '9P2000.L'));
    frames.push(encode({ type: F.Tclunk, tag: 3 * i + 2, fid }, '9P2000.L'));
  }
  const before = c.raw.replies.length;
  c.raw.sendRaw(Buffer.concat(frames));
  await c.raw.reply(3 * N - 1);
  await c.raw.settle();
  const got = c.raw.replies.slice(before);
  t.equal(got.length, 3 * N, 'one reply per request');
  t.same(got.map((m) => m.tag), Array.from({ length: 3 * N }, (_, i) => i), 'replies in request order');
  t.same([...new Set(got.map((m) => m.type))].sort(), [F.Rwalk, F.Rclunk, F.Rgetattr].sort(), 'no errors');
  t.same(c.server.stats(), { ...c.server.stats(), fids: 1, inflight: 0 }, 'only the root fid is left, nothing in flight');
});

t.test('a read of a file with data makes no AbortSignal; a blocking read does and is flushed', async (t) => {
  const c = await attached();
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['hello'] } as never);
  await c.raw.rpc({ type: F.Tlopen, fid: 1, flags: 0 } as never);
  const plain = await countControllers(async () => {
    for (let i = 0; i < 50; i++) {
      const r = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 100 } as never)) as F.RreadMsg;
      if (r.data.toString() !== 'hello world\n') t.fail(`read ${i}: ${r.data.toString()}`);
    }
  });
  t.equal(plain, 0, 'no AbortController for 50 reads that had their data');

  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 2, wnames: ['stream'] } as never);
  await c.raw.rpc({ type: F.Tlopen, fid: 2, flags: 0 } as never);
  let rtag = 0;
  const blocking = await countControllers(async () => {
    rtag = c.raw.post({ type: F.Tread, fid: 2, offset: 0n, count: 4096 } as never);
    await c.raw.settle();
  });
  t.equal(blocking, 1, 'the read that has to wait gets its signal');
  const ftag = c.raw.post({ type: F.Tflush, oldtag: rtag } as never);
  t.equal((await c.raw.reply(ftag)).type, F.Rflush, 'and a Tflush still interrupts it');
  await c.raw.settle();
  t.notOk(c.raw.replies.some((m) => m.tag === rtag), 'no reply for the flushed read');
  t.equal(c.server.stats().inflight, 0);
});

t.test('a large Twrite and a large Rread arrive whole', async (t) => {
  const c = await attached();
  await c.raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['sysname'] } as never);
  await c.raw.rpc({ type: F.Tlopen, fid: 1, flags: 2 } as never);
  const big = Buffer.alloc(IOV_MIN * 3, 'x');
  big[7] = 0x41;
  const w = (await c.raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: big } as never)) as F.RwriteMsg;
  t.equal(w.type, F.Rwrite);
  t.equal(w.count, big.length, 'the whole write is taken');
  const r = (await c.raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 65000 } as never)) as F.RreadMsg;
  t.equal(r.type, F.Rread);
  t.same(r.data, Buffer.concat([big, Buffer.from('\n')]), 'the read carries every byte');
});
