// SPDX-License-Identifier: GPL-2.0-or-later
//
// srv/table.ts: the tag and fid tables keep small numbers in an array and the rest in a
// Map; both halves behave as one table. Through the server: fids and tags on either side
// of the boundary, and the largest fid and tag numbers, are all served and counted.

import t from 'tap';
import { NumTable, SMALL_MAX } from '../../lib/numtable.js';
import { connect } from './raw.js';
import { fakeNamespace } from './fakens.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';

t.test('NumTable: get, set, has, delete, size and values across both halves', async (t) => {
  const tb = new NumTable<string>();
  const keys = [0, 1, 15, 16, 17, SMALL_MAX - 1, SMALL_MAX, SMALL_MAX + 1, 65534, 0xfffffffe];
  for (const k of keys) tb.set(k, `v${k}`);
  t.equal(tb.size, keys.length);
  for (const k of keys) {
    t.equal(tb.get(k), `v${k}`, `get ${k}`);
    t.ok(tb.has(k), `has ${k}`);
  }
  t.equal(tb.get(2), undefined, 'a small key never set');
  t.equal(tb.get(SMALL_MAX + 2), undefined, 'a large key never set');
  t.notOk(tb.has(500), 'a small key past what was set, inside the array');
  t.same([...tb.values()].sort(), keys.map((k) => `v${k}`).sort(), 'values: every entry once');

  tb.set(1, 'again');
  tb.set(SMALL_MAX, 'again');
  t.equal(tb.size, keys.length, 'replacing a value does not count twice');
  t.equal(tb.get(1), 'again');

  t.ok(tb.delete(1), 'delete a small key');
  t.ok(tb.delete(SMALL_MAX + 1), 'delete a large key');
  t.notOk(tb.delete(1), 'a second delete finds nothing');
  t.notOk(tb.delete(3), 'nor does a delete of a key never set');
  t.notOk(tb.delete(SMALL_MAX * 4), 'nor of a large one');
  t.equal(tb.size, keys.length - 2);
  t.equal(tb.get(1), undefined);
  t.notOk(tb.has(1), 'the deleted key is gone');
  t.equal([...tb.values()].length, keys.length - 2, 'and no longer listed');

  tb.clear();
  t.equal(tb.size, 0);
  t.same([...tb.values()], []);
  t.equal(tb.get(0), undefined);
  tb.set(7, 'x');
  t.equal(tb.get(7), 'x', 'usable after clear');
  t.equal(tb.size, 1);
});

t.test('fids and tags on both sides of the array bound are served', async (t) => {
  const f = fakeNamespace();
  const c = await connect(f.ns, '9P2000.L');
  const root = SMALL_MAX + 5;
  const at = await c.raw.rpc({ type: F.Tattach, tag: 40000, fid: root, afid: NOFID, uname: 'eve', aname: '', nUname: NONUNAME } as never);
  t.equal(at.type, F.Rattach, 'attach on a large fid with a large tag');
  const fids = [3, SMALL_MAX - 1, SMALL_MAX, 0xfffffffe];
  for (const [i, fid] of fids.entries()) {
    const w = await c.raw.rpc({ type: F.Twalk, tag: i % 2 ? 0xfffe : i, fid: root, newfid: fid, wnames: ['hello'] } as never);
    t.equal(w.type, F.Rwalk, `walk to fid ${fid}`);
  }
  t.equal(c.server.stats().fids, 1 + fids.length, 'every fid counted');
  const dup = await c.raw.rpc({ type: F.Twalk, fid: root, newfid: SMALL_MAX - 1, wnames: [] } as never);
  t.equal(dup.type, F.Rlerror, 'a small fid in use is refused as newfid');
  const dupBig = await c.raw.rpc({ type: F.Twalk, fid: root, newfid: 0xfffffffe, wnames: [] } as never);
  t.equal(dupBig.type, F.Rlerror, 'so is a large one');
  for (const fid of fids) {
    const o = await c.raw.rpc({ type: F.Tlopen, fid, flags: 0 } as never);
    t.equal(o.type, F.Rlopen, `open fid ${fid}`);
    const r = (await c.raw.rpc({ type: F.Tread, fid, offset: 0n, count: 100 } as never)) as F.RreadMsg;
    t.equal(r.data.toString(), 'hello world\n', `read fid ${fid}`);
    t.equal((await c.raw.rpc({ type: F.Tclunk, fid } as never)).type, F.Rclunk, `clunk fid ${fid}`);
  }
  t.equal(c.server.stats().fids, 1, 'only the root fid is left');
  t.equal(c.server.stats().inflight, 0, 'nothing in flight');
  const gone = await c.raw.rpc({ type: F.Tclunk, fid: SMALL_MAX } as never);
  t.equal(gone.type, F.Rlerror, 'a clunked fid is unknown');
  await c.server.close();
});
