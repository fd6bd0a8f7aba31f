// SPDX-License-Identifier: GPL-2.0-or-later
//
// Drives a Clock from real time without kern owning a timer: the user injects nowReal,
// setTimer and clearTimer. Paused: only step() advances. Running at speed X: virtual time
// = anchorVirtual + (real - anchorReal) * X; a single timer is armed for the next event
// (re-armed when an earlier one is scheduled), and sync() catches virtual time up.

import type { Clock } from './clock.js';

export interface DriverIO {
  nowReal(): bigint;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface DriverStatus { mode: 'paused' | 'running'; speed: number; now: number; lag: number; eventsRun: number }

const MAX_SLEEP_MS = 1000;

export class ClockDriver {
  mode: 'paused' | 'running' = 'paused';
  speed = 1;
  /** virtual ns by which the last timer callback ran late (0 when paused) */
  lag = 0;
  private anchorReal = 0n;
  private anchorVirt = 0;
  private timer: unknown = null;
  private armedFor = Infinity;

  constructor(readonly clock: Clock, private readonly io: DriverIO) {
    clock.onEarlier = () => { if (this.mode === 'running' && clock.nextTime() < this.armedFor) this.arm(); };
  }

  private target(): number {
    const dReal = Number(this.io.nowReal() - this.anchorReal);
    return Math.max(this.clock.now, Math.floor(this.anchorVirt + dReal * this.speed));
  }

  /** Bring virtual time up to the wall clock (running) and run due events. */
  sync(): void {
    if (this.mode !== 'running') return;
    this.clock.runUntil(this.target());
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) { this.io.clearTimer(this.timer); this.timer = null; }
    this.armedFor = Infinity;
    if (this.mode !== 'running') return;
    const next = this.clock.nextTime();
    if (next === Infinity) return;
    const ms = Math.min(MAX_SLEEP_MS, Math.max(0, (next - this.target()) / this.speed / 1e6));
    this.armedFor = next;
    this.timer = this.io.setTimer(() => {
      this.timer = null;
      const t = this.target();
      this.lag = next <= t ? t - next : 0;
      this.clock.runUntil(t);
      this.arm();
    }, ms);
  }

  pause(): void {
    if (this.mode === 'paused') return;
    this.sync();
    this.mode = 'paused';
    this.lag = 0;
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
    this.anchorReal = this.io.nowReal();
    this.anchorVirt = this.clock.now;
    this.speed = x;
    this.arm();
  }

  /** Advance virtual time by ns (in running mode this also moves the anchor forward). */
  step(ns: number): void {
    this.sync();
    this.clock.step(ns);
    this.anchorVirt += ns;
    if (this.mode === 'running') this.arm();
  }

  status(): DriverStatus {
    this.sync();
    return { mode: this.mode, speed: this.speed, now: this.clock.now, lag: this.lag, eventsRun: this.clock.eventsRun };
  }

  stop(): void { this.pause(); this.clock.onEarlier = null; }
}
