// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel's resource bounds (issue 10): the UCQ bound and its overflow record, the
// per-user process limit and the host owner's reserve, clipped error details, the log
// ring bounded by size, names without control characters, the `limit` command, and
// steps and driver turns that run a bounded number of events.

import t from 'tap';
import { checked, errno, HOST } from './helpers.js';
import {
  ClockDriver, Clock, Kernel, DETAIL_MAX, EVQ_MAX, KernelLog, NPROC_MAX, PID_MAX, PID_RESERVE, TURN_EVENTS, clip, formatEvent,
} from '../../kern/index.js';

t.test('clip: one line, at most max UTF-8 bytes, ellipsis when cut', (t) => {
  t.equal(clip('short'), 'short');
  t.equal(clip('a\rb\nc\x00d\x7f\u0085'), 'a\\x0db\\x0ac\\x00d\\x7f\\x85', 'controls are escaped');
  const long = clip('x'.repeat(1 << 20));
  t.equal(Buffer.byteLength(long), DETAIL_MAX);
  t.ok(long.endsWith('…'));
  const wide = clip('é'.repeat(300), 32);
  t.ok(Buffer.byteLength(wide) <= 32);
  t.match(wide, /^é+…$/, 'never half a character');
  const astral = clip('😀'.repeat(100), 20);
  t.ok(Buffer.byteLength(astral) <= 20);
  t.notMatch(astral, /[\ud800-\udbff]…$/, 'never half a surrogate pair');
  t.equal(clip('x'.repeat(DETAIL_MAX)), 'x'.repeat(DETAIL_MAX), 'exactly max is kept');
  t.end();
});

t.test('the log ring is bounded by records and by size', (t) => {
  const log = new KernelLog(100, 10_000);
  for (let i = 0; i < 50; i++) log.add(i, 'note', 'y'.repeat(2000));
  t.ok(log.held <= 10_000, `held ${log.held}`);
  const kept = log.since(0);
  t.ok(kept.length < 50 && kept.length > 0);
  t.equal(kept[kept.length - 1].seq, 49, 'the newest are kept');
  t.equal(log.oldest, kept[0].seq);
  t.ok(kept.every((r) => Buffer.byteLength(r.text) <= 512), 'each record clipped');
  for (let i = 0; i < 1000; i++) log.add(i, 'n', 'z');
  t.equal(log.since(0).length, 100, 'the record bound');
  t.equal(log.since(0)[0].seq, log.next - 100);
  t.end();
});

t.test('a refused command keeps a clipped detail in lasterr and the log', (t) => {
  const k = checked();
  const p = k.createMcp('u');
  t.equal(errno(() => k.setName('u', p, 'x'.repeat(1 << 20))), 'EINVAL');
  const le = k.status(p).lasterr;
  t.ok(Buffer.byteLength(le) <= DETAIL_MAX, 'lasterr clipped');
  t.ok(le.endsWith('…'));
  const rec = k.log.since(0).filter((r) => r.kind === 'error').pop()!;
  t.ok(Buffer.byteLength(rec.text) <= 512, 'error record clipped');
  k.setLasterr(p, 'device\rerror '.repeat(100));
  t.notMatch(k.status(p).lasterr, /\r/, 'no control characters in lasterr');
  t.ok(Buffer.byteLength(k.status(p).lasterr) <= DETAIL_MAX);
  t.end();
});

t.test('names: control characters are EINVAL', (t) => {
  const k = checked();
  const p = k.createMcp('u');
  for (const bad of ['a\rb', 'a\nb', 'a\x00', '\x1b[2J', 'x\x7f', 'x\u0085']) {
    t.equal(errno(() => k.setName('u', p, bad)), 'EINVAL', JSON.stringify(bad));
    t.equal(errno(() => k.createMcp('u', bad)), 'EINVAL', `create ${JSON.stringify(bad)}`);
  }
  k.setName('u', p, 'ok name-1.é');
  t.equal(k.status(p).name, 'ok name-1.é');
  t.end();
});

t.test('UCQ bound: drop the newest, one overflow record at the gap, in order', (t) => {
  const k = checked({ evqMax: 4 });
  const p = k.createMcp('u');
  for (let i = 1; i <= 10; i++) k.notify('u', p, 'EV_USER_IPI', [i]);
  const mb = k.mailbox(p);
  t.equal(mb.size, 5, 'four messages and the overflow record');
  t.equal(mb.lostTotal, 6);
  // event lines print Akaros's event_msg fields as arg1..arg4 (issue 18), no longer a1=
  let got = mb.take(2).map(formatEvent);
  t.match(got[0], / arg1=1 /); t.match(got[1], / arg1=2 /);
  k.notify('u', p, 'EV_USER_IPI', [11]);          // room again: queued after the record
  k.notify('u', p, 'EV_USER_IPI', [12]);          // full again (3, 4, record, 11): a new gap
  k.notify('u', p, 'EV_USER_IPI', [13]);
  got = mb.take().map(formatEvent);
  t.equal(got.length, 5);
  t.match(got[0], / arg1=3 /); t.match(got[1], / arg1=4 /);
  t.match(got[2], /^5 0 EV_OVERFLOW lost=6$/, 'seq of the first lost message, and the count');
  t.match(got[3], / arg1=11 /);
  t.match(got[4], /^\d+ 0 EV_OVERFLOW lost=2$/);
  t.equal(k.procStat(p).events_lost, 8);
  t.equal(EVQ_MAX, 4096, 'the documented default');
  t.equal(k.limits().evq, 4);
  t.end();
});

t.test('UCQ bound: an overflow clears INDIR alerts so EV_EVENT comes again', (t) => {
  const k = checked({ evqMax: 2 });
  const p = k.createMcp('u');
  k.ev('u', p, 'EV_ALARM', 'bitmap', 'indir');
  k.notify('u', p, 'EV_USER_IPI');
  k.notify('u', p, 'EV_USER_IPI');
  k.notify('u', p, 'EV_ALARM');                   // its EV_EVENT is dropped: the queue is full
  const mb = k.mailbox(p);
  const got = mb.take().map(formatEvent);
  t.ok(got.some((l) => / EV_OVERFLOW lost=1$/.test(l)));
  k.notify('u', p, 'EV_ALARM');
  // EV_EVENT names the ev_q with news in arg3, as Akaros's event_msg does (issue 18): 7 = EV_ALARM
  t.ok(mb.take().map(formatEvent).some((l) => / EV_EVENT arg1=0 arg2=0 arg3=7 arg4=0$/.test(l)), 'not throttled forever');
  t.end();
});

t.test('processes per user: EAGAIN at the limit, zombies count until reaped, host owner exempt', (t) => {
  const k = checked({ nprocMax: 3, zombieNs: 0 });
  const a = [k.createMcp('u'), k.createScp('u'), k.createMcp('u')];
  t.equal(errno(() => k.createMcp('u')), 'EAGAIN');
  t.match(k.log.since(0).filter((r) => r.kind === 'error').pop()!.text, /u has 3 processes \(limit 3/);
  t.equal(errno(() => k.createScp('u')), 'EAGAIN', 'SCPs too');
  k.createMcp('v');
  k.createMcp(HOST); k.createMcp(HOST); k.createMcp(HOST); k.createMcp(HOST);
  k.kill('u', a[0]);
  t.equal(errno(() => k.createMcp('u')), 'EAGAIN', 'a zombie still counts');
  k.reap('u', a[0]);
  k.createMcp('u');
  t.equal(errno(() => k.createMcp('u')), 'EAGAIN');
  k.setLimit(HOST, 'nproc', 5);
  k.createMcp('u');
  t.equal(k.limits().nproc, 5);
  t.equal(errno(() => k.setLimit('u', 'nproc', 100)), 'EPERM');
  t.equal(errno(() => k.setLimit(HOST, 'nproc', 0)), 'ERANGE');
  t.equal(errno(() => k.setLimit(HOST, 'evq', 1 << 21)), 'ERANGE');
  t.equal(NPROC_MAX, 1024, 'the documented default');
  t.end();
});

t.test('the last PID_RESERVE pids are the host owner\'s', (t) => {
  const k = new Kernel({ hostowner: HOST, nprocMax: PID_MAX, zombieNs: 0 });   // unchecked: 32k creates
  const users = ['a', 'b', 'c', 'd'];
  let made = 0;
  for (let i = 0; made < PID_MAX - PID_RESERVE; i++) { k.createScp(users[i % 4]); made++; }
  t.equal(errno(() => k.createScp('e')), 'EAGAIN', 'a fresh user is refused');
  t.ok(k.createScp(HOST) > 0, 'the host owner is not');
  t.end();
});

t.test('step with maxEvents stops early and says how far it got', (t) => {
  const k = checked({ tickNs: 1000 });
  const adv = k.step(HOST, 1_000_000, 100);
  t.equal(adv, 100 * 1000, 'stopped after 100 ticks');
  t.equal(k.now(), 100_000);
  t.equal(k.step(HOST, 1_000_000 - adv), 900_000, 'the rest');
  t.equal(errno(() => k.step(HOST, Number.MAX_SAFE_INTEGER)), 'ERANGE', 'past 2^53 ns');
  t.equal(errno(() => k.step(HOST, 10, 0)), 'ERANGE');
  t.end();
});

t.test('the driver runs at most TURN_EVENTS events per turn and reports the backlog as lag', (t) => {
  const c = new Clock();
  let n = 0;
  const tick = (): void => { n++; c.schedule(c.now + 1000, tick); };
  c.schedule(1000, tick);
  let real = 0n;
  const timers: { fn: () => void; ms: number }[] = [];
  const d = new ClockDriver(c, { nowReal: () => real, setTimer: (fn, ms) => { const h = { fn, ms }; timers.push(h); return h; }, clearTimer: (h) => { const i = timers.indexOf(h as never); if (i >= 0) timers.splice(i, 1); } });
  d.resume();
  real += 100_000_000n;                 // 100 ms of real time: 100000 events due
  d.sync();
  t.equal(n, TURN_EVENTS, 'one sync runs one turn');
  t.ok(d.status().lag > 0, 'behind real time');
  t.equal(n, 2 * TURN_EVENTS, 'status syncs too: one more turn');
  t.equal(timers.length, 1);
  t.equal(timers[0].ms, 0, 'a 0 ms timer continues the catch-up in a later turn');
  let turns = 0;
  while (timers.length && n < 100_000) { const h = timers.shift()!; const before = n; h.fn(); t.ok(n - before <= TURN_EVENTS); turns++; }
  t.equal(n, 100_000, 'caught up in the end');
  t.ok(turns >= Math.floor(100_000 / TURN_EVENTS) - 2);
  t.equal(c.now, 100_000_000);
  d.sync();
  t.equal(d.lag, 0, 'no backlog left');
  t.end();
});
