// SPDX-License-Identifier: GPL-2.0-or-later
//
// The clock's pending events are closures; an image keeps each one's tag (and time) and
// this table rebuilds the closure from them. A tag is a kind and its arguments separated
// by blanks. Every event a mechanism schedules must carry a tag whose kind is here:
// capturing an image with any other pending event throws (image.ts), so a new kind shows
// up in the snapshot tests, not in a lost event after a restart.
//
// The rebuilt closure does what the original did when it is run in the same state. The
// originals capture objects (the alarm, the dead proc); the revivers look them up.

import type { KState } from './state.js';
import type { ClockFn } from './clock.js';
import { tick } from './ksched.js';
import { deadlineExpired } from './preempt.js';
import { fire } from './alarm.js';
import { reap } from './process.js';
import { runProgEvent } from './prog/dispatch.js';
import { noiseFire } from './prog/noise.js';
import './prog/workloads.js';

export type Reviver = (s: KState, at: number, args: string[]) => ClockFn;

const REVIVERS: Record<string, Reviver> = {
  // ksched.armTick
  tick: (s) => () => tick(s),
  // preempt.warnCore: the take-back of core C
  deadline: (s, _at, [c]) => { const core = Number(c); return () => deadlineExpired(s, core); },
  // alarm.arm: alarm ID of PID (cancelled at death, so PID is the live process)
  alarm: (s, _at, [ref]) => {
    const [pid, id] = ref.split('/').map(Number);
    const p = s.procs.get(pid);
    const a = p?.alarms?.list.get(id);
    if (!p || !a) throw new Error(`revive: alarm ${ref}: no such alarm`);
    return () => fire(s, p, a);
  },
  // process.destroy: the automatic reap of a dead PID. The original is a no-op if that
  // process was reaped already (and the pid perhaps reused); its death time tells.
  reap: (s, at, [pid]) => {
    const p = s.procs.get(Number(pid));
    if (!p || !p.dead || p.deathT + s.zombieNs !== at) return () => {};
    return () => { if (s.procs.get(p.pid) === p) reap(s, p); };
  },
  // prog/: an event of PID's program (WHAT is the rest of the tag)
  prog: (s, _at, [pid, kind, arg]) => { const n = Number(pid), a = arg === undefined ? -1 : Number(arg); return () => runProgEvent(s, n, kind, a); },
  // prog/noise.ts: the next noise firing on core C
  noise: (s, _at, [c]) => { const core = Number(c); return () => noiseFire(s, core); },
};

/** The reviver of a tag's kind, or undefined. */
export function reviver(tag: string): ((s: KState, at: number) => ClockFn) | undefined {
  const parts = tag.split(' ');
  const r = REVIVERS[parts[0]];
  return r ? (s, at) => r(s, at, parts.slice(1)) : undefined;
}
