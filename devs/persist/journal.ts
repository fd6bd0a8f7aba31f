// SPDX-License-Identifier: GPL-2.0-or-later
//
// The journal of a durable machine: every state change becomes a record (records.ts), and
// a change is acknowledged (its 9P reply sent: durable.ts) only once its record is on disk.
//
// Changes are applied first, synchronously, at their virtual time, as without a journal;
// their records collect in the *open group*. A group goes to the store whole, and only
// when the previous group has settled: every record of one event-loop turn (and of the
// time one fdatasync takes) shares one write and one fdatasync (lib/wal batches what it
// is given in one turn), and nothing is handed to the store while an earlier group may
// still fail. So when a group fails, no later record has reached the disk: the kernel is
// rebuilt from the last snapshot and the durable records after it, the clock is run on to
// the present, and the failed group and the open one are answered with the error (EIO,
// ENOSPC). Reads go on being served from the rebuilt state.
//
// A snapshot is taken when the store says one is due, right after a group was handed
// over (the state is then exactly the records issued), and at a clean stop.

import { perr } from '../../lib/9p/error.js';
import { EIO } from '../../lib/9p/errno.js';
import type { Appended, Store } from '../../lib/wal/index.js';
import type { NodeSettings, Persist } from '../kernel/ctx.js';
import type { JournaledKernel } from './jkernel.js';
import { replayRecord, SNAPSHOT_VERSION, type Rec, type Snapshot } from './records.js';

interface Group {
  recs: Rec[];
  /** Operations waiting for this group (barrier() calls): the writers it will answer. */
  waiters: number;
  done: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function group(): Group {
  let resolve!: () => void, reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  // Nobody may wait for a group (a kill at disconnect): its failure is not unhandled.
  done.catch(() => undefined);
  return { recs: [], waiters: 0, done, resolve, reject };
}

export interface JournalStats {
  records: number;
  groups: number;
  rollbacks: number;
  snapshots: number;
}

export interface JournalBase {
  /** The state the durable records start from. */
  snapshot: Snapshot;
  /** Its position in the journal (the seq of the first record after it). */
  covers: number;
  /** The durable records after it, in order, with their seqs. */
  records: { seq: number; rec: Rec }[];
}

/**
 * The longest the next group may wait for the writers the last one answered
 * (microseconds). A closed-loop writer sends its next change right after its reply; with
 * one sync in flight, writers that miss a sync split into two cohorts that take turns,
 * about half of them per sync. So when a group answered two or more operations, the next
 * group is held until as many operations as it already has plus those have joined it, or
 * this long — PostgreSQL's commit_delay, which likewise applies only when commit_siblings
 * other transactions are active. A lone writer never waits. A writer that does not come
 * back (it stopped, or thinks between writes) costs the others one hold, once: the group
 * after that no longer counts it. The server sleeps while it holds (the last writer's
 * barrier() ends the hold); a hold nobody completes ends on a timer. (Bounding the hold
 * by the last sync's duration instead, ~0.35 ms here, let a batch go before the last of
 * 16 writers was back: 14.6 records per sync and 7.5× one writer, against 15.8 and
 * 8.2–9.3× with 1 ms.)
 */
export const COMMIT_HOLD_US = 1000;

export interface JournalOptions {
  /** COMMIT_HOLD_US unless given; 0 turns the hold off. */
  holdUs?: number;
}

export class Journal implements Persist {
  /** Records made so far (a mark: durable.ts compares it around an operation). */
  count = 0;
  readonly stats: JournalStats = { records: 0, groups: 0, rollbacks: 0, snapshots: 0 };
  /** Called after a rollback rebuilt the state: devices refresh what they keep (sysname,
   *  the clock driver's mode and timer) and wake readers. */
  onRestored: (() => void) | null = null;

  private open: Group | null = null;
  private flying: Group | null = null;
  private flushQueued = false;
  private base: JournalBase;
  private closing = false;
  private broken: Error | undefined;
  private snapping: Promise<void> = Promise.resolve();
  /** A periodic snapshot is being written (the store says one is due until it is done). */
  private snapBusy = false;
  /** The next group waits for `want` waiters, or until `until` (performance.now() ms). */
  private hold: { want: number; until: number } | null = null;
  /** Ends a hold nobody completes (Node's timers: 1 ms at the least). */
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly holdMs: number;

  constructor(
    private readonly store: Store,
    private readonly k: JournaledKernel,
    readonly settings: NodeSettings,
    base: JournalBase,
    /** The server's log (stderr): failures nobody else hears of. */
    private readonly log: (line: string) => void,
    opts: JournalOptions = {},
  ) {
    this.holdMs = (opts.holdUs ?? COMMIT_HOLD_US) / 1000;
    this.base = base;
    k.recorder = (r) => this.record(r);
  }

  // ---- Persist: the changes devices make outside Kernel.apply ------------------------------

  took(pid: number): void { this.record(['k', ...this.at(), pid]); }
  note(kind: string, text: string): void { this.record(['n', ...this.at(), kind, text]); }
  time(): void { this.record(['t', ...this.at()]); }
  set<K extends keyof NodeSettings>(key: K, value: NodeSettings[K]): void {
    this.settings[key] = value;
    this.record(['d', ...this.at(), key, value]);
  }

  private at(): [number, number] {
    const c = this.k.clock;
    return [c.now, c.eventsRun];
  }

  // ---- records and acknowledgement ---------------------------------------------------------

  /** Adds a record of a change already made. */
  record(r: Rec): void {
    if (this.closing && !this.open && !this.flying) {
      this.log(`journal: a change after the stop was not journaled: ${JSON.stringify(r).slice(0, 200)}`);
      return;
    }
    (this.open ??= group()).recs.push(r);
    this.count++;
    this.stats.records++;
    // the rest of this turn's changes join the group
    if (!this.flying) this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued || !this.open) return;
    this.flushQueued = true;
    setImmediate(() => { this.flushQueued = false; this.flush(); });
  }

  /** Resolves once every record made so far is durable; rejects with the error (EIO,
   *  ENOSPC...) if one of them failed, by then rolled back. */
  barrier(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const g = this.open ?? this.flying;
    if (!g) return Promise.resolve();
    // the writers a held group waits for are all in: it goes at the end of this turn
    if (++g.waiters === this.hold?.want && g === this.open && !this.flying) this.queueFlush();
    return g.done;
  }

  /** Hands the open group to the store, unless it is held for the writers just answered
   *  (`force`: a drain or stop does not wait for them). */
  private flush(force = false): void {
    if (this.flying || !this.open) return;
    const h = this.hold;
    if (h) {
      const left = h.until - performance.now();
      if (!force && this.open.waiters < h.want && left > 0) {
        // sleep, not poll: barrier() calls again once the writers are in
        this.holdTimer ??= setTimeout(() => { this.holdTimer = null; this.flush(); }, Math.ceil(left));
        return;
      }
      this.hold = null;
      if (this.holdTimer) { clearTimeout(this.holdTimer); this.holdTimer = null; }
    }
    const g = this.open;
    this.open = null;
    if (this.broken) { g.reject(this.broken); return; }
    this.flying = g;
    this.stats.groups++;
    const appended = this.store.appendAll(g.recs);
    // The state now is exactly the records issued: the moment for a snapshot.
    if (this.store.snapshotDue && !this.closing && !this.snapBusy) {
      this.snapBusy = true;
      void this.snapshotNow().finally(() => { this.snapBusy = false; });
    }
    // the group is whole (this turn's records): to the disk now, not a turn later
    this.store.commit();
    void appended.then((a) => this.settle(g, a));
  }

  private settle(g: Group, a: Appended): void {
    this.flying = null;
    const ok = a.durable;
    for (let i = 0; i < ok; i++) this.base.records.push({ seq: a.first + i, rec: g.recs[i] });
    if (ok === g.recs.length) {
      if (g.waiters >= 2 && this.holdMs > 0) {
        this.hold = { want: (this.open?.waiters ?? 0) + g.waiters, until: performance.now() + this.holdMs };
      }
      // At the end of this turn, the open group goes to the disk first and then this
      // group's replies go out: requests that came in with the disk's answer (read in
      // this same poll phase) join the open group instead of waiting a whole sync, and
      // the disk does not sit idle while the replies are sent.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
        g.resolve();
      });
      return;
    }
    const err: Error = a.error ?? perr(EIO, `journal: ${g.recs.length - ok} record(s) not written`);
    const lost = g.recs.length - ok + (this.open?.recs.length ?? 0);
    const later = this.open;
    this.open = null;
    this.rollback(err, lost);
    g.reject(err);
    later?.reject(err);
  }

  /** Rebuild the state from the last snapshot and the durable records, then run the clock
   *  on to where it was. */
  private rollback(err: Error, lost: number): void {
    this.stats.rollbacks++;
    const k = this.k, clock = k.clock;
    const now = clock.now;
    const rec = k.recorder;
    k.recorder = null;
    try {
      const b = this.base;
      k.restore(b.snapshot.kernel);
      Object.assign(this.settings, b.snapshot.settings);
      for (const { seq, rec: r } of b.records) {
        try {
          replayRecord({ k, settings: this.settings }, r);
        } catch (e) {
          throw new Error(`record ${seq}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      // A running clock goes on to the present; a paused one moves only by journaled steps.
      if (this.settings.mode === 'running' && now > clock.now) clock.runUntil(now);
      this.log(`journal: ${err.message}: ${lost} change(s) not made durable were undone`);
    } catch (e) {
      // The live state can no longer be brought back to what the disk holds: refuse every
      // change from now on (reads go on); a restart recovers from the disk.
      this.broken = perr(EIO, `journal: rollback failed (${e instanceof Error ? e.message : String(e)}): restart the server`);
      this.log(this.broken.message);
    } finally {
      k.recorder = rec;
    }
    this.onRestored?.();
  }

  // ---- snapshots and stop ------------------------------------------------------------------

  /** Writes a snapshot of the state as of every record issued. Call only with no open
   *  group (flush() does; stop() flushes first). */
  private snapshotNow(): Promise<void> {
    const snap: Snapshot = { v: SNAPSHOT_VERSION, config: this.k.config, settings: { ...this.settings }, kernel: this.k.image() };
    // Called now, not later: the store takes the value as of the appends issued so far.
    const run = this.store.snapshot(snap).then((info) => {
      this.stats.snapshots++;
      // the new base: drop the records it holds (snapshots complete in order)
      const b = this.base;
      if (info.covers >= b.covers) this.base = { snapshot: snap, covers: info.covers, records: b.records.filter((x) => x.seq >= info.covers) };
    }, (e: unknown) => {
      this.log(`journal: snapshot failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    this.snapping = this.snapping.then(() => run);
    return run;
  }

  /** Every record made so far handed over and settled; then a snapshot. */
  async snapshot(): Promise<void> {
    await this.drain();
    await this.snapshotNow();
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.flush(true);
      const g = this.flying ?? this.open;
      if (!g) return;
      await g.done.catch(() => undefined);
    }
  }

  /**
   * A clean stop: a time record (so the clock comes back where it stopped), every record
   * durable, a final snapshot, the store closed. Changes after this are not journaled.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.time();
    await this.drain();
    this.closing = true;
    if (!this.broken && !this.store.failed) await this.snapshotNow();
    await this.snapping;
    this.k.recorder = null;
    await this.store.close();
  }

  /** The error every change is refused with, if the journal broke. */
  get failure(): Error | undefined { return this.broken ?? this.store.failed; }
}
