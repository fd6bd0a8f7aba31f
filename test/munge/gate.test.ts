// SPDX-License-Identifier: GPL-2.0-or-later

import t from 'tap';
import { Gate } from '../../lib/munge/index.js';


t.test('at most max holders, at most maxQueue waiting, the rest EAGAIN', async (t) => {
  const g = new Gate(2, 1);
  const r1 = await g.acquire();
  const r2 = await g.acquire();
  t.equal(g.running, 2);
  let third: (() => void) | null = null;
  const p3 = g.acquire().then((r) => { third = r; });
  t.equal(g.queued, 1);
  await t.rejects(async () => { await g.acquire(); }, { name: 'P9Error', ename: 'EAGAIN' }, 'the line is full');
  r1();
  r1();
  await p3;
  t.ok(third, 'the waiter got the place given back');
  t.equal(g.running, 2, 'a second release of the same place gives nothing back');
  r2();
  third!();
  t.equal(g.running, 0);
  t.equal(g.queued, 0);
});

t.test('an aborted waiter leaves the line', async (t) => {
  const g = new Gate(1, 2);
  const r = await g.acquire();
  const ac = new AbortController();
  const p = g.acquire(ac.signal);
  const q = g.acquire();
  t.equal(g.queued, 2);
  ac.abort(new Error('gone'));
  await t.rejects(p, { message: 'gone' });
  t.equal(g.queued, 1);
  r();
  const rq = await q;
  t.equal(g.running, 1);
  rq();
  await t.rejects(async () => { await g.acquire(AbortSignal.abort(new Error('already'))); }, { message: 'already' });
});

t.test('limits are checked', async (t) => {
  t.throws(() => new Gate(0, 1), { name: 'P9Error', ename: 'EINVAL' });
  t.throws(() => new Gate(1, -1), { name: 'P9Error', ename: 'EINVAL' });
  const g = new Gate(1, 0);
  const r = await g.acquire();
  await t.rejects(async () => { await g.acquire(); }, { name: 'P9Error', ename: 'EAGAIN' }, 'maxQueue 0: no waiting at all');
  r();
});
