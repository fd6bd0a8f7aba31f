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
    this.heap.key = at;
    return this.insert(fn, tag);
  }

  /** schedule(now + dt, fn, tag), with no virtual time passed as an argument: a delay is
   *  a small integer, where an absolute time past 2.1 s would be boxed in a fresh
   *  HeapNumber by every call that is not inlined (heap.ts). The hot path's way in. */
  after(dt: number, fn: ClockFn, tag: string | null = null): number {
    let at = this.now + dt;
    if (!(at >= this.now)) at = this.now;
    this.heap.key = at;
    return this.insert(fn, tag);
  }

  /** Insert fn at heap.key. (No time is held across the push: a double live across a
   *  call that is not inlined cost a HeapNumber per event; a boolean does not.) */
  private insert(fn: ClockFn, tag: string | null): number {
    const h = this.heap;
    const earlier = h.size === 0 || h.key < h.time[0];
    const handle = h.push(), slot = h.pushed;
    this.fns[slot] = fn;
    this.tags[slot] = tag;
    if (earlier && this.onEarlier) this.onEarlier();
    return handle;
  }

  cancel(handle: number): boolean {
    const slot = this.heap.cancel(handle);
    if (slot < 0) return false;
    this.fns[slot] = null; this.tags[slot] = null;
    return true;
  }

  /** A pending event runs ns later: the same as cancelling it and scheduling its closure
   *  and tag again at its time + ns (it goes after the events already at that time).
   *  Returns the new handle, or -1 (nothing done) when the handle is stale. */
  delay(handle: number, ns: number): number {
    const h = this.heap, slot = h.slotOf(handle);
    if (slot < 0) return -1;
    const fn = this.fns[slot]!, tag = this.tags[slot];
    let at = h.time[h.indexOf(slot)] + ns;
    if (!(at >= this.now)) at = this.now;
    h.key = at;
    h.cancel(handle);
    this.fns[slot] = null; this.tags[slot] = null;
    return this.insert(fn, tag);
  }

  /** Absolute time of a pending event, or -1. */
  timeOf(handle: number): number {
    const slot = this.heap.slotOf(handle);
    return slot < 0 ? -1 : this.heap.timeOfSlot(slot);
  }

  /** The pending event is due at the current time (timeOf(handle) === now, without
   *  returning a time). */
  dueNow(handle: number): boolean {
    const h = this.heap, slot = h.slotOf(handle);
    return slot >= 0 && h.time[h.indexOf(slot)] === this.now;
  }

  nextTime(): number { return this.heap.minTime(); }
  get pending(): number { return this.heap.size; }

  /** Run every event due at or before t, in (time, insertion) order; now ends at t.
   *  With maxEvents, stop after that many (now stays at the last one run) and return
   *  false, so a caller can go on later in another turn of the event loop. */
  runUntil(t: number, maxEvents = Infinity): boolean {
    const h = this.heap;
    let n = 0;
    while (h.size > 0 && h.time[0] <= t) {
      if (n++ >= maxEvents) return false;
      this.runNext();
    }
    if (t > this.now && t !== Infinity) this.now = t;
    return true;
  }

  /** Runs the earliest pending event, moving the time to it. */
  private runNext(): void {
    const h = this.heap, at = h.time[0];
    if (at > this.now) this.now = at;
    const slot = h.pop();
    const fn = this.fns[slot]!;
    this.fns[slot] = null; this.tags[slot] = null;
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
      this.runNext();
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
