// SPDX-License-Identifier: GPL-2.0-or-later
//
// The #alarm model (akaros.md §4.3): per-process alarms with ids 0, 1, ... never reused;
// an absolute wake-up time (0 disarms) and a period (0 = one-shot). Setting resets count.
// Firing: count++, one-shot -> at = 0, periodic -> at += period (absolute, no drift), and
// EV_ALARM (arg3 = id, arg4 = count) through the process's ev_q for EV_ALARM.

import type { KState } from './state.js';
import type { Proc, Alarm } from './proc.js';
import { EV_ALARM } from './types.js';
import { sendEvent } from './events.js';

export function alarmCreate(p: Proc): number {
  if (!p.alarms) p.alarms = { nextId: 0, list: new Map() };
  const id = p.alarms.nextId++;
  p.alarms.list.set(id, { id, at: 0, period: 0, count: 0, handle: -1 });
  return id;
}

export function alarmSet(s: KState, p: Proc, a: Alarm, at: number, period: number): void {
  if (a.handle >= 0) s.clock.cancel(a.handle);
  a.handle = -1; a.count = 0; a.at = at; a.period = period;
  if (at > 0) arm(s, p, a);
}

function arm(s: KState, p: Proc, a: Alarm): void {
  a.handle = s.clock.schedule(Math.max(a.at, s.clock.now), () => fire(s, p, a), `alarm ${p.pid}/${a.id}`);
}

/** Alarm a of p goes off (the "alarm PID/ID" clock event). */
export function fire(s: KState, p: Proc, a: Alarm): void {
  a.handle = -1;
  a.count++;
  if (a.period > 0) { a.at += a.period; arm(s, p, a); } else a.at = 0;
  sendEvent(s, p, EV_ALARM, 0, [0, 3, a.id, a.count]);
}

export function alarmCancelAll(s: KState, p: Proc): void {
  if (!p.alarms) return;
  for (const a of p.alarms.list.values()) if (a.handle >= 0) { s.clock.cancel(a.handle); a.handle = -1; }
}
