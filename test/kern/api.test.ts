// SPDX-License-Identifier: GPL-2.0-or-later
//
// What devices rely on beyond the commands: refusals arrive as KernelError (already
// recorded), and proc(pid) is the kernel's own object for the process's whole life.

import t from 'tap';
import { checked, HOST } from './helpers.js';
import { KernelError, STATE_NAMES } from '../../kern/index.js';
import { P9Error } from '../../lib/9p/error.js';

const thrown = (fn: () => unknown): unknown => {
  try { fn(); } catch (e) { return e; }
  return undefined;
};

t.test('a refused command is a KernelError, recorded once by the kernel', (t) => {
  const k = checked();
  const p = k.createMcp('u');
  const before = k.log.next;
  const e = thrown(() => k.want('u', p, 99));
  t.ok(e instanceof KernelError, 'KernelError');
  t.ok(e instanceof P9Error, 'and a P9Error');
  t.equal((e as KernelError).ename, 'ERANGE');
  t.equal((e as KernelError).detail, 'want 99: want 0..15 (max_vcores)');
  t.equal(k.status(p).lasterr, 'want 99: want 0..15 (max_vcores)');
  t.same(k.log.since(before).map((r) => r.kind), ['error'], 'one error record');
  const r = thrown(() => k.status(999));
  t.ok(r instanceof P9Error, 'a read of a missing pid fails ESRCH...');
  t.notOk(r instanceof KernelError, '...which is not a refused command');
  t.end();
});

t.test('proc(pid): one read-only object per process, gone once reaped', (t) => {
  const k = checked();
  const a = k.createMcp('u', 'a');
  const v = k.proc(a)!;
  t.equal(v.pid, a);
  t.equal(v.user, 'u');
  t.equal(v.isMcp, true);
  k.want('u', a, 2);
  t.equal(k.proc(a), v, 'the same object after state changes');
  t.equal(STATE_NAMES[v.state], 'RUNNING_M', 'and it shows them');
  k.kill(HOST, a);
  t.equal(k.proc(a), v);
  t.equal(v.dead, true);
  k.reap('u', a);
  t.equal(k.proc(a), undefined, 'reaped: no process');
  t.equal(k.proc(12345), undefined);
  t.end();
});
