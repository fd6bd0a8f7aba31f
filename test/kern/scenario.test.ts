// SPDX-License-Identifier: GPL-2.0-or-later
//
// The scenario the devices will run: two MCPs fighting over provisioned cores, with a
// timely nice yield and with a victim that ignores the warning (revoked at the deadline).

import t from 'tap';
import { checked, HOST } from './helpers.js';
import { formatEvent } from '../../kern/events.js';
import type { Kernel } from '../../kern/kernel.js';

const MS = 1_000_000;

function setup(t: any): { k: Kernel; A: number; B: number } {
  const k = checked({ ncores: 16, graceNs: 0 });
  const A = k.createMcp('alice', 'a');
  const B = k.createMcp('bob', 'b');
  k.cores('alice', A, 4);
  t.equal(k.status(A).granted, 4, 'A granted 4');
  t.equal(k.status(A).provisioned, 4, 'A provisioned 4');
  k.want('bob', B, 15);
  t.equal(k.status(B).granted, 11, 'B gets the other 11 CG cores');
  k.want('alice', A, 2);
  const aCores = k.granted(A);
  k.yield('alice', A, 3);
  k.yield('alice', A, 2);
  t.equal(k.status(A).granted, 2, 'ordinary yields succeed while wanted < granted');
  t.equal(k.status(B).granted, 11, 'no poke on yield');
  k.step(HOST, 10 * MS);   // the tick
  t.equal(k.status(B).granted, 13, 'B borrows the two provisioned-but-idle cores at the next pass');
  t.same(k.idleList(), []);
  k.setGrace(HOST, 200 * MS);
  // the warnings are what this scenario reads: register for them (a parlib program does
  // not, and send_kernel_event drops an unregistered type)
  k.ev('bob', B, 'EV_PREEMPT_PENDING', 'ucq');
  k.mailbox(B).take();
  k.want('alice', A, 4);
  t.equal(k.status(A).granted, 2, 'A waits for the warned cores');
  t.equal(k.status(B).preempt_pending, 2, 'two of B vcores warned');
  void aCores;
  return { k, A, B };
}

t.test('timely nice yield hands the core over at once', (t) => {
  const { k, A, B } = setup(t);
  const evs = k.mailbox(B).take().map(formatEvent);
  t.equal(evs.length, 2);
  const deadline = k.now() + 200 * MS;
  const vcs: number[] = [];
  for (const e of evs) {
    const m = /^\d+ (\d+) EV_PREEMPT_PENDING arg1=(\d+) arg2=0 arg3=0 arg4=0 x_deadline=(\d+)$/.exec(e);
    t.ok(m, e);
    t.equal(Number(m![3]), deadline);
    vcs.push(Number(m![2]));
  }
  k.step(HOST, 50 * MS);
  for (const v of vcs) k.yield('bob', B, v, true);
  t.equal(k.status(A).granted, 4, 'A gets both cores at once');
  t.equal(k.status(B).granted, 11);
  t.same(k.mailbox(B).take(), [], 'no EV_VCORE_PREEMPT');
  k.step(HOST, 300 * MS);
  t.equal(k.status(A).granted, 4);
  t.equal(k.status(B).granted, 11);
  const st = k.procStat(B);
  t.equal(st.warned, 2); t.equal(st.yielded_in_time, 2); t.equal(st.forced, 0);
  t.end();
});

t.test('ignored warning is forced at exactly the deadline', (t) => {
  const { k, A, B } = setup(t);
  const T = k.now() + 200 * MS;
  k.mailbox(B).take();
  k.step(HOST, 200 * MS - 1);
  t.equal(k.status(A).granted, 2, 'not yet at T-1');
  const before = k.log.next;
  k.step(HOST, 1);
  t.equal(k.status(A).granted, 4, 'revoked and granted at T');
  t.equal(k.status(B).granted, 11);
  const revokes = k.log.since(before).filter((r) => r.kind === 'revoke');
  t.equal(revokes.length, 2);
  for (const r of revokes) t.equal(r.t, T);
  const evs = k.mailbox(B).take().map(formatEvent);
  t.equal(evs.length, 2);
  for (const e of evs) t.match(e, new RegExp(`^\\d+ ${T} EV_VCORE_PREEMPT arg1=0 arg2=\\d+ arg3=0 arg4=0 x_pcore=\\d+$`));
  const st = k.procStat(B);
  t.equal(st.warned, 2); t.equal(st.yielded_in_time, 0); t.equal(st.forced, 2);
  // kill A: its cores go idle, B takes them at the next pass, A is reaped
  k.kill(HOST, A);
  t.equal(k.status(A).state, 'DYING_ABORT');
  t.equal(k.idleList().length, 4);
  t.same(k.waitRecord(A), { pid: A, code: 1337, reason: 'killed' });
  k.reap('alice', A);
  t.notOk(k.pids().includes(A));
  k.step(HOST, 10 * MS);
  t.equal(k.status(B).granted, 15);
  t.end();
});
