// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal Store `base`: a caller that replays as recovery reads is handed the snapshot
// it starts from first (devs/persist builds its kernel from it), once, before any record.

import t from 'tap';
import { Store } from '../../lib/wal/index.js';
import { tmpDir } from './helpers.js';

t.test('base comes once, before the first replayed record', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  for (let i = 0; i < 3; i++) await st.append(i);
  await st.snapshot({ upTo: 3 });
  for (let i = 3; i < 5; i++) await st.append(i);
  await st.close();
  const seen: unknown[] = [];
  const again = await Store.open(dir, {
    base: (snap, covers) => seen.push(['base', snap, covers]),
    replay: (v, seq) => seen.push([v, seq]),
  });
  t.same(seen, [['base', { upTo: 3 }, 3], [3, 3], [4, 4]]);
  await again.close();

  const empty = tmpDir(t);
  const calls: unknown[] = [];
  const e = await Store.open(empty, { base: (snap, covers) => calls.push([snap, covers]) });
  t.same(calls, [[undefined, 0]], 'no snapshot: undefined, covering nothing');
  await e.close();
});

t.test('an error thrown by base fails the open as it is', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  await st.append(1);
  await st.close();
  await t.rejects(Store.open(dir, { base: () => { throw new Error('not mine'); } }), /not mine/);
  const ok = await Store.open(dir);
  t.same(ok.recovered.records, [1], 'and the directory is as it was');
  await ok.close();
});
