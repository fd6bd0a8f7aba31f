// SPDX-License-Identifier: GPL-2.0-or-later
//
// The clock's queue: (time, insertion) order, after / delay / dueNow against schedule /
// cancel / timeOf, stale handles, and the bound on pending events.

import t from 'tap';
import { Clock } from '../../kern/clock.js';
import { MAX_PENDING } from '../../kern/heap.js';
import { P9Error } from '../../lib/9p/error.js';

t.test('after(dt) is schedule(now + dt); equal times run in insertion order', (t) => {
  const c = new Clock();
  const ran: string[] = [];
  c.runUntil(3e9); // past 2^31 ns
  c.schedule(3e9 + 500, () => ran.push('a'));
  c.after(500, () => ran.push('b'));
  c.after(100, () => ran.push('c'));
  c.after(-5, () => ran.push('d')); // clamped to now, like schedule(at < now)
  c.runUntil(3e9 + 1000);
  t.same(ran, ['d', 'c', 'a', 'b']);
  t.equal(c.now, 3e9 + 1000);
  t.end();
});

t.test('delay(h, ns) moves an event as cancel + schedule at its time + ns does', (t) => {
  const c = new Clock();
  const ran: string[] = [];
  c.runUntil(5e9);
  const h = c.after(100, () => ran.push('x'), 'x');
  c.after(300, () => ran.push('y'));
  const h2 = c.delay(h, 200);                 // now at +300, after y
  t.not(h2, h, 'a new handle');
  t.equal(c.cancel(h), false, 'the old handle is stale');
  t.equal(c.timeOf(h2), 5e9 + 300);
  t.same(c.pendingTags().find((p) => p.tag === 'x'), { at: 5e9 + 300, tag: 'x' }, 'the tag goes with it');
  t.equal(c.delay(h, 10), -1, 'a stale handle moves nothing');
  c.runUntil(5e9 + 300);
  t.same(ran, ['y', 'x']);
  t.end();
});

t.test('dueNow(h): the event is due at the current time', (t) => {
  const c = new Clock();
  c.runUntil(4e9);
  const h = c.after(0, () => {});
  const later = c.after(1, () => {});
  t.equal(c.dueNow(h), true);
  t.equal(c.dueNow(later), false);
  c.cancel(h);
  t.equal(c.dueNow(h), false, 'cancelled');
  t.equal(c.dueNow(-1), false);
  t.end();
});

t.test('handles stay small integers; a reused slot does not answer to an old handle', (t) => {
  const c = new Clock();
  const seen = new Set<number>();
  let h = -1, small = true;
  for (let i = 0; i < 5000; i++) {
    if (h >= 0) c.cancel(h);
    h = c.after(10, () => {});
    if (!(Number.isInteger(h) && h >= 0 && h < 2 ** 31)) small = false;
    seen.add(h);
  }
  t.ok(small, 'every handle below 2^31');
  const old = [...seen][0];
  t.equal(c.cancel(old), false, 'an old handle of the reused slot cancels nothing');
  t.equal(c.timeOf(old), -1);
  t.equal(seen.size, 2048, 'one slot reused: its generation counts 2048 values');
  t.equal(c.pending, 1);
  t.end();
});

t.test('more than MAX_PENDING pending events: ENOMEM', (t) => {
  const c = new Clock();
  const fn = (): void => {};
  for (let i = 0; i < MAX_PENDING; i++) c.after(i, fn);
  let err: unknown = null;
  try { c.after(0, fn); } catch (e) { err = e; }
  t.ok(err instanceof P9Error, 'a P9Error');
  t.equal((err as P9Error).ename, 'ENOMEM');
  t.match((err as P9Error).detail, /events pending/);
  t.equal(c.pending, MAX_PENDING);
  c.runUntil(10);
  t.ok(c.after(0, fn) >= 0, 'room again once some have run');
  t.end();
});
