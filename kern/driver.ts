// SPDX-License-Identifier: GPL-2.0-or-later
//
// Drives a Clock from real time without kern owning a timer: the user injects nowReal,
// setTimer and clearTimer, and (optionally) soon. Paused: only step() advances. Running at
// speed X: virtual time = anchorVirtual + (real - anchorReal) * X; the driver wakes for
// the next event (re-armed when an earlier one is scheduled), and sync() catches virtual
// time up.
//
// How it waits. A timer cannot wake anyone in less than a millisecond (Node rounds a
// setTimeout up to 1 ms), so a driver that only slept on timers would run every event
// about 1 ms late or more, however fast it computes. When the next event is due within
// POLL_MS of real time (or is already due), the driver therefore polls: it asks for a
// turn right after the event loop has served its other work (`soon`, setImmediate in
// Node) instead of sleeping. A dense clock at speed 1 thus keeps the process busy
// between its events (it uses the CPU the event loop leaves idle, never more: every poll
// is one turn of the loop); a sparse one (events further apart than POLL_MS) sleeps on a
// timer rounded up to whole ms, so an idle machine costs nothing. Without `soon` a 0 ms
// timer stands in (and the lag is a timer's granularity again).
//
// No turn of the driver (a sync, a timer or poll callback, a slice of a step) runs more
// than TURN_EVENTS clock events: when more are due, virtual time stays behind real time
// (the lag) and the catch-up continues in a later turn of the event loop (a poll), so a
// fast clock or a long stall never holds the server.

import type { Clock } from './clock.js';

export interface DriverIO {
  nowReal(): bigint;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Run fn in a later turn of the event loop, after its pending I/O, with no minimum
   *  delay (Node: setImmediate). Never cancelled: a stale call finds nothing to do. */
  soon?(fn: () => void): void;
}

export interface DriverStatus { mode: 'paused' | 'running'; speed: number; now: number; lag: number; eventsRun: number }

const MAX_SLEEP_MS = 1000;
/** Clock events one turn runs at most. */
export const TURN_EVENTS = 4096;
/** The driver polls instead of sleeping when the next event is due within this many ms
 *  of real time: a timer's granularity. */
export const POLL_MS = 1;

export class ClockDriver {
  mode: 'paused' | 'running' = 'paused';
  speed = 1;
  /** virtual ns by which the clock was behind real time after the last turn: how late
   *  the earliest due event was when the driver last woke, or what a sliced catch-up has
   *  still to run (0 when paused) */
  lag = 0;
  private anchorReal = 0n;
  private anchorVirt = 0;
  private timer: unknown = null;
  private armedFor = Infinity;
  /** a poll is pending (it re-arms when it runs, so nothing else needs arming) */
  private polling = false;
  /** the last turn stopped at TURN_EVENTS short of its target */
  private behind = false;

  constructor(readonly clock: Clock, private readonly io: DriverIO) {
    clock.onEarlier = () => { if (this.mode === 'running' && !this.behind && !this.polling && clock.nextTime() < this.armedFor) this.arm(); };
  }

  private target(): number {
    const dReal = Number(this.io.nowReal() - this.anchorReal);
    return Math.max(this.clock.now, Math.floor(this.anchorVirt + dReal * this.speed));
  }

  /** One bounded turn toward the real-time target; lag and behind follow. `wake`: the
   *  driver's own turn (not a slice of a backlog), whose lag is how late the earliest due
   *  event is; a slice that clears the backlog leaves lag 0. */
  private catchUp(wake: boolean): void {
    const t = this.target(), was = this.behind;
    if (wake && !was) { const first = this.clock.nextTime(); this.lag = first <= t ? t - first : 0; }
    this.behind = !this.clock.runUntil(t, TURN_EVENTS);
    if (this.behind) this.lag = t - this.clock.now;
    else if (was) this.lag = 0;
  }

  /** Bring virtual time up to the wall clock (running) and run due events, at most
   *  TURN_EVENTS of them: the rest follow in later turns. */
  sync(): void {
    if (this.mode !== 'running') return;
    this.catchUp(false);
    this.arm();
  }

  private wake = (): void => {
    this.polling = false;
    if (this.mode !== 'running') return;
    this.catchUp(true);
    this.arm();
  };

  /** Wait for the next event: poll, sleep on a timer, or nothing. The wall clock is read
   *  afresh: a long turn moved it. */
  private arm(): void {
    if (this.timer !== null) { this.io.clearTimer(this.timer); this.timer = null; }
    this.armedFor = Infinity;
    if (this.mode !== 'running' || this.polling) return;
    const next = this.clock.nextTime();
    if (!this.behind && next === Infinity) return;
    const ms = this.behind ? 0 : Math.min(MAX_SLEEP_MS, Math.max(0, (next - this.target()) / this.speed / 1e6));
    if (ms < POLL_MS && this.io.soon) {
      this.polling = true;
      this.io.soon(this.wake);
      return;
    }
    if (!this.behind) this.armedFor = next;
    this.timer = this.io.setTimer(() => { this.timer = null; this.wake(); }, Math.ceil(ms));
  }

  pause(): void {
    if (this.mode === 'paused') return;
    this.sync();
    this.mode = 'paused';
    this.lag = 0;
    this.behind = false;
    this.arm();
  }

  resume(): void {
    if (this.mode === 'running') return;
    this.mode = 'running';
    this.anchorReal = this.io.nowReal();
    this.anchorVirt = this.clock.now;
    this.arm();
  }

  setSpeed(x: number): void {
    if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`speed ${x}`);
    this.sync();
    // Re-anchor where the clock is, not where it should be: a backlog is not paid at the new speed.
    this.anchorReal = this.io.nowReal();
    this.anchorVirt = this.clock.now;
    this.behind = false;
    this.speed = x;
    this.arm();
  }

  /** Starts a step of ns and returns the virtual time it ends at; running, the anchor
   *  moves forward by ns at once (a jump ahead). Run the events on the way with advance(). */
  beginStep(ns: number): number {
    this.sync();
    this.anchorVirt += ns;
    return this.clock.now + ns;
  }

  /** Runs at most maxEvents clock events toward `goal`; true once virtual time is there. */
  advance(goal: number, maxEvents = TURN_EVENTS): boolean {
    const done = this.clock.runUntil(goal, maxEvents);
    if (this.mode === 'running') this.arm();
    return done;
  }

  /** Advance virtual time by ns in one go (tests and trusted callers; the device steps
   *  in slices with beginStep and advance). */
  step(ns: number): void {
    this.advance(this.beginStep(ns), Infinity);
  }

  status(): DriverStatus {
    this.sync();
    return { mode: this.mode, speed: this.speed, now: this.clock.now, lag: this.lag, eventsRun: this.clock.eventsRun };
  }

  stop(): void { this.pause(); this.clock.onEarlier = null; }
}
