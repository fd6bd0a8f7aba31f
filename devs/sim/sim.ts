// SPDX-License-Identifier: GPL-2.0-or-later
//
// #sim, bound at /sim: the simulation clock (namespace.md "/sim"). Virtual time drives
// every kernel decision; the ClockDriver (kern/driver.ts) makes it follow real time, or
// holds it still until `step`. /sim/trace is the scheduling trace (trace.ts). See sim.md.
//
// Neither verb may freeze the server: `speed` is bounded, and a `step` runs the kernel
// events on its way in slices of TURN_EVENTS, giving the event loop back between slices
// (other clients are served meanwhile; the write's reply comes when the step is done).
// Steps are applied one after another, in the order their writes arrived.

import { EINVAL, EPERM, ERANGE } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import { type ClockDriver, TURN_EVENTS } from '../../kern/index.js';
import { type Cmdtab, type TableDevice, defineDevice, keyed, parseDuration, parseUint } from '../dev.js';
import type { KCtx } from '../kernel/ctx.js';
import { traceOpen } from './trace.js';

export const Qctl = 1, Qstatus = 2, Qtrace = 3;

/** Virtual ns per real ns at most: a faster clock only makes the driver fall behind. */
export const MAX_SPEED = 1000;
/** The longest one `step` may be: an hour of virtual time. */
export const MAX_STEP_NS = 3600e9;
/** Kernel events one `step` may run (an hour of the default 10 ms tick is 360000): past
 *  this the step stops where it got to, ERANGE, so a 1 µs tick cannot make one write
 *  run for hours. */
export const MAX_STEP_EVENTS = 1_000_000;

/** Gives the event loop a turn (I/O of other clients runs before we go on). */
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface SimOptions {
  /** The seed the kernel was booted with (what `ctl` reads until `seed N`). */
  seed?: number;
  /** Where the seed is kept, if not in the device (a durable machine's settings). */
  state?: { seed: number };
}

export function parseSpeed(s: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw perr(EINVAL, `speed: bad number "${s}"`);
  const x = Number(s);
  if (!(x > 0) || x > MAX_SPEED) throw perr(ERANGE, `speed ${s}: want > 0 and <= ${MAX_SPEED}`);
  return x;
}

function driverStatus(ctx: KCtx, d: ClockDriver | undefined) {
  if (d) return d.status();
  return { mode: 'paused' as const, speed: 1, now: ctx.k.now(), lag: 0, eventsRun: ctx.k.clock.eventsRun };
}

export function createSimDevice(ctx: KCtx, hostowner: () => string, opts: SimOptions = {}): TableDevice<void> {
  const d = ctx.driver;
  const st = opts.state ?? { seed: opts.seed ?? 1 };
  const p = ctx.persist;
  const needDriver = (verb: string): ClockDriver => {
    if (!d) throw perr(EINVAL, `${verb}: no real-time driver (the clock only steps)`);
    return d;
  };
  // The open check already keeps everyone but the host owner out (EPERM); this is the
  // same rule for a write that reaches us another way (the kernel checks its own verbs).
  const host = (caller: { hostowner: boolean; user: string }, verb: string) => {
    if (!caller.hostowner) throw perr(EPERM, `${verb}: ${caller.user} is not the host owner`);
  };

  // Sliced: each turn runs at most TURN_EVENTS events, then yields.
  const runStep = async (ns: number, user: string, what: string): Promise<void> => {
    const k = ctx.k, start = k.clock.eventsRun;
    const over = () => k.clock.eventsRun - start >= MAX_STEP_EVENTS;
    if (d) {
      const goal = d.beginStep(ns);
      try {
        while (!d.advance(goal, TURN_EVENTS)) {
          if (over()) throw perr(ERANGE, `step ${what}: stopped at ${k.now()} after ${MAX_STEP_EVENTS} events`);
          await nextTurn();
        }
      } finally {
        // The driver moved time outside Kernel.apply: the journal is told where it stands.
        p?.time();
      }
      return;
    }
    let left = ns;
    for (;;) {
      left -= ctx.act((kk) => kk.step(user, left, TURN_EVENTS));
      if (left === 0 && !(k.clock.nextTime() <= k.now())) return;
      if (over()) throw perr(ERANGE, `step ${what}: stopped at ${k.now()} after ${MAX_STEP_EVENTS} events`);
      await nextTurn();
    }
  };
  let stepping: Promise<void> = Promise.resolve();

  const ctl: Cmdtab<void> = [
    { verb: 'pause', args: 0, fn: (_a, _o, c) => { host(c, 'pause'); needDriver('pause').pause(); p?.set('mode', 'paused'); } },
    { verb: 'resume', args: 0, fn: (_a, _o, c) => { host(c, 'resume'); needDriver('resume').resume(); p?.set('mode', 'running'); } },
    {
      verb: 'speed', args: 1,
      fn: (a, _o, c) => { host(c, 'speed'); const x = parseSpeed(a[0]); needDriver('speed').setSpeed(x); p?.set('speed', x); },
    },
    {
      verb: 'step', args: 1,
      fn: (a, _o, c) => {
        host(c, 'step');
        const ns = parseDuration(a[0]);
        if (ns > BigInt(MAX_STEP_NS)) throw perr(ERANGE, `step ${a[0]}: at most 1h per step`);
        // The driver keeps real-time mode's anchor in step; without one, the kernel steps.
        const run = stepping.then(() => runStep(Number(ns), ctx.user(c), a[0]));
        // The next step waits for this one, failed or not; `run` carries its error.
        stepping = run.catch(() => undefined);
        return run;
      },
    },
    {
      verb: 'seed', args: 1,
      fn: (a, _o, c) => {
        const n = parseUint(a[0], 0xffffffff, 'seed');
        ctx.act((k) => k.seed(ctx.user(c), n));
        st.seed = n;
        p?.set('seed', n);
      },
    },
  ];

  return defineDevice<void>({
    name: 'sim', hostowner,
    root: {
      files: [
        {
          name: 'ctl', kind: Qctl, perm: 0o664, denyErrno: EPERM, ctl,
          read: () => {
            const s = driverStatus(ctx, d);
            return keyed([['mode', s.mode], ['speed', s.speed], ['seed', st.seed]]);
          },
        },
        {
          name: 'status', kind: Qstatus, perm: 0o444,
          read: () => {
            const s = driverStatus(ctx, d);
            const next = ctx.k.clock.nextTime();
            return keyed([
              ['mode', s.mode], ['speed', s.speed], ['now', s.now], ['lag', s.lag], ['events', s.eventsRun],
              ['next', next === Infinity ? '-' : next], ['seed', st.seed],
            ]);
          },
        },
        { name: 'trace', kind: Qtrace, perm: 0o444, readOnly: true, open: () => traceOpen(ctx) },
      ],
    },
  });
}
