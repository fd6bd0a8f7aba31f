// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The durable store: a journal of records with group commit, and snapshots. An append
// resolves only once its record is on disk; every append made before the writer gets to
// run (one event-loop turn, or the time one batch's fdatasync takes) goes out as one
// batch: one write, one fdatasync. README.md has the contract; format.ts the bytes.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import { E2BIG, EAGAIN, EINVAL, EIO } from '../9p/errno.js';
import { crc32c } from './crc32c.js';
import { ioError, sysCode, WalError } from './errors.js';
import {
  BATCH_FRAME, FRAME_HEAD, KIND_BATCH, KIND_RECORD, SEG_HEADER, TMP_SUFFIX,
  encodeSegHeader, encodeSnapHeader, saltSeed, sealFrame, segName, snapName,
} from './format.js';
import { nodeFs, writeAll, type FsLayer } from './fs.js';
import { lockDir, type Lock } from './lock.js';
import { recoverDir, type RecoveryReport, type SegInfo, type SnapInfo } from './recover.js';

export interface StoreOptions {
  /** The file-system layer (default: the real one). */
  fs?: FsLayer;
  /** Start a new segment before one would grow past this many bytes (default 64 MiB). */
  segmentBytes?: number;
  /** ... or hold more than this many records (default 1,000,000). */
  segmentRecords?: number;
  /** Largest encoded record, in bytes (default 4 MiB, at most 64 MiB); larger appends fail E2BIG. */
  maxRecordBytes?: number;
  /** A batch stops growing at this many bytes (default 8 MiB); the rest waits for the next. */
  maxBatchBytes?: number;
  /** Appends waiting for the disk, in bytes, past which append fails EAGAIN (default 64 MiB). */
  maxPendingBytes?: number;
  /** Zeros written ahead of a segment's end, up to this many bytes (default 0: none), so
   *  that batches overwrite space the file already has instead of growing it: where a
   *  sync after growing a file must also write its new size (ext4), that saves a write
   *  per batch. The zeros are cut off at a clean close and before a new segment starts;
   *  after a crash, recovery cuts them with the torn tail. */
  preallocBytes?: number;
  /** `snapshotDue` turns true after this many records since the last snapshot (default 1,000,000)... */
  snapshotRecords?: number;
  /** ... or this many journal bytes (default 64 MiB). */
  snapshotBytes?: number;
  /** Snapshots kept, with the journal from the oldest of them on (default 2, at least 1). */
  keepSnapshots?: number;
  /** Keep the longest valid prefix instead of refusing damage (`--recover`). */
  recover?: boolean;
  /** Take the directory's LOCK file (default true). */
  lock?: boolean;
  /** Receives each recovered record after the snapshot, in order, instead of `recovered.records`. */
  replay?: (value: unknown, seq: number) => void;
  /** Receives the snapshot the state starts from (undefined if none) and the records it
   *  covers, once, before the first record goes to `replay`. */
  base?: (snapshot: unknown, covers: number) => void;
  /** Receives one line per torn tail cut, file dropped or rollback failure. */
  log?: (line: string) => void;
}

export interface Recovered {
  /** The state the newest valid snapshot holds, or undefined if there is none. */
  snapshot: unknown;
  snapshotFile?: string;
  /** The records after the snapshot, in order (empty when `replay` was given). */
  records: unknown[];
  report: RecoveryReport;
}

export interface SnapshotInfo {
  file: string;
  /** Records the snapshot covers: it is the state after records 0 .. covers-1. */
  covers: number;
  bytes: number;
  /** Segments and snapshots removed because this one made them unneeded. */
  removed: string[];
}

export interface StoreStats {
  nextSeq: number;
  pendingRecords: number;
  segment: string;
  segments: number;
  snapshots: number;
  recordsSinceSnapshot: number;
  bytesSinceSnapshot: number;
  batches: number;
  fdatasyncs: number;
}

/** What appendAll resolves with: `durable` values from the first (seq `first`, then
 *  first+1...) are on disk; `error` is why the one after them is not (the rest were not
 *  written either). */
export interface Appended { first: number; durable: number; error?: WalError }

interface Rec { payload: Uint8Array; resolve: (seq: number) => void; reject: (e: Error) => void }
interface Mark { mark: true; resolve: (at: { covers: number; bytes: number }) => void; reject: (e: Error) => void }
type Item = Rec | Mark;

/** `size`: bytes of header and batches; `alloc`: the file's length (more when zeros were
 *  written ahead). */
interface Seg { name: string; first: number; count: number; size: number; alloc: number; seed: number; fd: number }

/** The least zeros written ahead at a time: a segment's pad grows with it up to preallocBytes. */
const MIN_PAD = 64 * 1024;

const MiB = 1 << 20;
const HARD_MAX_RECORD = 64 * MiB;

function intOpt(v: number | undefined, def: number, min: number, max: number, name: string): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new WalError(EINVAL, `${name} ${v}: must be an integer from ${min} to ${max}`);
  return v;
}

export class Store {
  readonly dir: string;
  /** What recovery found. The store keeps none of it; it is the caller's. */
  readonly recovered: Recovered;

  private readonly fs: FsLayer;
  private readonly packr = new Packr({ useRecords: false });
  private readonly log: (line: string) => void;
  private readonly lim: {
    segmentBytes: number; segmentRecords: number; maxRecordBytes: number; maxBatchBytes: number;
    maxPendingBytes: number; snapshotRecords: number; snapshotBytes: number; keepSnapshots: number; preallocBytes: number;
  };
  private lock?: Lock;
  private cur!: Seg;
  private segments: SegInfo[];
  private snapshots: SnapInfo[];
  private nextSeq: number;
  private queue: Item[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private scheduled = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private snapChain: Promise<unknown> = Promise.resolve();
  private failure?: WalError;
  private closing = false;
  private journalBytes = 0;
  private snapBytesBase = 0;
  private snapCovers: number;
  private batches = 0;
  private fdatasyncs = 0;

  private constructor(dir: string, fsl: FsLayer, opts: StoreOptions, lim: Store['lim'], rec: Awaited<ReturnType<typeof recoverDir>>) {
    this.dir = dir;
    this.fs = fsl;
    this.lim = lim;
    this.log = opts.log ?? (() => undefined);
    this.segments = rec.segments;
    this.snapshots = rec.snapshots;
    this.nextSeq = rec.report.nextSeq;
    this.snapCovers = rec.report.snapshotCovers;
    this.recovered = { snapshot: rec.snapshot, snapshotFile: rec.report.snapshotUsed, records: rec.records, report: rec.report };
  }

  /** Opens (creating if need be) the state directory, recovers it, and readies it for appends. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<Store> {
    const fsl = opts.fs ?? nodeFs;
    const segmentBytes = intOpt(opts.segmentBytes, 64 * MiB, 4096, 2 ** 40, 'segmentBytes');
    const lim = {
      segmentBytes,
      segmentRecords: intOpt(opts.segmentRecords, 1_000_000, 1, 2 ** 32 - 1, 'segmentRecords'),
      maxRecordBytes: intOpt(opts.maxRecordBytes, 4 * MiB, 1, HARD_MAX_RECORD, 'maxRecordBytes'),
      maxBatchBytes: intOpt(opts.maxBatchBytes, 8 * MiB, 1, 2 ** 31, 'maxBatchBytes'),
      maxPendingBytes: intOpt(opts.maxPendingBytes, 64 * MiB, 1, 2 ** 40, 'maxPendingBytes'),
      snapshotRecords: intOpt(opts.snapshotRecords, 1_000_000, 1, Number.MAX_SAFE_INTEGER, 'snapshotRecords'),
      snapshotBytes: intOpt(opts.snapshotBytes, 64 * MiB, 1, Number.MAX_SAFE_INTEGER, 'snapshotBytes'),
      keepSnapshots: intOpt(opts.keepSnapshots, 2, 1, 1000, 'keepSnapshots'),
      preallocBytes: intOpt(opts.preallocBytes, 0, 0, 2 ** 30, 'preallocBytes'),
    };
    try {
      await fsl.mkdir(dir);
    } catch (e) {
      throw ioError(e, `create ${dir}`);
    }
    const lock = opts.lock === false ? undefined : await lockDir(fsl, dir);
    let st: Store | undefined;
    try {
      const rec = await recoverDir(fsl, dir, {
        recover: opts.recover ?? false, unpackr: new Unpackr({ useRecords: false, copyBuffers: true }), replay: opts.replay, base: opts.base, log: opts.log ?? (() => undefined),
      });
      st = new Store(dir, fsl, opts, lim, rec);
      st.lock = lock;
      st.journalBytes = rec.report.journalBytes;
      if (rec.current) {
        const c = rec.current;
        const fd = await fsl.open(join(dir, c.name), 'r+', true);
        st.cur = { name: c.name, first: c.first, count: c.count, size: c.size, alloc: c.size, seed: saltSeed(c.salt), fd };
      } else {
        await st.rotate();
      }
      await st.prune();
      return st;
    } catch (e) {
      if (st?.cur) await fsl.close(st.cur.fd).catch((err: unknown) => st?.log(`close: ${String(err)}`));
      await lock?.release();
      // System-call failures become EIO/ENOSPC; anything else (an error thrown by the
      // caller's replay, say) goes back to the caller as it was.
      throw e instanceof WalError || sysCode(e) === undefined ? e : ioError(e, `open ${dir}`);
    }
  }

  /**
   * Appends one record. Resolves with its seq once it is durable; rejects with EIO or
   * ENOSPC if the disk failed it (and then with every append queued behind it), E2BIG if
   * it encodes to more than maxRecordBytes, EAGAIN if too much is already waiting, EINVAL
   * if msgpack cannot encode it. A rejected append is not in the journal (the one
   * exception, a failed store whose disk would not forget a failed batch, is in README.md).
   */
  append(value: unknown): Promise<number> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    let payload: Uint8Array;
    try {
      payload = this.packr.pack(value);
    } catch (e) {
      return Promise.reject(new WalError(EINVAL, `record cannot be encoded: ${e instanceof Error ? e.message : String(e)}`));
    }
    const why = this.tooBig(payload.length);
    if (why) return Promise.reject(why);
    const size = FRAME_HEAD + payload.length;
    this.pendingBytes += size;
    this.pendingRecords++;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ payload, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Appends `values` in order, as that many append() calls would (same seqs, same
   * batching, same checks), with one promise for them all instead of one each. It never
   * rejects: it resolves once every value is durable or failed, with the seq of the first
   * and how many, from the first on, are durable; if not all, `error` says why the next
   * failed. A value that fails its own checks (encoding, size, EAGAIN) is not queued, nor
   * is any after it: what is durable is always a prefix.
   */
  appendAll(values: readonly unknown[]): Promise<Appended> {
    const n = values.length;
    if (n === 0) return Promise.resolve({ first: this.nextSeq, durable: 0 });
    const refused = this.refusal();
    if (refused) return Promise.resolve({ first: this.nextSeq, durable: 0, error: refused });
    return new Promise<Appended>((finish) => {
      const out: Appended = { first: -1, durable: 0 };
      let left = 0;
      const resolve = (seq: number): void => {
        if (out.first < 0) out.first = seq;
        out.durable++;
        if (--left === 0) finish(out);
      };
      const reject = (e: Error): void => {
        out.error ??= e as WalError;
        if (--left === 0) finish(out);
      };
      for (const v of values) {
        let payload: Uint8Array;
        try {
          payload = this.packr.pack(v);
        } catch (e) {
          out.error = new WalError(EINVAL, `record cannot be encoded: ${e instanceof Error ? e.message : String(e)}`);
          break;
        }
        const why = this.tooBig(payload.length);
        if (why) { out.error = why; break; }
        this.pendingBytes += FRAME_HEAD + payload.length;
        this.pendingRecords++;
        this.queue.push({ payload, resolve, reject });
        left++;
      }
      if (left === 0) { finish(out); return; }
      this.schedule();
    });
  }

  /**
   * Starts writing the appends queued so far now rather than once this event-loop turn
   * is over, for a caller that has collected its group itself (devs/persist collects a
   * turn's changes): it saves the turn the writer would otherwise wait for. Appends made
   * later in the turn wait for the next batch.
   */
  commit(): void {
    if (this.running || this.queue.length === 0) return;
    void this.drain();
  }

  /**
   * Writes a snapshot: `value` must be the whole state as of every append issued before
   * this call. It waits for those appends to be durable (and fails EIO if any of them
   * failed), starts a new segment, writes the snapshot atomically, and only then removes
   * the segments and snapshots it made unneeded (keepSnapshots).
   */
  async snapshot(value: unknown): Promise<SnapshotInfo> {
    const refused = this.refusal();
    if (refused) throw refused;
    let body: Uint8Array;
    try {
      body = this.packr.pack(value);
    } catch (e) {
      throw new WalError(EINVAL, `snapshot cannot be encoded: ${e instanceof Error ? e.message : String(e)}`);
    }
    const at = await new Promise<{ covers: number; bytes: number }>((resolve, reject) => {
      this.queue.push({ mark: true, resolve, reject });
      this.schedule();
    });
    const run = this.snapChain.then(() => this.writeSnapshot(at.covers, body, at.bytes));
    // The chain only orders snapshot writes; each caller gets its own outcome from `run`.
    this.snapChain = run.catch(() => undefined);
    return run;
  }

  /** True once the journal since the last snapshot has passed snapshotRecords or snapshotBytes. */
  get snapshotDue(): boolean {
    return this.nextSeq - this.snapCovers >= this.lim.snapshotRecords || this.journalBytes - this.snapBytesBase >= this.lim.snapshotBytes;
  }

  /** Set once a failed write could not be rolled back: every append fails with it until reopen. */
  get failed(): WalError | undefined {
    return this.failure;
  }

  get stats(): StoreStats {
    return {
      nextSeq: this.nextSeq, pendingRecords: this.pendingRecords, segment: this.cur.name, segments: this.segments.length,
      snapshots: this.snapshots.length, recordsSinceSnapshot: this.nextSeq - this.snapCovers,
      bytesSinceSnapshot: this.journalBytes - this.snapBytesBase, batches: this.batches, fdatasyncs: this.fdatasyncs,
    };
  }

  /** Waits for queued appends and snapshots, then closes the files and the lock. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.idle();
    await this.snapChain;
    try {
      if (!this.failure) await this.trimPad(this.cur).catch((e: unknown) => this.log(`close: cut ${this.cur.name} to ${this.cur.size} bytes: ${String(e)}`));
      await this.fs.close(this.cur.fd);
    } finally {
      await this.lock?.release();
    }
  }

  /** Why an encoded record of `len` bytes cannot be queued (E2BIG, EAGAIN), if it cannot. */
  private tooBig(len: number): WalError | undefined {
    if (len + 1 > this.lim.maxRecordBytes) return new WalError(E2BIG, `record of ${len + 1} bytes is over the limit of ${this.lim.maxRecordBytes}`);
    if (this.pendingBytes + FRAME_HEAD + len > this.lim.maxPendingBytes) {
      return new WalError(EAGAIN, `${this.pendingBytes} bytes already wait for the disk (limit ${this.lim.maxPendingBytes})`);
    }
    return undefined;
  }

  private refusal(): WalError | undefined {
    if (this.failure) return this.failure;
    if (this.closing) return new WalError(EIO, `journal ${this.dir} is closed`);
    return undefined;
  }

  private idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: every append of this turn, from whatever promise
    // continuation, is queued before the batch is cut.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (this.failure) { this.rejectQueued(this.failure); break; }
        const head = this.queue[0];
        if ('mark' in head) {
          this.queue.shift();
          try {
            if (this.cur.count > 0) await this.rotate();
            head.resolve({ covers: this.nextSeq, bytes: this.journalBytes });
          } catch (e) {
            const err = ioError(e, 'snapshot: start a new segment');
            head.reject(err);
            this.rejectQueued(err);
          }
          continue;
        }
        if (this.cur.count > 0 && (this.cur.count >= this.lim.segmentRecords
            || this.cur.size + BATCH_FRAME + FRAME_HEAD + head.payload.length > this.lim.segmentBytes)) {
          try {
            await this.rotate();
          } catch (e) {
            this.rejectQueued(ioError(e, `journal ${this.dir}: start a new segment`));
            continue;
          }
        }
        await this.writeBatch(this.takeBatch());
      }
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** The records at the head of the queue that go out together. */
  private takeBatch(): Rec[] {
    const room = Math.max(1, this.lim.segmentRecords - this.cur.count);
    let bytes = BATCH_FRAME, n = 0;
    while (n < this.queue.length && n < room) {
      const it = this.queue[n];
      if ('mark' in it) break;
      const sz = FRAME_HEAD + it.payload.length;
      if (n > 0 && (bytes + sz > this.lim.maxBatchBytes || this.cur.size + bytes + sz > this.lim.segmentBytes)) break;
      bytes += sz;
      n++;
    }
    return this.queue.splice(0, n) as Rec[];
  }

  private async writeBatch(batch: Rec[]): Promise<void> {
    const seg = this.cur;
    let total = BATCH_FRAME;
    for (const r of batch) total += FRAME_HEAD + r.payload.length;
    // Past the zeros written ahead: this write grows the file, and writes more zeros after
    // the batch (as many as the segment holds, up to preallocBytes, not past segmentBytes).
    let pad = 0;
    if (this.lim.preallocBytes > 0 && seg.size + total > seg.alloc) {
      const want = Math.max(MIN_PAD, Math.min(this.lim.preallocBytes, seg.size));
      pad = Math.max(0, Math.min(want, this.lim.segmentBytes - seg.size - total));
    }
    const buf = Buffer.allocUnsafe(total + pad);
    if (pad > 0) buf.fill(0, total);
    buf[8] = KIND_BATCH;
    buf.writeUInt32LE(total, 9);
    buf.writeUInt32LE(batch.length, 13);
    sealFrame(buf, 0, 8, seg.seed);
    let p = BATCH_FRAME;
    for (const r of batch) {
      buf[p + 8] = KIND_RECORD;
      buf.set(r.payload, p + FRAME_HEAD);
      sealFrame(buf, p, r.payload.length, seg.seed);
      p += FRAME_HEAD + r.payload.length;
    }
    this.pendingBytes -= total - BATCH_FRAME;
    this.pendingRecords -= batch.length;
    try {
      await writeAll(this.fs, seg.fd, buf, seg.size);
      this.fdatasyncs++;
      await this.fs.fdatasync(seg.fd);
    } catch (e) {
      const err = ioError(e, `journal ${seg.name}: write ${total} bytes at offset ${seg.size}`);
      // Roll back first, so that when the caller hears of the failure the journal is
      // already as it was (or the store already failed).
      await this.rollback(seg, err);
      for (const r of batch) r.reject(err);
      this.rejectQueued(err);
      return;
    }
    const first = this.nextSeq;
    seg.size += total;
    seg.alloc = Math.max(seg.alloc, seg.size + pad);
    seg.count += batch.length;
    this.nextSeq += batch.length;
    this.journalBytes += total;
    this.batches++;
    for (let i = 0; i < batch.length; i++) batch[i].resolve(first + i);
  }

  /** Everything queued when a failure is found fails with it: a later record may depend
   *  on the failed one, and the caller has not yet seen it fail. */
  private rejectQueued(err: WalError): void {
    const q = this.queue;
    this.queue = [];
    this.pendingBytes = 0;
    this.pendingRecords = 0;
    for (const it of q) it.reject(err);
  }

  /**
   * Cuts a failed batch's bytes off, back to the last durable length. If the file cannot
   * be cut, the batch header is zeroed instead (so recovery takes the batch for a torn
   * tail and drops it) and the store stops taking appends: the file's length is no
   * longer known.
   */
  private async rollback(seg: Seg, cause: WalError): Promise<void> {
    try {
      await this.fs.ftruncate(seg.fd, seg.size);
      await this.fs.fsync(seg.fd);
      seg.alloc = seg.size;
      return;
    } catch (e) {
      let forgotten: string;
      try {
        await writeAll(this.fs, seg.fd, Buffer.alloc(BATCH_FRAME), seg.size);
        await this.fs.fdatasync(seg.fd);
        forgotten = 'its batch header was zeroed, so recovery drops it';
      } catch (e2) {
        forgotten = `zeroing its batch header failed too (${e2 instanceof Error ? e2.message : String(e2)}), so recovery may bring the failed batch back`;
      }
      this.failure = new WalError(EIO, `journal ${seg.name}: after ${cause.message}, cutting back to ${seg.size} bytes failed `
        + `(${e instanceof Error ? e.message : String(e)}); ${forgotten}; no more appends until the store is reopened`);
      this.log(this.failure.message);
    }
  }

  /** Cuts the zeros written ahead off a segment (durably): a segment that is not the last,
   *  or a cleanly closed one, ends with its last batch. */
  private async trimPad(seg: Seg): Promise<void> {
    if (seg.alloc <= seg.size) return;
    await this.fs.ftruncate(seg.fd, seg.size);
    await this.fs.fsync(seg.fd);
    seg.alloc = seg.size;
  }

  /** A new segment starting at nextSeq, durable (with its directory entry) before use. */
  private async rotate(): Promise<void> {
    // the segment before must end with its last batch before a later one exists
    if (this.cur) await this.trimPad(this.cur);
    const first = this.nextSeq;
    const name = segName(first);
    const path = join(this.dir, name);
    const salt = randomBytes(4).readUInt32LE(0);
    let fd: number | undefined;
    try {
      fd = await this.fs.open(path, 'wx', true);
      await writeAll(this.fs, fd, encodeSegHeader({ first, salt }), 0);
      await this.fs.fsync(fd);
      await this.fs.syncDir(this.dir);
    } catch (e) {
      if (fd !== undefined) {
        await this.fs.close(fd).catch((err: unknown) => this.log(`close ${name}: ${String(err)}`));
        try {
          await this.fs.unlink(path);
        } catch (err) {
          if (sysCode(err) !== 'ENOENT') {
            this.failure = new WalError(EIO, `journal ${name}: a failed new segment could not be removed (${String(err)}); no more appends until the store is reopened`);
            this.log(this.failure.message);
          }
        }
      }
      throw e;
    }
    const old = this.cur as Seg | undefined;
    this.cur = { name, first, count: 0, size: SEG_HEADER, alloc: SEG_HEADER, seed: saltSeed(salt), fd };
    if (!this.segments.some((s) => s.name === name)) this.segments.push({ name, first });
    if (old) await this.fs.close(old.fd).catch((err: unknown) => this.log(`close ${old.name}: ${String(err)}`));
  }

  private async writeSnapshot(covers: number, body: Uint8Array, atMark: number): Promise<SnapshotInfo> {
    const name = snapName(covers);
    const tmp = join(this.dir, name + TMP_SUFFIX);
    const header = encodeSnapHeader({ covers, bodyLen: body.length, bodyCrc: crc32c(body) });
    let fd: number | undefined;
    let renamed = false;
    try {
      fd = await this.fs.open(tmp, 'w');
      await writeAll(this.fs, fd, header, 0);
      await writeAll(this.fs, fd, body, header.length);
      await this.fs.fsync(fd);
      const f = fd;
      fd = undefined;
      await this.fs.close(f);
      await this.fs.rename(tmp, join(this.dir, name));
      renamed = true;
      await this.fs.syncDir(this.dir);
    } catch (e) {
      if (fd !== undefined) await this.fs.close(fd).catch((err: unknown) => this.log(`close ${tmp}: ${String(err)}`));
      if (!renamed) {
        await this.fs.unlink(tmp).catch((err: unknown) => {
          if (sysCode(err) !== 'ENOENT') this.log(`remove ${tmp}: ${String(err)}`);
        });
      }
      throw ioError(e, `snapshot ${name}`);
    }
    this.snapshots = this.snapshots.filter((s) => s.covers !== covers).concat({ name, covers }).sort((a, b) => a.covers - b.covers);
    if (covers >= this.snapCovers) {
      this.snapCovers = covers;
      this.snapBytesBase = atMark;
    }
    return { file: name, covers, bytes: header.length + body.length, removed: await this.prune() };
  }

  /**
   * Removes what the newest keepSnapshots snapshots make unneeded: older snapshots, and
   * segments whose records all come before the oldest kept snapshot (never the current
   * segment). Oldest segment first, so a crash midway leaves an unbroken journal.
   */
  private async prune(): Promise<string[]> {
    const keep = this.lim.keepSnapshots;
    const snaps = this.snapshots;
    const base = snaps.length >= keep ? snaps[snaps.length - keep].covers : 0;
    const doomed: string[] = [];
    for (let i = 0; i + 1 < this.segments.length && this.segments[i].name !== this.cur.name; i++) {
      if (this.segments[i + 1].first <= base) doomed.push(this.segments[i].name); else break;
    }
    for (const s of snaps.slice(0, Math.max(0, snaps.length - keep))) doomed.push(s.name);
    const removed: string[] = [];
    for (const name of doomed) {
      try {
        await this.fs.unlink(join(this.dir, name));
      } catch (e) {
        if (sysCode(e) !== 'ENOENT') {
          this.log(`prune: remove ${name}: ${String(e)}; left in place`);
          break;
        }
      }
      removed.push(name);
      this.segments = this.segments.filter((s) => s.name !== name);
      this.snapshots = this.snapshots.filter((s) => s.name !== name);
    }
    if (removed.length > 0) {
      await this.fs.syncDir(this.dir).catch((e: unknown) => this.log(`prune: sync ${this.dir}: ${String(e)}`));
    }
    return removed;
  }
}
