// SPDX-License-Identifier: GPL-2.0-or-later
//
// Bad input (reference/9p.md §7.5): each malformed frame either gets an error reply or
// closes that one connection, and a second, well-behaved connection keeps being served
// throughout. Then a bounded fuzz run and a connect/disconnect soak with no leaks.

import t, { type Test } from 'tap';
import fc from 'fast-check';
import { Raw } from './raw.js';
import { fakeNamespace } from './fakens.js';
import { duplexPair } from '../../lib/9p/duplex.js';
import { encode } from '../../lib/9p/codec.js';
import { Server } from '../../srv/server.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';

function setup(maxInflight = 64) {
  const f = fakeNamespace();
  const server = new Server({ ns: f.ns, hostowner: 'eve', maxInflight });
  const open = async (dialect: F.Dialect = '9P2000.L') => {
    const [a, b] = duplexPair();
    server.serve(b);
    const raw = new Raw(a, dialect);
    await raw.rpc({ type: F.Tversion, tag: 0xffff, msize: 8192, version: dialect } as never);
    await raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'eve', aname: '', nUname: NONUNAME } as never);
    return raw;
  };
  return { server, open, state: f.state };
}

async function stillServes(t: Test, good: Raw, label: string) {
  const r = await good.rpc({ type: F.Twalk, fid: 0, newfid: 50, wnames: ['hello'] } as never);
  t.equal(r.type, F.Rwalk, `${label}: the other connection is still served`);
  await good.rpc({ type: F.Tclunk, fid: 50 } as never);
}

function frame(type: number, tag: number, body: number[]): Buffer {
  const b = Buffer.alloc(7 + body.length);
  b.writeUInt32LE(b.length, 0);
  b[4] = type;
  b.writeUInt16LE(tag, 5);
  Buffer.from(body).copy(b, 7);
  return b;
}

t.test('malformed frames', async (t) => {
  const { open } = setup();
  const good = await open();
  const closing: [string, Buffer][] = [
    ['size < 7', Buffer.from([3, 0, 0, 0, 110, 1, 0])],
    ['size > msize', (() => { const b = Buffer.alloc(11); b.writeUInt32LE(1 << 30, 0); b[4] = 116; return b; })()],
    ['an R-message as a request', frame(F.Rwalk, 3, [0, 0])],
    ['Terror', frame(F.Terror, 3, [])],
  ];
  for (const [label, buf] of closing) {
    const bad = await open();
    bad.sendRaw(buf);
    await bad.settle();
    t.ok(bad.closed, `${label}: that connection is closed`);
    await stillServes(t, good, label);
  }
  const replying: [string, Buffer][] = [
    ['a truncated Twalk', frame(F.Twalk, 9, [0, 0, 0, 0, 1, 0])],
    ['a string running past the end', frame(F.Twalk, 9, [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 200, 0, 0x61])],
    ['trailing garbage', Buffer.concat([encode({ type: F.Tclunk, tag: 9, fid: 77 } as F.Fcall, '9P2000.L').subarray(0, 11), Buffer.from([1, 2, 3])])],
    ['an unknown type', frame(200, 9, [1, 2, 3])],
    ['a 9P2000-only type in .L', frame(F.Tstat, 9, [0, 0, 0, 0])],
  ];
  replying[2][1].writeUInt32LE(replying[2][1].length, 0);
  for (const [label, buf] of replying) {
    const bad = await open();
    bad.sendRaw(buf);
    const r = await bad.reply(9);
    t.equal(r.type, F.Rlerror, `${label}: an error reply`);
    const w = await bad.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: [] } as never);
    t.equal(w.type, F.Rwalk, `${label}: that connection still works`);
    await stillServes(t, good, label);
  }
  const dup = await open();
  dup.post({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['stream'] } as never);
  await dup.rpc({ type: F.Tlopen, fid: 1, flags: 0 } as never);
  dup.post({ type: F.Tread, tag: 500, fid: 1, offset: 0n, count: 100 } as never);
  dup.post({ type: F.Tread, tag: 500, fid: 1, offset: 0n, count: 100 } as never);
  await dup.settle();
  t.ok(dup.closed, 'a duplicate tag in flight closes the connection');
  await stillServes(t, good, 'duplicate tag');
  for (const bad of ['..x/..', '', '.']) {
    const r = await good.rpc({ type: F.Tlcreate, fid: 0, name: bad, flags: 0, mode: 0o644, gid: 0 } as never);
    t.equal(r.type, F.Rlerror, `create "${bad}" refused`);
  }
  const reused = await good.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'x', aname: '', nUname: NONUNAME } as never);
  t.equal(reused.type, F.Rlerror, 'attach on a fid in use');
});

t.test('a flood is served through a small in-flight cap', async (t) => {
  const { open, server } = setup(4);
  const raw = await open();
  const tags: number[] = [];
  for (let i = 0; i < 2000; i++) tags.push(raw.post({ type: F.Tgetattr, fid: 0, requestMask: 0x7ffn } as never));
  const replies = await Promise.all(tags.map((tg) => raw.reply(tg, 20000)));
  t.equal(replies.filter((r) => r.type === F.Rgetattr).length, 2000);
  t.equal(server.stats().inflight, 0);
});

t.test('fuzz: random and mutated frames never take the server down', async (t) => {
  const { open, server } = setup();
  const good = await open();
  const seeds = [
    encode({ type: F.Twalk, tag: 1, fid: 0, newfid: 1, wnames: ['dir', 'file01'] } as F.Fcall, '9P2000.L'),
    encode({ type: F.Tread, tag: 2, fid: 0, offset: 0n, count: 100 } as F.Fcall, '9P2000.L'),
    encode({ type: F.Tsetattr, tag: 3, fid: 0, attr: { valid: 8, mode: 0, uid: 0, gid: 0, size: 0n, atimeSec: 0n, atimeNsec: 0n, mtimeSec: 0n, mtimeNsec: 0n } } as F.Fcall, '9P2000.L'),
    encode({ type: F.Treaddir, tag: 4, fid: 0, offset: 0n, count: 1000 } as F.Fcall, '9P2000.L'),
  ];
  const deadline = Date.now() + 3000;
  await fc.assert(fc.asyncProperty(
    fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
        .map(([s, muts]) => { const b = Buffer.from(s); for (const [i, v] of muts) if (i % b.length >= 4) b[i % b.length] = v; return b; }),
    ),
    async (buf) => {
      if (Date.now() > deadline) return;
      const bad = await open();
      bad.sendRaw(buf);
      await bad.settle();
      bad.stream.destroy();
    },
  ), { numRuns: 300 });
  await stillServes(t, good, 'after fuzzing');
  await new Promise((r) => setImmediate(r));
  t.equal(server.stats().connections, 1, 'only the good connection is left');
});

t.test('1,000 connect/attach/disconnect cycles with reads left blocked leak nothing', async (t) => {
  const { open, server, state } = setup();
  for (let i = 0; i < 1000; i++) {
    const raw = await open();
    await raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['stream'] } as never);
    await raw.rpc({ type: F.Tlopen, fid: 1, flags: 0 } as never);
    raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 100 } as never);
    raw.stream.destroy();
  }
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  t.same(server.stats(), { connections: 0, fids: 0, inflight: 0 });
  t.equal(state.stream.waiters.length, 0, 'no blocked reader left in the device');
});

t.test('a connection that never attaches is closed; an attached one stays', async (t) => {
  const f = fakeNamespace();
  const server = new Server({ ns: f.ns, hostowner: 'eve', handshakeMs: 50 });
  const silent = duplexPair();
  server.serve(silent[1]);
  const quiet = new Raw(silent[0], '9P2000.L');
  const versioned = duplexPair();
  server.serve(versioned[1]);
  const half = new Raw(versioned[0], '9P2000.L');
  await half.rpc({ type: F.Tversion, tag: 0xffff, msize: 8192, version: '9P2000.L' } as never);
  const full = duplexPair();
  server.serve(full[1]);
  const good = new Raw(full[0], '9P2000.L');
  await good.rpc({ type: F.Tversion, tag: 0xffff, msize: 8192, version: '9P2000.L' } as never);
  await good.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'eve', aname: '', nUname: NONUNAME } as never);
  await new Promise((r) => setTimeout(r, 200));
  t.ok(quiet.closed, 'silent connection closed');
  t.ok(half.closed, 'versioned but never attached: closed');
  t.notOk(good.closed, 'attached connection kept');
  await stillServes(t, good, 'after the handshake timeout');
  await server.close();
});
