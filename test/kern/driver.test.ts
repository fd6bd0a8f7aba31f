// SPDX-License-Identifier: GPL-2.0-or-later
//
// The real-time driver's waiting: it polls (the injected `soon`) when the next event is
// due within POLL_MS of real time, sleeps on a whole-ms timer when it is further, and its
// lag is how late the earliest due event was when it woke.

import t from 'tap';
import { Clock } from '../../kern/clock.js';
import { ClockDriver, POLL_MS, TURN_EVENTS } from '../../kern/driver.js';

function rig() {
  const c = new Clock();
  let real = 0n;
  const timers: { fn: () => void; ms: number }[] = [];
  const polls: (() => void)[] = [];
  const d = new ClockDriver(c, {
    nowReal: () => real,
    setTimer: (fn, ms) => { const h = { fn, ms }; timers.push(h); return h; },
    clearTimer: (h) => { const i = timers.indexOf(h as never); if (i >= 0) timers.splice(i, 1); },
    soon: (fn) => { polls.push(fn); },
  });
  return { c, d, timers, polls, adv: (ns: number) => { real += BigInt(ns); } };
}

t.test('a sparse clock sleeps on a timer rounded up to whole ms; a near event is polled for', (t) => {
  const { c, d, timers, polls, adv } = rig();
  const ran: number[] = [];
  c.schedule(5_500_000, () => ran.push(c.now));
  d.resume();
  t.equal(polls.length, 0);
  t.same(timers.map((x) => x.ms), [6], '5.5 ms away: a 6 ms timer, not a poll');
  adv(5_000_000);                       // the timer fired early (a stale loop clock)
  timers.shift()!.fn();
  t.same(ran, [], 'not due yet');
  t.equal(timers.length, 0);
  t.equal(polls.length, 1, 'due within POLL_MS: polls');
  adv(600_000);
  polls.shift()!();
  t.same(ran, [5_500_000]);
  t.equal(d.lag, 100_000, 'lag: the event ran 0.1 ms late');
  t.equal(polls.length + timers.length, 0, 'nothing left to wait for');
  t.end();
});

t.test('a dense clock is polled; each poll runs what is due and lag is its lateness', (t) => {
  const { c, d, polls, timers, adv } = rig();
  let n = 0;
  const tick = (): void => { n++; c.schedule(c.now + 10_000, tick); };   // every 10 us
  c.schedule(10_000, tick);
  d.resume();
  t.equal(polls.length, 1);
  t.equal(timers.length, 0);
  adv(35_000);
  polls.shift()!();
  t.equal(n, 3, 'the events due by 35 us');
  t.equal(d.lag, 25_000, 'the first of them was 25 us late');
  t.equal(polls.length, 1, 'one poll pending, never more');
  c.schedule(c.now + 1, () => {});     // an earlier event while polling: no second poll
  t.equal(polls.length, 1);
  d.pause();
  polls.shift()!();                     // a stale poll after pause does nothing
  t.equal(n, 3);
  t.equal(polls.length + timers.length, 0);
  t.ok(POLL_MS >= 1, 'the poll window covers a timer granularity');
  t.end();
});

t.test('a backlog is caught up in polls of at most TURN_EVENTS events', (t) => {
  const { c, d, polls, adv } = rig();
  let n = 0;
  const tick = (): void => { n++; c.schedule(c.now + 1000, tick); };
  c.schedule(1000, tick);
  d.resume();
  adv(3 * TURN_EVENTS * 1000 + 500);
  let turns = 0;
  while (n < 3 * TURN_EVENTS && turns < 10) {
    t.equal(polls.length, 1, 'one poll pending');
    const before = n;
    polls.shift()!();
    turns++;
    t.equal(n - before, TURN_EVENTS, 'a full turn');
    if (n < 3 * TURN_EVENTS) t.ok(d.lag > 0, 'behind while the backlog lasts');
  }
  t.equal(turns, 3);
  polls.shift()!();
  t.equal(n, 3 * TURN_EVENTS, 'the next event is not due yet');
  t.equal(d.lag, 0, 'the backlog gone, the lag with it');
  t.end();
});
