// SPDX-License-Identifier: GPL-2.0-or-later
//
// Per-process alarms, as Akaros's #alarm (kern/drivers/dev/alarm.c) runs them: ids 0, 1,
// ... per process, never reused; `timer` is an absolute wake-up time (0 disarms; a past
// time fires at once) and writing it resets count and keeps period; `period` (0 = one-shot)
// is read at the next firing; a firing does count++, then at = 0 (one-shot) or at +=
// period (absolute, no drift), and posts EV_ALARM (arg2 = 4, the WRITTEN tap filter; arg3
// = the id) through the process's EV_ALARM registration, as if parlib's alarm service had
// tapped the timer. Reading count consumes it (take). Differences, all documented in
// kern/FIDELITY.md: a periodic alarm whose next time is already past folds the missed
// firings into one (count += k, one event) instead of firing k times back to back; an
// alarm lives until it is closed or its process dies, not until its last chan closes.
// Timing state is plain fields of the Alarm (at, period, count); the pending clock event
// is tagged `alarm PID/ID`.

import { perr } from '../lib/9p/error.js';
import { ENOSPC } from '../lib/9p/errno.js';
import type { KState } from './state.js';
import type { Proc, Alarm } from './proc.js';
import { EV_ALARM } from './types.js';
import { sendEvent, defaultEvqs } from './events.js';

/** Live alarms a process may hold (a hostile `cat clone` loop ends here). */
export const ALARMS_MAX = 1024;

/** Listeners (count readers) per alarm: not kernel state, a snapshot skips them. */
const subs = new WeakMap<Alarm, Set<() => void>>();

function tell(a: Alarm): void {
  const set = subs.get(a);
  if (set) for (const f of [...set]) f();
}

/** fn runs after every firing of a and when a goes away (closed, process dead). */
export function alarmSubscribe(a: Alarm, fn: () => void): () => void {
  let set = subs.get(a);
  if (!set) subs.set(a, (set = new Set()));
  set.add(fn);
  return () => { set!.delete(fn); };
}

/** alarmopen of clone: a new alarm, the next id; the first one registers the parlib alarm
 *  service's ev_q for EV_ALARM (unless the process configured EV_ALARM itself). */
export function alarmCreate(p: Proc): number {
  if (!p.alarms) p.alarms = { nextId: 0, list: new Map() };
  if (p.alarms.list.size >= ALARMS_MAX) throw perr(ENOSPC, `alarm clone: ${p.pid} has ${ALARMS_MAX} alarms`);
  defaultEvqs(p, 'alarm');
  const id = p.alarms.nextId++;
  p.alarms.list.set(id, { id, at: 0, period: 0, count: 0, handle: -1, closed: false });
  return id;
}

function disarm(s: KState, a: Alarm): void {
  if (a.handle >= 0) s.clock.cancel(a.handle);
  a.handle = -1;
}

/** set_proc_alarm: a write of `timer`. count = 0; period untouched; 0 disarms. */
export function alarmTimer(s: KState, p: Proc, a: Alarm, at: number): void {
  disarm(s, a);
  a.count = 0;
  a.at = at;
  if (at > 0) arm(s, p, a);
}

/** A write of `period`: used from the next firing on. */
export function alarmPeriod(a: Alarm, period: number): void {
  a.period = period;
}

/** A read of `count`: the firings since the last read or timer write, reset to 0. */
export function alarmTake(a: Alarm): number {
  const n = a.count;
  a.count = 0;
  return n;
}

/** The alarm is released: disarmed, unlisted; its id is not reused. */
export function alarmClose(s: KState, p: Proc, a: Alarm): void {
  disarm(s, a);
  a.closed = true;
  p.alarms?.list.delete(a.id);
  tell(a);
}

function arm(s: KState, p: Proc, a: Alarm): void {
  a.handle = s.clock.schedule(Math.max(a.at, s.clock.now), () => fire(s, p, a), `alarm ${p.pid}/${a.id}`);
}

/** proc_alarm_handler (the "alarm PID/ID" clock event); firings already past when it runs
 *  are folded into this one. */
export function fire(s: KState, p: Proc, a: Alarm): void {
  a.handle = -1;
  const now = s.clock.now;
  if (a.period > 0) {
    const k = a.at < now ? Math.floor((now - a.at) / a.period) + 1 : 1;
    a.count += k;
    a.at += k * a.period;
    arm(s, p, a);
  } else {
    a.count++;
    a.at = 0;
  }
  sendEvent(s, p, EV_ALARM, 0, [0, 4, a.id, 0], [['count', a.count]]);
  tell(a);
}

/** Death: every alarm disarmed and released. */
export function alarmCancelAll(s: KState, p: Proc): void {
  if (!p.alarms) return;
  for (const a of [...p.alarms.list.values()]) alarmClose(s, p, a);
}
