// SPDX-License-Identifier: GPL-2.0-or-later
//
// The virtual clock: a discrete-event queue in virtual nanoseconds. Nothing here reads the
// wall clock; a ClockDriver (driver.ts) or a test advances it.

import { EventHeap } from './heap.js';

export type ClockFn = () => void;

export class Clock {
  now = 0;
  eventsRun = 0;
  private heap = new EventHeap();
  private fns: (ClockFn | null)[] = [];
  private tags: (string | null)[] = [];
  /** Called when a newly scheduled event becomes the earliest one (the driver re-arms). */
  onEarlier: (() => void) | null = null;

  /** Run fn at absolute virtual time `at` (clamped to now). Returns a cancel handle. */
  schedule(at: number, fn: ClockFn, tag: string | null = null): number {
    if (!(at >= this.now)) at = this.now;
    const wasMin = this.heap.minTime();
    const handle = this.heap.push(at), slot = this.heap.pushed;
    this.fns[slot] = fn;
    this.tags[slot] = tag;
    if (at < wasMin && this.onEarlier) this.onEarlier();
    return handle;
  }

  cancel(handle: number): boolean {
    const slot = this.heap.cancel(handle);
    if (slot < 0) return false;
    this.fns[slot] = null; this.tags[slot] = null;
    return true;
  }

  /** Absolute time of a pending event, or -1. */
  timeOf(handle: number): number {
    const slot = this.heap.slotOf(handle);
    return slot < 0 ? -1 : this.heap.timeOfSlot(slot);
  }

  nextTime(): number { return this.heap.minTime(); }
  get pending(): number { return this.heap.size; }

  /** Run every event due at or before t, in (time, insertion) order; now ends at t.
   *  With maxEvents, stop after that many (now stays at the last one run) and return
   *  false, so a caller can go on later in another turn of the event loop. */
  runUntil(t: number, maxEvents = Infinity): boolean {
    const h = this.heap;
    let n = 0;
    while (h.size > 0 && h.minTime() <= t) {
      if (n++ >= maxEvents) return false;
      this.runNext(h.minTime());
    }
    if (t > this.now && t !== Infinity) this.now = t;
    return true;
  }

  /** Runs the earliest pending event, due at `at`, moving the time to it. */
  private runNext(at: number): void {
    const slot = this.heap.pop();
    const fn = this.fns[slot]!;
    this.fns[slot] = null; this.tags[slot] = null;
    if (at > this.now) this.now = at;
    this.eventsRun++;
    fn();
  }

  step(dt: number): void { this.runUntil(this.now + dt); }

  /**
   * Replay's clock move (a journal record made at virtual time t after e events had run):
   * run the pending events, in order, until e have run in all, then stand at t. Throws
   * when that is not what the live run did (an event would be needed past t, or one left
   * pending before t), so a replay that would diverge says so.
   */
  replayTo(t: number, e: number): void {
    const h = this.heap;
    while (this.eventsRun < e) {
      const at = h.minTime();
      if (!(at <= t)) throw new Error(`clock replay: ${e - this.eventsRun} more event(s) needed by ${t}, next at ${at}`);
      this.runNext(at);
    }
    if (this.eventsRun !== e) throw new Error(`clock replay: ${this.eventsRun} events run, the record says ${e}`);
    if (h.minTime() < t) throw new Error(`clock replay: an event at ${h.minTime()} still pending at ${t}`);
    if (t > this.now) this.now = t;
  }

  /** Throws unless every pending event carries a tag `known` accepts: an image must be
   *  able to rebuild each one (kern/revive.ts). */
  checkRevivable(known: (tag: string) => boolean): void {
    for (let s = 0; s < this.fns.length; s++) {
      if (!this.fns[s]) continue;
      const tag = this.tags[s];
      if (tag === null) throw new Error(`clock: a pending event at ${this.heap.timeOfSlot(s)} has no tag (an image cannot rebuild it)`);
      if (!known(tag)) throw new Error(`clock: pending event "${tag}" has no reviver (kern/revive.ts)`);
    }
  }

  /** After the heap and tags were restored from an image: rebuild every pending event's
   *  closure from its tag and time. */
  revive(make: (tag: string, at: number) => ClockFn): void {
    const fns: (ClockFn | null)[] = new Array(this.tags.length).fill(null);
    for (let s = 0; s < this.tags.length; s++) {
      const tag = this.tags[s];
      if (tag !== null && this.heap.slotLive(s)) fns[s] = make(tag, this.heap.timeOfSlot(s));
    }
    this.fns = fns;
  }

  /** Pending events as (time, tag) pairs for snapshots; untagged closures show as null. */
  pendingTags(): { at: number; tag: string | null }[] {
    const out: { at: number; tag: string | null }[] = [];
    for (let s = 0; s < this.fns.length; s++) if (this.fns[s]) out.push({ at: this.heap.timeOfSlot(s), tag: this.tags[s] });
    return out.sort((a, b) => a.at - b.at);
  }
}
