// SPDX-License-Identifier: GPL-2.0-or-later
//
// A Client on a socket dialed with reuseReads (lib/9p/onread.ts): frames decoded out of
// the socket's reused read buffer, frames split across reads and many frames in one read,
// and payloads that stay intact after the buffer has been overwritten by later reads.

import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { dial } from '../../lib/9p/dial.js';
import { readsOf } from '../../lib/9p/onread.js';
import { encode } from '../../lib/9p/codec.js';
import { Client } from '../../lib/9p/client.js';
import * as F from '../../lib/9p/fcall.js';
import { FakeServer } from './fake.js';

const DIALECT = '9P2000.L';

async function setup(): Promise<{ c: Client; s: FakeServer; sock: Socket; close: () => Promise<void> }> {
  let accepted!: (s: Socket) => void;
  const got = new Promise<Socket>((r) => { accepted = r; });
  const srv = createServer((sock) => { sock.setNoDelay(true); accepted(sock); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const stream = await dial(`tcp!127.0.0.1!${port}`, { reuseReads: true });
  t.ok(readsOf(stream), 'the dialed socket reads into a reused buffer');
  const sock = await got;
  const s = new FakeServer(sock, DIALECT);
  const cp = Client.connect(stream, { dialect: DIALECT, msize: 1 << 20 });
  const v = await s.next() as F.TversionMsg;
  s.reply({ type: F.Rversion, tag: v.tag, msize: v.msize, version: DIALECT });
  const c = await cp;
  return {
    c, s, sock,
    close: async () => { c.close(); sock.destroy(); await new Promise<void>((r) => srv.close(() => r())); },
  };
}

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

t.test('a large Rread split over many socket reads', async (t) => {
  const { c, s, sock, close } = await setup();
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  const p = c.rpc({ type: F.Tread, fid: 1, offset: 0n, count: data.length });
  const tr = await s.next();
  const frame = encode({ type: F.Rread, tag: tr.tag, data }, DIALECT);
  // Odd pieces, each its own read: the frame's header and body arrive in several reads.
  for (let at = 0; at < frame.length;) {
    const n = Math.min(frame.length - at, at === 0 ? 3 : 70_001);
    sock.write(frame.subarray(at, at + n));
    at += n;
    await pause();
  }
  const r = await p;
  t.ok(r.data.equals(data), 'payload intact');
  await close();
});

t.test('many frames in one read, payloads kept past later reads', async (t) => {
  const { c, s, sock, close } = await setup();
  const kept: Buffer[] = [];
  for (let round = 0; round < 5; round++) {
    const ps = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => c.rpc({ type: F.Tread, fid: i, offset: 0n, count: 100 }));
    const frames: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      const tr = await s.next() as F.TreadMsg;
      frames.push(encode({ type: F.Rread, tag: tr.tag, data: Buffer.from(`round ${round} fid ${tr.fid}`) }, DIALECT));
      // A reply that is not a payload, in the same write.
      frames.push(encode({ type: F.Rlerror, tag: 0xfffe, ecode: 2 }, DIALECT).subarray(0, 0));
    }
    // All in one write (one read, most likely), the last frame cut in two.
    const all = Buffer.concat(frames);
    sock.write(all.subarray(0, all.length - 5));
    await pause();
    sock.write(all.subarray(all.length - 5));
    for (const r of await Promise.all(ps)) kept.push(r.data);
  }
  t.same(kept.map((b) => b.toString()), [0, 1, 2, 3, 4].flatMap((r) => [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `round ${r} fid ${i}`)),
    'every payload as sent, after the read buffer was reused');
  const wp = c.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['a', 'b'] });
  const tw = await s.next();
  s.reply({ type: F.Rwalk, tag: tw.tag, qids: [{ type: 0x80, version: 1, path: 5n }, { type: 0, version: 2, path: 1n << 60n }] });
  const rw = await wp;
  t.same(rw.qids.map((q) => q.path), [5n, 1n << 60n], 'qids decoded out of the reused buffer');
  await close();
});

t.test('a bad frame on a reused-buffer socket fails the client, not the process', async (t) => {
  const { c, sock, close } = await setup();
  const p = c.rpc({ type: F.Tclunk, fid: 3 });
  const bad = Buffer.alloc(7);
  bad.writeUInt32LE(3, 0);
  sock.write(bad);
  await t.rejects(p, /frame size 3 < 7/);
  await close();
});
