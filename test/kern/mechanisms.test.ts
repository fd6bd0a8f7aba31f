// SPDX-License-Identifier: GPL-2.0-or-later
//
// One test per mechanism, each from a fact in reference/akaros.md.

import t from 'tap';
import { checked, errno, HOST } from './helpers.js';
import { formatEvent } from '../../kern/events.js';
import { isLegal, CREATED, RUNNING_M, RUNNABLE_S } from '../../kern/types.js';
import { Clock } from '../../kern/clock.js';
import { ClockDriver } from '../../kern/driver.js';

const MS = 1_000_000;

t.test('§1.2 legal transitions only', (t) => {
  t.ok(isLegal(CREATED, RUNNABLE_S));
  t.notOk(isLegal(CREATED, RUNNING_M));
  const k = checked();
  const p = k.createScp('u');
  t.equal(errno(() => k.changeToM('u', p)), 'EINVAL', 'change-to-m only from RUNNING_S');
  k.run('u', p);
  t.equal(k.status(p).state, 'RUNNING_S', 'runs at once on the idle LL core');
  t.equal(errno(() => k.run('u', p)), 'EINVAL', 'run only from CREATED');
  k.changeToM('u', p);
  t.equal(k.status(p).state, 'RUNNABLE_M');
  t.end();
});

t.test('pids round robin from 1, name <= 19 bytes, owner checks', (t) => {
  const k = checked();
  const a = k.createMcp('u'), b = k.createMcp('u');
  t.same([a, b], [1, 2]);
  k.kill('u', a); k.reap('u', a);
  t.equal(k.createMcp('u'), 3, 'the cursor moves on; freed pids are not reused at once');
  t.equal(errno(() => k.setName('u', b, 'x'.repeat(20))), 'EINVAL');
  k.setName('u', b, 'x'.repeat(19));
  t.equal(errno(() => k.want('mallory', b, 1)), 'EPERM');
  k.want(HOST, b, 1);
  t.equal(errno(() => k.setGrace('u', 1)), 'EPERM', '/core is host-owner only');
  t.equal(errno(() => k.want('u', 99, 1)), 'ESRCH');
  t.equal(errno(() => k.want('u', b, 16)), 'ERANGE', 'wanted > max_vcores is ERANGE, not reset to 1');
  t.match(k.status(b).lasterr, /want 16/);
  t.end();
});

t.test('SCPs round robin on the LL core on the tick', (t) => {
  const k = checked();
  const a = k.createScp('u'), b = k.createScp('u');
  k.run('u', a); k.run('u', b);
  t.equal(k.status(a).state, 'RUNNING_S'); t.equal(k.status(b).state, 'RUNNABLE_S');
  k.step(HOST, 10 * MS);
  t.equal(k.status(a).state, 'RUNNABLE_S'); t.equal(k.status(b).state, 'RUNNING_S');
  k.step(HOST, 10 * MS);
  t.equal(k.status(a).state, 'RUNNING_S');
  t.end();
});

t.test('change-to-m: no core until the next ksched pass; wanted 0 means none', (t) => {
  const k = checked();
  const p = k.createScp('u'); k.run('u', p);
  k.want('u', p, 2);
  k.changeToM('u', p);
  t.equal(k.status(p).granted, 0, 'no poke at change-to-m');
  k.step(HOST, 10 * MS);
  t.equal(k.status(p).granted, 2);
  const q = k.createMcp('u');
  k.step(HOST, 50 * MS);
  t.equal(k.status(q).granted, 0, 'wanted 0: the ksched skips it');
  t.end();
});

t.test('FCFS: ascending, dealloc to tail; most recently yielded vcore handed out next', (t) => {
  const k = checked({ ncores: 8 });
  const p = k.createMcp('u');
  k.want('u', p, 4);
  t.same(k.granted(p), [1, 2, 3, 4]);
  t.same(k.idleList(), [5, 6, 7]);
  k.want('u', p, 2);
  k.yield('u', p, 1);   // pcore 2
  k.yield('u', p, 3);   // pcore 4
  t.same(k.idleList(), [5, 6, 7, 2, 4], 'freed cores at the tail');
  k.want('u', p, 3);
  const rows = k.vcoreRows(p);
  t.equal(rows[3].state, 'online', 'vcore 3, the last yielded, is the next one started');
  t.equal(rows[3].pcore, 5);
  t.equal(rows[1].state, 'inactive');
  t.end();
});

t.test('PACKED: dealloc to head, picks near its other cores', (t) => {
  const k = checked({ ncores: 16, policy: 'packed', topology: { sockets: 2, numa: 2, ht: true } });
  const p = k.createMcp('u');
  k.want('u', p, 2);
  const g = k.granted(p);
  t.equal(k.coreStatus(g[0]).socket, k.coreStatus(g[1]).socket, 'same socket');
  const q = k.createMcp('u');
  k.want('u', q, 1);
  t.not(k.coreStatus(k.granted(q)[0]).numa, k.coreStatus(g[0]).numa, 'a new proc starts on the least loaded node');
  k.want('u', p, 1);
  k.yield('u', p, 1);
  t.equal(k.idleList()[0], g[1], 'freed core at the idle head');
  t.end();
});

t.test('yield rules (§1.8)', (t) => {
  const k = checked({ ncores: 8 });
  const p = k.createMcp('u');
  k.want('u', p, 2);
  t.equal(errno(() => k.yield('u', p, 0)), 'EAGAIN', 'ordinary yield fails while wanted >= granted');
  t.equal(errno(() => k.yield('u', p, 0, true)), 'EAGAIN', 'a nice yield without a pending warning fails');
  t.equal(errno(() => k.yield('u', p, 5)), 'EINVAL', 'vcore not online');
  k.ev('u', p, 'EV_USER_IPI', 'ucq', 'ipi');
  k.want('u', p, 0);
  k.notify('u', p, 'EV_USER_IPI', [1, 2, 3, 4]);
  t.equal(errno(() => k.yield('u', p, 0)), 'EAGAIN', 'notif_pending blocks an ordinary yield');
  // the line names Akaros's event_msg fields (ev_arg1..4) as arg1..arg4
  t.match(formatEvent(k.mailbox(p).take()[0]), /EV_USER_IPI arg1=1 arg2=2 arg3=3 arg4=4$/);
  k.yield('u', p, 0);
  t.equal(k.status(p).wanted, 0, 'the kernel never lowers wanted');
  k.yield('u', p, 1);
  t.equal(k.status(p).state, 'WAITING', 'last vcore yield -> WAITING');
  k.want('u', p, 1);
  t.equal(k.status(p).state, 'RUNNING_M', 'want wakes a WAITING MCP');
  t.end();
});

t.test('provisioning: prov/unprov errors, lazy revocation only when the owner wants more', (t) => {
  const k = checked({ ncores: 8 });
  const a = k.createMcp('u'), b = k.createMcp('u');
  t.equal(errno(() => k.prov('u', a, [0])), 'EBUSY', 'LL core');
  t.equal(errno(() => k.prov('u', a, [8])), 'ENXIO');
  k.prov('u', a, [3]);
  t.equal(errno(() => k.prov('u', b, [3])), 'EBUSY', 'provisioned to another');
  t.equal(errno(() => k.prov('u', b, [3], true)), 'EPERM', 'force is host-owner only');
  t.equal(errno(() => k.unprov('u', b, [3])), 'EINVAL');
  k.want('u', b, 7);
  t.same(k.granted(b), [1, 2, 3, 4, 5, 6, 7], 'provisioned-but-idle cores are lent');
  k.step(HOST, 30 * MS);
  t.equal(k.status(b).granted, 7, 'provisioning alone does not move a core');
  k.want('u', a, 1);
  t.same(k.granted(a), [3], 'grace 0: taken at once when the owner wants it');
  // B's EV_PREEMPT_PENDING is dropped (parlib registers no ev_q for it, send_kernel_event
  // drops it), so EV_VCORE_PREEMPT comes first: arg2 = the vcore, the pcore an extension
  t.match(formatEvent(k.mailbox(b).take()[0]), /EV_VCORE_PREEMPT arg1=0 arg2=2 arg3=0 arg4=0 x_pcore=3$/);
  k.prov(HOST, b, [3], true);
  t.same(k.provList(b), [3]); t.same(k.provList(a), []);
  k.unprov('u', b, 'all');
  t.same(k.provList(b), []);
  t.end();
});

t.test('cores N: all or nothing, ENOSPC with the numbers', (t) => {
  const k = checked({ ncores: 8 });
  const a = k.createMcp('u'), b = k.createMcp('u');
  k.cores('u', a, 5);
  t.equal(k.status(a).provisioned, 5);
  const e = (() => { try { k.cores('u', b, 3); } catch (x) { return x as { ename: string; detail: string }; } })();
  t.equal(e?.ename, 'ENOSPC'); t.equal(e?.detail, 'cores 3: 2 cores free to provision');
  t.equal(k.status(b).provisioned, 0, 'nothing changed');
  t.equal(errno(() => k.cores('u', b, 8)), 'ERANGE');
  k.cores('u', a, 2);
  t.equal(k.status(a).provisioned, 2);
  k.cores('u', a, 0);
  t.equal(k.status(a).provisioned, 0);
  t.equal(k.status(a).wanted, 0);
  t.end();
});

t.test('last vcore preempted: no EV_VCORE_PREEMPT, RUNNABLE_M', (t) => {
  const k = checked({ ncores: 2 });
  const a = k.createMcp('u'), b = k.createMcp('u');
  k.want('u', b, 1);
  // EV_PREEMPT_PENDING reaches only a process that registered for it (a parlib program
  // does not; it polls the vcoremap)
  k.ev('u', b, 'EV_PREEMPT_PENDING', 'ucq');
  k.prov('u', a, [1]);
  k.want('u', a, 1);
  t.equal(k.status(b).state, 'RUNNABLE_M');
  const evs = k.mailbox(b).take().map(formatEvent);
  t.equal(evs.length, 1); t.match(evs[0], /EV_PREEMPT_PENDING arg1=0 arg2=0 arg3=0 arg4=0 x_deadline=0$/);
  t.end();
});

t.test('core offline revokes; online returns it', (t) => {
  const k = checked({ ncores: 4 });
  const a = k.createMcp('u');
  k.want('u', a, 3);
  k.coreOffline(HOST, 2);
  t.same(k.granted(a), [1, 3]);
  t.equal(k.coreStatus(2).state, 'offline');
  t.equal(errno(() => k.coreOffline(HOST, 0)), 'EBUSY');
  k.coreOnline(HOST, 2);
  k.step(HOST, 10 * MS);
  t.same(k.granted(a), [1, 2, 3]);
  t.end();
});

t.test('events: bitmap and ceq kinds, indir throttling, wakeup, unknown type', (t) => {
  const k = checked();
  const p = k.createMcp('u');
  k.ev('u', p, 'EV_USER_IPI', 'bitmap');
  k.ev('u', p, 'EV_FREE_APPLE_PIE', 'bitmap');
  k.notify('u', p, 9); k.notify('u', p, 5); k.notify('u', p, 5);
  const bm = k.mailbox(p).take().map(formatEvent);
  t.equal(bm.length, 2);
  t.match(bm[0], /EV_USER_IPI$/); t.match(bm[1], /EV_FREE_APPLE_PIE$/);
  k.ev('u', p, 'EV_SYSCALL', 'ceq');
  k.notify('u', p, 'EV_SYSCALL', [0, 1, 7]); k.notify('u', p, 'EV_SYSCALL', [0, 4, 8]);
  t.match(formatEvent(k.mailbox(p).take()[0]), /EV_SYSCALL arg1=0 arg2=5 arg3=8 arg4=0 x_n=2$/);
  k.ev('u', p, 'EV_USER_IPI', 'ucq', 'indir');
  k.notify('u', p, 5); k.notify('u', p, 5);
  const ind = k.mailbox(p).take().map(formatEvent);
  t.equal(ind.filter((x) => /EV_EVENT/.test(x)).length, 1, 'one INDIR until consumed');
  t.equal(errno(() => k.notify('u', p, 'EV_BOGUS')), 'EINVAL');
  t.equal(errno(() => k.ev('u', p, 5, 'ucq', 'bogus')), 'EINVAL');
  let woke = 0;
  k.mailbox(p).subscribe(() => woke++);
  k.notify('u', p, 5);
  t.ok(woke >= 1, 'subscribers fire on post');
  t.end();
});

t.test('death: wait record, SIGCHLD to the parent, mailbox EOF, listeners', (t) => {
  const k = checked({ zombieNs: 1000 });
  const parent = k.createMcp('u');
  const child = k.createScp('u', 'kid', parent);
  const mb = k.mailbox(child);
  let rec: unknown = null;
  k.onExit(child, (r) => { rec = r; });
  k.kill('u', child, 3);
  t.same(rec, { pid: child, code: 3, reason: 'killed' });
  t.ok(mb.closed); t.equal(mb.size, 0);
  // Akaros's EV_POSIX_SIGNAL carries the signal in arg1 only; the child pid is ours
  t.match(formatEvent(k.mailbox(parent).take()[0]), new RegExp(`EV_POSIX_SIGNAL arg1=17 arg2=0 arg3=0 arg4=0 x_pid=${child}$`));
  t.ok(k.pids().includes(child), 'listed until reaped');
  k.step(HOST, 1000);
  t.notOk(k.pids().includes(child), 'auto-reaped after zombieNs');
  t.same(k.waitRecord(child), { pid: child, code: 3, reason: 'killed' });
  t.end();
});

t.test('alarms fire EV_ALARM, periodic without drift', (t) => {
  const k = checked();
  const p = k.createMcp('u');
  const id = k.alarmCreate('u', p);
  // dev/alarm.c: period and timer are separate writes; a timer write keeps the period
  k.alarmPeriod('u', p, id, 3 * MS);
  k.alarmTimer('u', p, id, 5 * MS);
  k.step(HOST, 12 * MS);
  const ev = k.mailbox(p).take().map(formatEvent);
  t.same(ev.map((e) => e.split(' ')[1]), ['5000000', '8000000', '11000000']);
  // arg2 = the fired tap filter (WRITTEN 0x4 for parlib's timer tap), arg3 = the alarm id
  t.match(ev[2], /EV_ALARM arg1=0 arg2=4 arg3=0 arg4=0 x_count=3$/);
  t.end();
});

t.test('clock: order, cancel, and the driver with injected time', (t) => {
  const c = new Clock();
  const out: number[] = [];
  c.schedule(5, () => out.push(5)); const h = c.schedule(3, () => out.push(3));
  c.schedule(5, () => out.push(55)); c.schedule(1, () => out.push(1));
  t.ok(c.cancel(h)); t.notOk(c.cancel(h));
  c.runUntil(10);
  t.same(out, [1, 5, 55]); t.equal(c.now, 10);
  let real = 0n; const timers: (() => void)[] = [];
  const d = new ClockDriver(c, { nowReal: () => real, setTimer: (fn) => { timers.push(fn); return fn; }, clearTimer: () => {} });
  c.schedule(1_000_010, () => out.push(99));
  d.resume(); d.setSpeed(2);
  real += 600_000n;
  timers[timers.length - 1]();
  t.equal(out.at(-1), 99, 'virtual runs at 2x the injected wall clock');
  t.equal(d.status().mode, 'running');
  d.pause(); d.step(5);
  t.equal(d.status().now, c.now);
  t.end();
});
