// SPDX-License-Identifier: GPL-2.0-or-later
//
// Drives a Clock from real time without kern owning a timer: the user injects nowReal,
// setTimer and clearTimer. Paused: only step() advances. Running at speed X: virtual time
// = anchorVirtual + (real - anchorReal) * X; a single timer is armed for the next event
// (re-armed when an earlier one is scheduled), and sync() catches virtual time up.
//
// No turn of the driver (a sync, a timer callback, a slice of a step) runs more than
// TURN_EVENTS clock events: when more are due, virtual time stays behind real time (the
// lag), and a 0 ms timer continues the catch-up in a later turn of the event loop, so a
// fast clock or a long stall never holds the server.

import type { Clock } from './clock.js';

export interface DriverIO {
  nowReal(): bigint;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface DriverStatus { mode: 'paused' | 'running'; speed: number; now: number; lag: number; eventsRun: number }

const MAX_SLEEP_MS = 1000;
/** Clock events one turn runs at most. */
export const TURN_EVENTS = 4096;

export class ClockDriver {
  mode: 'paused' | 'running' = 'paused';
  speed = 1;
  /** virtual ns by which the clock was behind real time after the last turn: the last
   *  timer's lateness, or what a sliced catch-up has still to run (0 when paused) */
  lag = 0;
  private anchorReal = 0n;
  private anchorVirt = 0;
  private timer: unknown = null;
  private armedFor = Infinity;
  /** the last turn stopped at TURN_EVENTS short of its target */
  private behind = false;

  constructor(readonly clock: Clock, private readonly io: DriverIO) {
    clock.onEarlier = () => { if (this.mode === 'running' && !this.behind && clock.nextTime() < this.armedFor) this.arm(); };
  }

  private target(): number {
    const dReal = Number(this.io.nowReal() - this.anchorReal);
    return Math.max(this.clock.now, Math.floor(this.anchorVirt + dReal * this.speed));
  }

  /** One bounded turn toward the real-time target; lag and behind follow. */
  private catchUp(): void {
    const t = this.target(), was = this.behind;
    this.behind = !this.clock.runUntil(t, TURN_EVENTS);
    if (this.behind) this.lag = t - this.clock.now;
    else if (was) this.lag = 0;
  }

  /** Bring virtual time up to the wall clock (running) and run due events, at most
   *  TURN_EVENTS of them: the rest follow in later turns. */
  sync(): void {
    if (this.mode !== 'running') return;
    this.catchUp();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) { this.io.clearTimer(this.timer); this.timer = null; }
    this.armedFor = Infinity;
    if (this.mode !== 'running') return;
    if (this.behind) {
      this.timer = this.io.setTimer(() => { this.timer = null; this.catchUp(); this.arm(); }, 0);
      return;
    }
    const next = this.clock.nextTime();
    if (next === Infinity) return;
    const ms = Math.min(MAX_SLEEP_MS, Math.max(0, (next - this.target()) / this.speed / 1e6));
    this.armedFor = next;
    this.timer = this.io.setTimer(() => {
      this.timer = null;
      const t = this.target();
      this.lag = next <= t ? t - next : 0;
      this.catchUp();
      this.arm();
    }, ms);
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
