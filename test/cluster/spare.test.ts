// SPDX-License-Identifier: GPL-2.0-or-later
//
// The fids a remote walk leaves on the server for a moment (ns/remotenode.ts Spare): a
// walk on moves one, an open uses it; at most MAX_SPARES per link, and all of them gone
// SPARE_MS later even while the local fids stay. Held clunks (Client.later) reach the
// server on their own.

import t from 'tap';
import { MAX_HELD } from '../../lib/9p/client.js';
import { OREAD, OWRITE } from '../../lib/9p/const.js';
import type { Fid } from '../../lib/9p/fid.js';
import { MAX_SPARES } from '../../ns/remotenode.js';
import { eventually, mountedPair } from './nodes.js';

t.test('spare fids: used, moved, bounded, and gone on their own', async (t) => {
  const { n1, n2, via, direct } = await mountedPair(t);
  const A = await direct.clone();
  const links = (): number => n1.booted.ns.remote!.status().length;
  // node2's fids: direct's attach, one attach per link, and what the mount holds.
  const held = (): number => n2.booted.server.stats().fids - 1 - links();
  await eventually(async () => { if (held() !== 0) throw new Error(`node2 holds ${held()} fids`); });

  // Walked (one name at a time: each step moves the spare on), then opened from it.
  let f = via.c.root!;
  for (const name of ['n', 'node2', 'mcp', String(A), 'ctl']) {
    const g = await f.walk([name]);
    if (f !== via.c.root) await f.clunk();
    f = g;
  }
  await f.open(OWRITE);
  t.equal(await f.write(0n, Buffer.from('2\n')), 2, 'a file walked name by name opens and takes the write');
  t.match(await direct.read(`mcp/${A}/status`), /granted 2\n/, 'the write reached node2');
  await f.clunk();
  await eventually(async () => { if (held() !== 0) throw new Error(`node2 holds ${held()} fids`); });
  t.pass('nothing left on node2 once the file is closed');

  // Many walks at once: node2 holds at most MAX_SPARES of them per link.
  const walked: Fid[] = await Promise.all(Array.from({ length: MAX_SPARES * 3 },
    () => via.c.root!.walk(`n/node2/mcp/${A}/status`)));
  const spares = n1.booted.ns.remote!.status()[0].spares;
  t.ok(spares <= MAX_SPARES, `${walked.length} local fids, at most ${MAX_SPARES} kept as spares (${spares})`);
  // The rest are clunked: sent, or held a moment for the next request (Client.later).
  t.ok(held() <= MAX_SPARES + MAX_HELD, `node2 holds at most ${MAX_SPARES + MAX_HELD} of them (${held()})`);
  await eventually(async () => { if (held() !== 0) throw new Error(`node2 holds ${held()} fids`); });
  t.pass('and none once their time is up, though the local fids are still there');
  const r = walked[0];
  await r.open(OREAD);
  t.match((await r.read(0n, 8192)).toString(), /granted 2/, 'a fid whose spare expired still opens (walked again)');
  for (const x of walked) await x.clunk();
  t.equal(n1.booted.server.stats().fids, 1, 'node1: only the attach is left');
});
