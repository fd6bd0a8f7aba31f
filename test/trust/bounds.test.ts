// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 10's resource rows, each as an attacker would try it against the whole machine on
// a loopback port, with bounded loops: the bound holds (what the server keeps stays under
// its documented limit) and a fresh client is served while the abuse goes on.
//   row 4  attaches per connection, connections in all and per address
//   row 5  20,000 `bind -a` lines in one /dev/ns write
//   row 8  a connection that pipelines 1 MiB reads and never reads the replies
//   row 9  megabyte error details stored in /dev/errstr
//   row 11 more blocked reads than the in-flight cap, then Tflush

import t from 'tap';
import * as F from '../../lib/9p/fcall.js';
import { EAGAIN, EINVAL, ENOSPC, EUSERS } from '../../lib/9p/errno.js';
import { MAX_CTL_LINES } from '../../devs/lib/cmd.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';
import { DEFAULT_LIMITS } from '../../srv/server.js';
import { MAX_ERRSTR, READ_FLOOR } from '../../srv/conn.js';
import { DEFAULT_MOUNT_LIMITS } from '../../ns/index.js';
import { errnoOf, freshClient, HOST, machine, openAt, rawPeer, settled, tcp, type Msg } from './harness.js';

const attachMsg = (fid: number, uname = HOST) => ({ type: F.Tattach, fid, afid: NOFID, uname, aname: '', nUname: NONUNAME } as Msg);

t.test('row 4: attaches per connection are capped; clunking one frees its place', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port);
  const max = DEFAULT_LIMITS.maxAttaches;
  for (let i = 1; i < max; i++) {
    const r = await raw.rpc(attachMsg(i));
    if (r.type !== F.Rattach) t.fail(`attach ${i}: ${errnoOf(r)}`);
  }
  const over = await raw.rpc(attachMsg(max));
  t.equal(errnoOf(over), EUSERS, `attach number ${max + 1} is EUSERS`);
  t.equal(await freshClient(m.port), 'glenda\n', 'a fresh client is served meanwhile');
  await raw.rpc({ type: F.Tclunk, fid: 5 } as Msg);
  t.equal((await raw.rpc(attachMsg(5))).type, F.Rattach, 'a clunked attach frees its place');
  const walked = await raw.rpc({ type: F.Twalk, fid: 0, newfid: 9000, wnames: ['dev'] } as Msg);
  t.equal(walked.type, F.Rwalk, 'walks from an existing attach are not attaches');
  raw.stream.destroy();
});

t.test('row 4: connections per address and in all, with fair shares when full', async (t) => {
  const m = await machine(t, { server: { maxConnections: 8, maxConnectionsPerAddress: 4 } });
  const held: Awaited<ReturnType<typeof tcp>>[] = [];
  t.teardown(() => { for (const s of held) s.destroy(); });
  const closed = (s: Awaited<ReturnType<typeof tcp>>) => new Promise<void>((r) => {
    if (s.destroyed) r(); else { s.once('close', () => r()); s.resume(); }
  });
  for (let i = 0; i < 4; i++) held.push(await tcp(m.port, '127.0.0.2'));
  const extra = await tcp(m.port, '127.0.0.2');
  await closed(extra);
  t.pass('the fifth connection from 127.0.0.2 is closed at once');
  t.equal(await freshClient(m.port, 'glenda', '127.0.0.3'), 'glenda\n', 'another address is served');
  for (let a = 4; a <= 7; a++) held.push(await tcp(m.port, `127.0.0.${a}`));
  await settled(() => m.server.stats().connections);
  t.equal(m.server.stats().connections, 8, 'full: 4 from one address, 1 from each of 4 others');
  t.equal(await freshClient(m.port, 'glenda', '127.0.0.9'), 'glenda\n', 'a newcomer still gets in ...');
  await closed(held[3]);
  t.pass('... in the place of the busiest address\'s newest connection');
  t.ok(m.server.evictedConnections >= 1, 'which is counted');
  for (const s of held.splice(0, 3)) s.destroy();
  await settled(() => m.server.stats().connections);
  for (let a = 10; a <= 13; a++) held.push(await tcp(m.port, `127.0.0.${a}`));
  await settled(() => m.server.stats().connections);
  const even = await tcp(m.port, '127.0.0.20');
  await closed(even);
  t.pass('full with one connection per address: a newcomer is refused, nobody is evicted');
  t.ok(m.server.refusedConnections >= 2, 'refusals are counted');
});

t.test('row 5: 20,000 bind -a lines in one /dev/ns write stop at the union limit', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { msize: 1 << 20, uname: 'glenda' });
  await openAt(raw, 1, 'dev/ns', 1);
  await openAt(raw, 2, 'dev/ns', 0);
  const table = async () => {
    const r = await raw.rpc({ type: F.Tread, fid: 2, offset: 0n, count: 65536 } as Msg) as F.RreadMsg;
    return r.data.toString();
  };
  const before = await table();
  const all = Buffer.from('bind -a #mcp /mcp\n'.repeat(20000));
  const w0 = await raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: all } as Msg);
  t.equal(errnoOf(w0), EINVAL, 'all 20,000 lines at once: refused whole by the ctl-write size bound');
  t.equal(await table(), before, 'and nothing was applied');
  const lines = Buffer.from('bind -a #mcp /mcp\n'.repeat(MAX_CTL_LINES));
  const w = await raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: lines } as Msg);
  t.equal(errnoOf(w), ENOSPC, 'the write fails at the first line past the limit');
  const mcp = (await table()).split('\n').filter((l) => l.endsWith(' /mcp'));
  t.ok(mcp.length <= DEFAULT_MOUNT_LIMITS.maxUnion, `the table holds ${mcp.length} /mcp entries, within the limit`);
  const costly = Buffer.from('bind /mcp/../mcp/../dev/time /dev/sysname\n'.repeat(MAX_CTL_LINES));
  const w2 = await raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: costly } as Msg);
  t.equal(errnoOf(w2), EAGAIN, 'a write walking more than a turn allows is cut short with EAGAIN');
  t.equal(await freshClient(m.port), 'glenda\n', 'a fresh client is served');
  raw.stream.destroy();
});

t.test('row 8: pipelined 1 MiB reads whose replies are never read', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { msize: 16 << 20, uname: 'glenda' });
  await openAt(raw, 1, 'dev/zero', 0);
  raw.stream.pause();
  for (let i = 0; i < 200; i++) raw.post({ type: F.Tread, fid: 1, offset: 0n, count: 1 << 20 } as Msg);
  const conn = m.server.connections().find((c) => c.msize > 1 << 19)!;
  t.ok(conn, 'found the abusing connection');
  const u = await settled(() => conn.usage().heldBytes);
  const bound = DEFAULT_LIMITS.maxQueuedBytes + DEFAULT_LIMITS.maxMsize;
  t.ok(u <= bound, `the server holds ${u} bytes for it, within maxQueuedBytes + one message (${bound})`);
  t.equal(await freshClient(m.port), 'glenda\n', 'a fresh client is served');
  const all = new Promise<number>((res) => {
    const tick = setInterval(() => {
      const n = raw.replies.filter((r) => r.type === F.Rread).length;
      if (n === 200 || raw.closed) { clearInterval(tick); res(n); }
    }, 50);
  });
  raw.stream.resume();
  t.equal(await all, 200, 'once the client reads, every read is answered: the server paused, it dropped nothing');
  raw.stream.destroy();
});

t.test('row 9: error details are cut before /dev/errstr stores them', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { msize: 2 << 20 });
  await openAt(raw, 1, 'sim/ctl', 1);
  const line = Buffer.alloc(1 << 20, 'x');
  const w = await raw.rpc({ type: F.Twrite, fid: 1, offset: 0n, data: line } as Msg);
  t.equal(w.type, F.Rlerror, 'the megabyte command fails');
  await openAt(raw, 2, 'dev/errstr', 2);
  const r = await raw.rpc({ type: F.Tread, fid: 2, offset: 0n, count: 1 << 20 } as Msg) as F.RreadMsg;
  t.ok(r.data.length > 0 && r.data.length <= MAX_ERRSTR + 1, `errstr holds ${r.data.length} bytes, at most ${MAX_ERRSTR} and a newline`);
  t.match(r.data.toString(), /^Invalid argument: /, 'and starts with the error');
  const big = await raw.rpc({ type: F.Twrite, fid: 2, offset: 0n, data: Buffer.alloc(1 << 20, 'y') } as Msg);
  t.equal(big.type, F.Rwrite, 'a megabyte written to /dev/errstr is accepted');
  const r2 = await raw.rpc({ type: F.Tread, fid: 2, offset: 0n, count: 1 << 20 } as Msg) as F.RreadMsg;
  t.ok(r2.data.length <= MAX_ERRSTR + 1, `and kept as ${r2.data.length} bytes`);
  raw.stream.destroy();
});

t.test('row 11: more blocked reads than the in-flight cap, then Tflush for each', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port);
  const n = DEFAULT_LIMITS.maxInflight + 36;
  for (let i = 0; i < n; i++) {
    await openAt(raw, 100 + i, 'dev/kmesg', 0);
    // The first read returns the log so far; the next one blocks.
    await raw.rpc({ type: F.Tread, fid: 100 + i, offset: 0n, count: 65536 } as Msg);
  }
  const tags: number[] = [];
  for (let i = 0; i < n; i++) tags.push(raw.post({ type: F.Tread, fid: 100 + i, offset: 1n << 20n, count: 4096 } as Msg));
  const conn = m.server.connections()[0];
  const u = await settled(() => conn.usage().parked);
  t.equal(u, n, `all ${n} reads are parked`);
  t.equal((await raw.rpc({ type: F.Tgetattr, fid: 0, requestMask: 0x7ffn } as Msg)).type, F.Rgetattr, 'other requests still flow');
  t.equal(await freshClient(m.port), 'glenda\n', 'a fresh client is served');
  const flushes = tags.map((oldtag) => raw.post({ type: F.Tflush, oldtag } as Msg));
  const replies = await Promise.all(flushes.map((tg) => raw.reply(tg)));
  t.ok(replies.every((r) => r.type === F.Rflush), `every one of ${n} Tflushes is answered`);
  await raw.settle();
  t.notOk(raw.replies.some((r) => tags.includes(r.tag) && r.type === F.Rread), 'no flushed read was answered');
  t.equal(conn.usage().parked, 0, 'nothing parked any more');
  raw.stream.destroy();
});

t.test('row 11: past maxParked a read is refused at once, and small reads are cut, not grown', async (t) => {
  const m = await machine(t, { server: { maxParked: 8, maxQueuedBytes: 1 << 20 } });
  const raw = await rawPeer(m.port, { msize: 1 << 20 });
  for (let i = 0; i < 12; i++) {
    await openAt(raw, 100 + i, 'dev/kmesg', 0);
    await raw.rpc({ type: F.Tread, fid: 100 + i, offset: 0n, count: 65536 } as Msg);
  }
  const tags: number[] = [];
  for (let i = 0; i < 8; i++) tags.push(raw.post({ type: F.Tread, fid: 100 + i, offset: 1n << 20n, count: 1 << 19 } as Msg));
  const over = await raw.rpc({ type: F.Tread, fid: 108, offset: 1n << 20n, count: 4096 } as Msg);
  t.equal(errnoOf(over), EAGAIN, 'the ninth blocked read is EAGAIN at once');
  const conn = m.server.connections()[0];
  const u = conn.usage();
  t.ok(u.parkedBytes <= (1 << 20) + 8 * READ_FLOOR, `parked reads reserve ${u.parkedBytes} bytes, within the budget`);
  const z = await raw.rpc({ type: F.Twalk, fid: 0, newfid: 300, wnames: ['dev', 'zero'] } as Msg);
  t.equal(z.type, F.Rwalk);
  await raw.rpc({ type: F.Tlopen, fid: 300, flags: 0 } as Msg);
  const r = await raw.rpc({ type: F.Tread, fid: 300, offset: 0n, count: 1 << 19 } as Msg) as F.RreadMsg;
  t.equal(r.data.length, READ_FLOOR, 'with the budget held by parked reads, a new read is cut to READ_FLOOR');
  for (const oldtag of tags) await raw.rpc({ type: F.Tflush, oldtag } as Msg);
  const r2 = await raw.rpc({ type: F.Tread, fid: 300, offset: 0n, count: 1 << 19 } as Msg) as F.RreadMsg;
  t.equal(r2.data.length, 1 << 19, 'once they are flushed, reads get their full count again');
  raw.stream.destroy();
});
