// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel behaviours kern/FIDELITY.md cites, each against the Akaros rule it names
// (brho/akaros fe07b94): yield and notif_pending, the default event registrations of a
// parlib program and the drop of everything else, spam_public_msg's choice, bulk and
// single-core preemption, change_vcore and EV_CHECK_MSGS, notif_disabled contexts,
// parlib's vcore_request_total / vcore_yield, and #alarm's timer/period/count.

import t from 'tap';
import { checked, errno, HOST } from './helpers.js';
import { formatEvent } from '../../kern/events.js';
import type { Kernel } from '../../kern/kernel.js';

const MS = 1_000_000;

const lines = (k: Kernel, pid: number) => k.mailbox(pid).take().map(formatEvent).map((l) => l.replace(/^\d+ \d+ /, ''));
const row = (k: Kernel, pid: number, vc: number) => k.vcoreRows(pid)[vc];

t.test('proc_yield: a warned vcore is still refused while notif_pending, and loses its warning', (t) => {
  // process.c:proc_yield: preempt_pending is cleared first (and skips the amt_wanted test),
  // then notif_pending refuses the yield; the cleared warning makes a later nice yield fail.
  const k = checked({ ncores: 8, graceNs: 200 * MS });
  const A = k.createMcp('u'), B = k.createMcp('u');
  k.want('u', B, 7);
  k.prov('u', A, [3]);
  const vc = k.coreStatus(3).vcore;
  k.ev('u', B, 'EV_USER_IPI', 'ucq', 'ipi', vc);
  k.want('u', A, 1);
  t.equal(row(k, B, vc).preempt_deadline, 200 * MS, 'warned');
  k.notify('u', B, 'EV_USER_IPI');
  t.equal(errno(() => k.yield('u', B, vc, true)), 'EAGAIN', 'notif_pending refuses the nice yield');
  t.equal(row(k, B, vc).preempt_deadline, 0, 'preempt_pending was cleared before the check');
  k.mailbox(B).take();
  t.equal(errno(() => k.yield('u', B, vc, true)), 'EAGAIN', 'no warning left for a nice yield');
  k.step(HOST, 200 * MS);
  t.same(k.granted(A), [3], 'the take-back still happens at the deadline (our grace extension)');
  t.end();
});

t.test('proc_yield of an SCP: refused while notif_pending unless nice', (t) => {
  // process.c:proc_yield, RUNNING_S: not nice -> WAITING and straight back to RUNNING_S if
  // VCPD 0's notif_pending is set (a returning syscall); a nice yield does not look.
  const k = checked();
  const p = k.createScp('u');
  k.run('u', p);
  k.notify('u', p, 'EV_FREE_APPLE_PIE');   // parlib's SPAM_PUBLIC registration: VCPD 0
  t.equal(errno(() => k.yield('u', p, 0)), 'EAGAIN');
  t.equal(k.status(p).state, 'RUNNING_S');
  k.yield('u', p, 0, true);
  t.equal(k.status(p).state, 'RUNNING_S', 'nice: WAITING, woken at once, running again');
  t.same(lines(k, p), ['EV_FREE_APPLE_PIE arg1=0 arg2=0 arg3=0 arg4=0']);
  k.yield('u', p, 0);
  t.equal(k.status(p).state, 'WAITING', 'messages handled: the yield goes through');
  t.end();
});

t.test('default registrations: what a parlib program gets; everything else dropped', (t) => {
  const k = checked({ ncores: 8 });
  const reg = (pid: number) => k.evqs(pid).map((r) => `${r.type} ${r.mbox} ${r.flags.join(',')} ${r.vcore}`);
  const A = k.createMcp('u');
  // uthread_mcp_init (3, 11), init_posix_signals (12), uthread_2ls_init (9), pth_sched_init (5)
  t.same(reg(A), [
    '3 ucq ipi,spam_public,vcore_must_run,vcore_appro,wakeup 0',
    '5 ucq ipi,vcore_private 0',
    '9 ucq ipi,spam_public,wakeup 0',
    '11 ucq ipi,spam_public,vcore_must_run,vcore_appro,wakeup 0',
    '12 ucq ipi,indir,spam_indir,wakeup 0',
  ]);
  // send_kernel_event drops a type with no ev_q: EV_GANG_RETURN and EV_PREEMPT_PENDING
  k.notify('u', A, 'EV_GANG_RETURN');
  k.notify('u', A, 'EV_PREEMPT_PENDING', [1]);
  t.same(lines(k, A), []);
  // an SCP (thread0 before change-to-m) has 9 and 12; `m` adds 3 and 11 and wants 1 core
  const S = k.createScp('u');
  t.same(k.evqs(S).map((r) => r.type), [9, 12]);
  k.run('u', S);
  k.ev('u', S, 'EV_CHECK_MSGS', 'off');     // an explicit choice survives change-to-m
  k.changeToM('u', S);
  t.same(k.evqs(S).map((r) => `${r.type} ${r.mbox}`), ['3 ucq', '9 ucq', '11 off', '12 ucq']);
  t.equal(k.status(S).wanted, 1, '__sched_proc_change_to_m: amt_wanted 0 becomes 1');
  k.step(HOST, 10 * MS);
  t.equal(k.status(S).granted, 1);
  // EV_POSIX_SIGNAL (INDIR, SPAM_INDIR, WAKEUP) wakes a WAITING parent
  const P = k.createMcp('u');
  const kid = k.createScp('u', 'kid', P);
  k.want('u', P, 1);
  k.want('u', P, 0);
  k.yield('u', P, 0);
  t.equal(k.status(P).state, 'WAITING');
  k.kill('u', kid);
  t.equal(k.status(P).state, 'RUNNABLE_M', 'woken by SIGCHLD');
  t.same(lines(k, P), [`EV_POSIX_SIGNAL arg1=17 arg2=0 arg3=0 arg4=0 x_pid=${kid}`, 'EV_EVENT arg1=0 arg2=0 arg3=12 arg4=0']);
  t.end();
});

t.test('spam_public_msg: VCORE_MUST_RUN goes to a running vcore, otherwise VC_CAN_RCV_MSG wins', (t) => {
  // event.c:spam_public_msg. The kernel never clears VC_CAN_RCV_MSG, so a preempted vcore
  // can still receive; with MUST_RUN the message goes to a mapped vcore instead.
  const k = checked({ ncores: 8 });
  const A = k.createMcp('u');
  k.want('u', A, 3);                         // v0 1, v1 2, v2 3
  k.corePreempt(HOST, 1);                    // v0: EV_VCORE_PREEMPT arg2=0, hint vcore 0 (APPRO)
  t.match(row(k, A, 1).flags, /N/, 'parlib\'s MUST_RUN registration: the online head, vcore 1');
  t.notMatch(row(k, A, 0).flags, /N/);
  t.same(lines(k, A), ['EV_VCORE_PREEMPT arg1=0 arg2=0 arg3=0 arg4=0 x_pcore=1'], 'reading the events clears notif_pending');
  t.notMatch(row(k, A, 1).flags, /N/);
  const B = k.createMcp('u');
  k.want('u', B, 3);
  k.ev('u', B, 'EV_VCORE_PREEMPT', 'ucq', 'spam_public,vcore_appro');
  k.corePreempt(HOST, k.vcoreRows(B)[0].pcore);
  t.match(row(k, B, 0).flags, /^PRN/, 'without MUST_RUN: the preempted vcore 0, which can still receive');
  t.end();
});

t.test('proc_preempt_all: bulk list reversed, no events until the regrant, then head to tail', (t) => {
  // process.c:proc_preempt_all + __proc_take_allcores (each online vcore, head to tail,
  // to the head of bulk_preempted_vcs), __proc_give_cores_runnable (bulk head first),
  // __send_bulkp_events (the rest, head to tail, each to the inactive head).
  const k = checked({ ncores: 8 });
  const B = k.createMcp('u'), A = k.createMcp('u');
  k.want('u', B, 4);                         // 1-4
  k.want('u', A, 3);                         // v0 5, v1 6, v2 7
  k.preempt('u', A);
  t.equal(k.status(A).state, 'RUNNABLE_M');
  t.same(k.vcoreRows(A).map((r) => r.state), ['preempted', 'preempted', 'preempted']);
  t.same(lines(k, A), [], 'nobody is online to tell');
  t.same(k.idleList(), [5, 6, 7], 'cores back in online order (FCFS: to the tail)');
  t.equal(errno(() => k.preempt('u', A)), 'EINVAL', 'only a RUNNING_M process');
  k.want('u', B, 6);                         // the pass: B (older) takes 5, 6; A gets 7
  t.same(k.granted(B), [1, 2, 3, 4, 5, 6]);
  t.equal(row(k, A, 2).pcore, 7, 'the bulk head, vcore 2, is regranted first');
  t.same(lines(k, A), ['EV_VCORE_PREEMPT arg1=0 arg2=1 arg3=0 arg4=0', 'EV_VCORE_PREEMPT arg1=0 arg2=0 arg3=0 arg4=0']);
  k.want('u', B, 5);
  k.yield('u', B, 5);                        // B gives back core 6
  k.step(HOST, 10 * MS);
  t.equal(row(k, A, 0).pcore, 6, 'vcore 0 was left at the inactive head');
  t.end();
});

t.test('proc_preempt_core on request: warn + revoke at once, no poke; restart resumes vcore context', (t) => {
  const k = checked({ ncores: 8, graceNs: 500 * MS });
  const A = k.createMcp('u');
  k.want('u', A, 3);                         // v0 1, v1 2, v2 3
  k.ev('u', A, 'EV_PREEMPT_PENDING', 'ucq');
  k.preempt('u', A, 1);                      // vcore 1 on core 2: immediate whatever the grace
  const ev = lines(k, A);
  t.equal(ev[0], 'EV_PREEMPT_PENDING arg1=1 arg2=0 arg3=0 arg4=0 x_deadline=0');
  t.equal(ev[1], 'EV_VCORE_PREEMPT arg1=0 arg2=1 arg3=0 arg4=0 x_pcore=2');
  t.same(k.granted(A), [1, 3], 'no poke: the core is not regranted yet');
  t.equal(row(k, A, 1).ctx, 'vc', '__preempt saved its vcore context (it was in vcore context)');
  t.equal(errno(() => k.corePreempt(HOST, 2)), 'EINVAL', 'an idle core runs no vcore');
  t.equal(errno(() => k.corePreempt('u', 1)), 'EPERM', '/core is the host owner\'s');
  const before = k.log.next;
  k.step(HOST, 10 * MS);                     // the tick's pass: the FCFS idle head, core 4
  t.same(k.granted(A), [1, 3, 4]);
  t.ok(k.log.since(before).some((r) => r.kind === 'grant' && /vcore=1 pcore=4 resume$/.test(r.text)), 'vcore 1 resumes where it was');
  k.want('u', A, 1);
  k.preempt('u', A, 0);
  k.preempt('u', A, 1);
  k.preempt('u', A, 2);
  t.equal(k.status(A).state, 'RUNNABLE_M', 'the last vcore preempted: RUNNABLE_M');
  t.notOk(lines(k, A).some((l) => /EV_VCORE_PREEMPT arg1=0 arg2=2/.test(l)), 'no EV_VCORE_PREEMPT when none is left online');
  t.end();
});

t.test('change_vcore and EV_CHECK_MSGS', (t) => {
  // process.c:proc_change_to_vcore; syscall.c:sys_change_vcore.
  const k = checked({ ncores: 8 });
  const A = k.createMcp('u');
  k.want('u', A, 3);                         // v0 1, v1 2, v2 3
  k.preempt('u', A, 2);                      // v2 preempted from core 3
  t.same(lines(k, A), ['EV_VCORE_PREEMPT arg1=0 arg2=2 arg3=0 arg4=0 x_pcore=3']);
  k.changeVcore('u', A, 0, 2);               // v0 hands core 1 to v2, keeping its context
  t.equal(row(k, A, 2).pcore, 1);
  t.equal(row(k, A, 0).state, 'preempted');
  t.equal(row(k, A, 0).ctx, 'vc');
  t.same(lines(k, A), ['EV_VCORE_PREEMPT arg1=0 arg2=0 arg3=0 arg4=0'], 'arg2 = the vcore that left');
  k.changeVcore('u', A, 1, 0, true);         // enable_my_notif: v1 will restart fresh
  t.equal(row(k, A, 0).pcore, 2);
  t.equal(row(k, A, 1).ctx, '-');
  t.equal(row(k, A, 1).flags, 'PR', 'VC_PREEMPTED, notif_disabled cleared');
  t.same(lines(k, A), ['EV_CHECK_MSGS arg1=0 arg2=1 arg3=0 arg4=0']);
  t.equal(k.status(A).granted, 2, 'num_vcores unchanged');
  t.equal(errno(() => k.changeVcore('u', A, 0, 2)), 'EBUSY', 'vcore 2 is mapped');
  t.equal(errno(() => k.changeVcore('u', A, 0, 9)), 'EINVAL', '9 >= max_vcores 7');
  t.equal(errno(() => k.changeVcore('u', A, 1, 3)), 'EINVAL', 'vcore 1 is not running');
  k.notifs('u', A, 2, true);
  t.equal(errno(() => k.changeVcore('u', A, 2, 5)), 'EINVAL', 'from uthread context');
  const B = k.createMcp('u');
  t.equal(errno(() => k.changeVcore('u', B, 0, 1)), 'EAGAIN', 'not RUNNING_M');
  k.changeVcore('u', A, 0, 6);               // any unmapped vcore, even one never used
  t.equal(row(k, A, 6).pcore, 2);
  t.end();
});

t.test('notif_disabled: IPIs and enable_notifs; what a preemption saves', (t) => {
  const k = checked({ ncores: 8 });
  const A = k.createMcp('u');
  k.want('u', A, 1);
  t.equal(row(k, A, 0).flags, 'RD', 'a started vcore is in vcore context and can receive');
  k.notifs('u', A, 0, true);
  t.equal(row(k, A, 0).flags, 'R');
  k.notify('u', A, 'EV_USER_IPI');           // parlib: IPI to vcore 0 -> __notify
  t.equal(row(k, A, 0).flags, 'RND', 'notif_pending; __notify put it back in vcore context');
  k.notifs('u', A, 0, true);                 // enable_notifs re-checks notif_pending
  t.same(lines(k, A), ['EV_USER_IPI arg1=0 arg2=0 arg3=0 arg4=0', 'EV_NONE arg1=0 arg2=0 arg3=0 arg4=0']);
  t.equal(row(k, A, 0).flags, 'RD', 'self-notified back into vcore context');
  k.notifs('u', A, 0, true);
  k.preempt('u', A, 0);
  t.equal(row(k, A, 0).ctx, 'uth', 'preempted with notifications on: the uthread context is saved');
  t.end();
});

t.test('parlib vcore_request_total / vcore_yield', (t) => {
  // vcore.c:vcore_request_total: clamp, only raise, poke when more than granted.
  const k = checked({ ncores: 8 });
  const A = k.createMcp('u');
  k.request('u', A, 99);
  t.equal(k.status(A).wanted, 7, 'clamped to max_vcores, no ERANGE');
  t.equal(k.status(A).granted, 7, 'poked');
  k.want('u', A, 5);
  k.request('u', A, 2);
  t.equal(k.status(A).wanted, 5, 'never lowers amt_wanted');
  // vcore.c:vcore_yield: messages first; then amt_wanted - 1 and sys_yield
  k.want('u', A, 3);
  k.ev('u', A, 'EV_USER_IPI', 'ucq', 'ipi', 1);
  k.notify('u', A, 'EV_USER_IPI');
  t.equal(errno(() => k.vcoreYield('u', A, 1)), 'EAGAIN', 'notif_pending: handle events first');
  t.equal(k.status(A).wanted, 3, 'nothing decremented');
  k.mailbox(A).take();
  k.vcoreYield('u', A, 1);
  t.equal(k.status(A).wanted, 2);
  t.equal(k.status(A).granted, 6, 'wanted 2 < granted 7: the kernel let it go');
  t.notMatch(row(k, A, 1).flags, /R/, 'VC_CAN_RCV_MSG cleared');
  k.vcoreYield('u', A, 0, true);             // nice without a warning: the kernel refuses
  t.match(k.status(A).lasterr, /no preemption pending/, 'the syscall returned: reason in lasterr, no error');
  t.match(row(k, A, 0).flags, /R/, 'VC_CAN_RCV_MSG set again');
  k.request('u', A, 1, true);                // vcore_request_more(1) = num_vcores + 1
  t.equal(k.status(A).wanted, 7);
  t.end();
});

t.test('#alarm: timer keeps period, period from the next firing, count consumed', (t) => {
  // dev/alarm.c: alarmwrite (timer: set_proc_alarm resets count, keeps period; period
  // stored for proc_alarm_handler), read_qcount (returns count, resets it).
  const k = checked();
  const A = k.createMcp('u');
  const a = k.alarmCreate('u', A);
  t.equal(k.alarmCreate('u', A), 1, 'ids 0, 1, ... per process');
  t.equal(k.alarmCreate('u', k.createMcp('u')), 0);
  k.alarmPeriod('u', A, a, 3 * MS);
  k.alarmTimer('u', A, a, 5 * MS);
  k.step(HOST, 12 * MS);                     // fires at 5, 8, 11
  const ev = k.mailbox(A).take().map(formatEvent);
  t.same(ev.map((e) => e.split(' ')[1]), ['5000000', '8000000', '11000000']);
  t.match(ev[2], /EV_ALARM arg1=0 arg2=4 arg3=0 arg4=0 x_count=3$/);
  t.equal(k.alarmTake('u', A, a), 3);
  t.equal(k.alarmTake('u', A, a), 0, 'reading count resets it');
  k.alarmTimer('u', A, a, 20 * MS);          // the period stays 3 ms
  t.same(k.alarm(A, a), { id: a, at: 20 * MS, period: 3 * MS, count: 0 });
  k.step(HOST, 8 * MS);                      // 20
  k.alarmPeriod('u', A, a, 10 * MS);         // 23 is already armed; then 33
  k.step(HOST, 14 * MS);                     // to 34
  t.same(k.mailbox(A).take().map((m) => m.t), [20 * MS, 23 * MS, 33 * MS]);
  t.equal(k.alarm(A, a)!.count, 3);
  k.alarmTimer('u', A, a, 0);
  t.same(k.alarm(A, a), { id: a, at: 0, period: 10 * MS, count: 0 }, 'timer 0 disarms and resets count');
  // one-shot: period 0, timer reads 0 after firing
  k.alarmPeriod('u', A, a, 0);
  k.alarmTimer('u', A, a, 40 * MS);
  k.step(HOST, 10 * MS);
  t.same(k.alarm(A, a), { id: a, at: 0, period: 0, count: 1 });
  t.end();
});

t.test('#alarm: past times fire at once, missed periodic firings fold into one', (t) => {
  const k = checked();
  const A = k.createMcp('u');
  const a = k.alarmCreate('u', A);
  k.step(HOST, 40 * MS);
  k.alarmPeriod('u', A, a, 1 * MS);
  k.alarmTimer('u', A, a, 1);                // Akaros: 40 firings back to back; here one event
  k.step(HOST, 0);
  const ev = k.mailbox(A).take().map(formatEvent);
  t.equal(ev.length, 1);
  t.match(ev[0], /^\d+ 40000000 EV_ALARM .* x_count=40$/);
  t.equal(k.alarm(A, a)!.at, 40 * MS + 1, 'the next firing stays on the period grid');
  t.end();
});

t.test('#alarm: wakes a WAITING MCP, close, death, bounds, errors', (t) => {
  const k = checked();
  const A = k.createMcp('u');
  k.want('u', A, 1); k.want('u', A, 0); k.yield('u', A, 0);
  t.equal(k.status(A).state, 'WAITING');
  const a = k.alarmCreate('u', A);
  k.alarmTimer('u', A, a, 5 * MS);
  k.step(HOST, 5 * MS);
  t.equal(k.status(A).state, 'RUNNABLE_M', 'the alarm service ev_q has EVENT_WAKEUP');
  let told = 0;
  k.onAlarm(A, a, () => told++);
  k.alarmTimer('u', A, a, 10 * MS);
  k.alarmClose('u', A, a);
  t.equal(told, 1, 'listeners hear of the close');
  t.same(k.alarms(A), []);
  k.step(HOST, 10 * MS);
  t.same(k.mailbox(A).take().map(formatEvent).filter((l) => / EV_ALARM .*x_count=1$/.test(l)).length, 1, 'closed: no second firing');
  t.equal(k.alarmCreate('u', A), 1, 'ids are not reused');
  t.equal(errno(() => k.alarmTimer('u', A, a, 1)), 'ENOENT');
  t.equal(errno(() => k.alarmTimer('bob', A, 1, 1)), 'EPERM');
  t.equal(errno(() => k.alarmTimer('u', A, 1, -1)), 'ERANGE');
  k.ev('u', A, 'EV_ALARM', 'off');
  k.alarmTimer('u', A, 1, 30 * MS);
  k.step(HOST, 20 * MS);
  t.same(lines(k, A), [], '`ev EV_ALARM off` untaps');
  t.equal(k.alarm(A, 1)!.count, 1, 'the alarm fired all the same');
  for (let i = 2; i <= 1024; i++) k.alarmCreate('u', A);   // 1024 live: ids 1..1024
  t.equal(errno(() => k.alarmCreate('u', A)), 'ENOSPC', 'at most 1024 live alarms');
  k.alarmTimer('u', A, 5, 100 * MS);
  k.kill('u', A);
  t.same(k.alarms(A), [], 'death releases them');
  t.ok(!k.snapshot().pending || !(k.snapshot().pending as string[]).some((x) => /^alarm/.test(x)), 'and disarms them');
  t.end();
});

t.test('LL cores: never idle-listed, provisioned or granted; max_vcores counts CG cores', (t) => {
  // corerequest.h:is_ll_core, corealloc_*.c:corealloc_init (LL cores skipped), schedule.c:
  // provision_core (EBUSY for an LL core). Several LL cores (--ll) are our extension.
  const k = checked({ ncores: 16, llCores: [0, 8] });
  t.equal(k.machine().maxVcores, 14);
  t.notOk(k.idleList().includes(8));
  const A = k.createMcp('u');
  t.equal(errno(() => k.prov('u', A, [8])), 'EBUSY');
  k.want('u', A, 14);
  t.notOk(k.granted(A).includes(8), 'every CG core but never 8');
  t.equal(k.granted(A).length, 14);
  t.end();
});

t.test('send_event: ROUNDROBIN, IPI only to a mapped vcore, ev_q mailbox posts set no notif_pending', (t) => {
  // event.c:send_event (RR: ev_vcore + 1 mod num_vcores), try_notify (IPI, mapped only),
  // post_ev_msg (no notif_pending) vs post_vc_msg (notif_pending).
  const k = checked({ ncores: 8 });
  const A = k.createMcp('u');
  k.want('u', A, 3);
  const n = () => [0, 1, 2].map((v) => /N/.test(row(k, A, v).flags) ? 1 : 0).join('');
  k.ev('u', A, 'EV_SYSCALL', 'ucq');
  k.notify('u', A, 'EV_SYSCALL');
  t.equal(n(), '000', 'the ev_q\'s own mailbox: no notif_pending');
  k.ev('u', A, 'EV_SYSCALL', 'ucq', 'ipi', 5);
  k.notify('u', A, 'EV_SYSCALL');
  t.equal(n(), '000', 'IPI to vcore 5, not mapped: nothing');
  k.ev('u', A, 'EV_SYSCALL', 'ucq', 'ipi,roundrobin');
  k.notify('u', A, 'EV_SYSCALL');
  t.equal(n(), '010', 'round robin from ev_vcore 0: vcore 1');
  k.notify('u', A, 'EV_SYSCALL');
  t.equal(n(), '011');
  k.notify('u', A, 'EV_SYSCALL');
  t.equal(n(), '111', 'then vcore 0');
  t.end();
});

t.test('serve: no grace unless asked (Akaros revokes at once)', async (t) => {
  // schedule.c:__core_request: "sending no warning time for now - just an immediate preempt"
  const { boot } = await import('../../cmd/boot.js');
  const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'eve' });
  t.teardown(() => m.close());
  t.equal(m.kernel.machine().graceNs, 0);
  const g = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'eve', grace: '10ms' });
  t.teardown(() => g.close());
  t.equal(g.kernel.machine().graceNs, 10_000_000, '--grace is the opt-in extension');
});
