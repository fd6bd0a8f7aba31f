// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Recovery: the newest snapshot that checks out, then every record after it, in order.
// A torn final batch is cut off and reported. Anything else wrong (damage before the
// tail, an unknown format or record version, a bad snapshot, a missing segment) stops
// the open with an error naming the file and offset, unless `recover` is set: then the
// longest valid prefix of the history is kept and what was dropped is reported, the
// dropped files renamed to NAME.dropped (and the cut-off bytes of a segment saved to
// NAME.OFFSET.dropped) so that nothing is destroyed.

import { join } from 'node:path';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { Unpackr } from 'msgpackr';
import { crc32c } from './crc32c.js';
import { damaged } from './errors.js';
import {
  DROPPED_SUFFIX, SEG_HEADER, SEG_RE, SNAP_HEADER, SNAP_RE, TMP_SUFFIX, decodeSegHeader, decodeSnapHeader, saltSeed,
} from './format.js';
import { readWhole, writeAll, type FsLayer } from './fs.js';
import { countAfter, findBatch, scanSegment, type ScanProblem } from './scan.js';

/** Something recovery left out of the state (only with `recover`). */
export interface Dropped {
  file: string;
  /** First byte dropped. */
  offset: number;
  bytes: number;
  /** Valid records counted in the dropped bytes (a lower bound when the damage hides some). */
  records: number;
  reason: string;
  /** Where the dropped bytes were kept. */
  savedAs?: string;
}

export interface RecoveryReport {
  /** The snapshot file the state starts from, if any. */
  snapshotUsed?: string;
  /** How many records the snapshot covers (the seq of the first replayed record). */
  snapshotCovers: number;
  recordsReplayed: number;
  /** The seq the next append gets. */
  nextSeq: number;
  /** Bytes of the segments read, from the one holding the snapshot's position on. */
  journalBytes: number;
  /** Bytes of a torn final batch cut off (0 if the journal ended cleanly). */
  bytesCut: number;
  cut?: { file: string; offset: number; bytes: number; reason: string };
  /** With `recover`: everything left out. Empty otherwise. */
  dropped: Dropped[];
  /** Leftover temporary and obsolete files removed. */
  removed: string[];
  /** One line per event above, for the log. */
  text: string[];
}

export interface SegInfo { name: string; first: number }
export interface SnapInfo { name: string; covers: number }
/** The segment appends continue in. */
export interface Current { name: string; first: number; count: number; size: number; salt: number }

export interface RecoverOut {
  snapshot: unknown;
  records: unknown[];
  report: RecoveryReport;
  /** All segments left in the directory, oldest first (the last is `current`'s, if any). */
  segments: SegInfo[];
  current?: Current;
  /** Snapshot files left in the directory, oldest first. */
  snapshots: SnapInfo[];
}

export interface RecoverOpts {
  recover: boolean;
  unpackr: Unpackr;
  /** Called for each record after the snapshot, in order; without it they are collected. */
  replay?: (value: unknown, seq: number) => void;
  /** Called once with the snapshot the state starts from (undefined if none) and the
   *  records it covers, before the first record is replayed. */
  base?: (snapshot: unknown, covers: number) => void;
  log: (line: string) => void;
}

/** Records decoded between two yields to the event loop. */
const CHUNK = 65536;
/** Bytes of a segment read at a time (more when one batch is larger). */
const WINDOW = 1 << 20;
/** Records up to this many bytes are decoded from a copy (decode(), below). */
const SCRATCH = 128;
const scratch = Buffer.alloc(SCRATCH);

export async function recoverDir(fsl: FsLayer, dir: string, opts: RecoverOpts): Promise<RecoverOut> {
  const names = await fsl.readdir(dir);
  const report: RecoveryReport = { snapshotCovers: 0, recordsReplayed: 0, nextSeq: 0, journalBytes: 0, bytesCut: 0, dropped: [], removed: [], text: [] };
  const note = (line: string): void => { report.text.push(line); opts.log(line); };
  let dirty = false;

  for (const n of names) {
    if (!n.endsWith(TMP_SUFFIX) || !(SNAP_RE.test(n.slice(0, -TMP_SUFFIX.length)))) continue;
    await fsl.unlink(join(dir, n));
    report.removed.push(n);
    note(`removed ${n}: an unfinished snapshot`);
    dirty = true;
  }
  let segments: SegInfo[] = names.flatMap((n) => { const m = SEG_RE.exec(n); return m ? [{ name: n, first: Number(m[1]) }] : []; })
    .sort((a, b) => a.first - b.first);
  let snapshots: SnapInfo[] = names.flatMap((n) => { const m = SNAP_RE.exec(n); return m ? [{ name: n, covers: Number(m[1]) }] : []; })
    .sort((a, b) => a.covers - b.covers);

  const moveAside = async (name: string): Promise<string> => {
    const to = name + DROPPED_SUFFIX;
    await fsl.rename(join(dir, name), join(dir, to));
    dirty = true;
    return to;
  };

  // The base: the newest snapshot that checks out.
  let snapshot: unknown;
  let base = 0;
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const s = snapshots[i];
    const buf = await readWhole(fsl, join(dir, s.name));
    const r = checkSnapshot(buf, s, opts.unpackr);
    if ('value' in r) {
      snapshot = r.value;
      base = s.covers;
      report.snapshotUsed = s.name;
      break;
    }
    if (!opts.recover) throw damaged(s.name, r.offset, r.bad);
    const savedAs = await moveAside(s.name);
    report.dropped.push({ file: s.name, offset: 0, bytes: buf.length, records: 0, reason: `${r.bad} (at offset ${r.offset})`, savedAs });
    note(`recover: dropped snapshot ${s.name}: ${r.bad} at offset ${r.offset}; kept as ${savedAs}`);
    snapshots = snapshots.slice(0, i);
  }
  report.snapshotCovers = base;
  opts.base?.(snapshot, base);

  // Drops segments[from...] (recover mode): renamed aside, their records counted.
  const dropFrom = async (from: number, reason: string): Promise<void> => {
    for (const s of segments.slice(from)) {
      const buf = await readWhole(fsl, join(dir, s.name));
      const h = decodeSegHeader(buf);
      const records = 'first' in h ? countAfter(buf, SEG_HEADER, saltSeed(h.salt)).records : 0;
      const savedAs = await moveAside(s.name);
      report.dropped.push({ file: s.name, offset: 0, bytes: buf.length, records, reason, savedAs });
      note(`recover: dropped ${s.name} (${buf.length} bytes, ${records} records): ${reason}; kept as ${savedAs}`);
    }
    segments = segments.slice(0, from);
  };
  const refuse = async (i: number, offset: number, reason: string): Promise<void> => {
    if (!opts.recover) throw damaged(segments[i].name, offset, reason);
    await dropFrom(i, `${reason} (at offset ${offset})`);
  };

  // The chain of segments from the one holding `base`.
  let start = -1;
  for (let i = 0; i < segments.length; i++) if (segments[i].first <= base) start = i;
  if (start < 0 && segments.length > 0) {
    const why = report.snapshotUsed
      ? `the journal starts at record ${segments[0].first}, after the snapshot's ${base}`
      : `the journal starts at record ${segments[0].first} and no snapshot covers the records before it`;
    await refuse(0, 0, why);
  }

  let current: Current | undefined;
  let win: Buffer = Buffer.allocUnsafe(WINDOW);
  let expect = -1;
  let decoded = 0;
  const records: unknown[] = [];
  for (let i = Math.max(start, 0); i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    const path = join(dir, s.name);
    const seg = await SegmentReader.open(fsl, path, win);
    try {
      const size = seg.size;
      await seg.slide(0, SEG_HEADER);
      const h = decodeSegHeader(seg.window());
      if (!('first' in h)) {
        const buf = size <= seg.len ? seg.window() : await seg.rest(0);
        if (last && !h.version && (buf.length <= SEG_HEADER || buf.every((b) => b === 0))) {
          // Created but its header never (or only partly) reached the disk. The header is
          // synced before any batch is written, so no record can be in it.
          await fsl.unlink(path);
          dirty = true;
          report.bytesCut += buf.length;
          report.cut = { file: s.name, offset: 0, bytes: buf.length, reason: h.bad };
          note(`cut ${s.name}: removed, its header was never completed (${h.bad})`);
          segments = segments.slice(0, i);
          break;
        }
        await refuse(i, 0, h.bad);
        break;
      }
      if (h.first !== s.first) { await refuse(i, 8, `the header says the first record is ${h.first}, the name says ${s.first}`); break; }
      if (expect >= 0 && h.first !== expect) {
        await refuse(i, 0, `records ${expect}..${h.first - 1} are missing (the segment before ends at ${expect - 1})`);
        break;
      }
      const seed = saltSeed(h.salt);
      let seq = h.first;
      // A batch is decoded whole before any of it is handed on, so a record that does not
      // decode leaves the batch out entirely; records before `base` are checked, not decoded.
      const range = { start: 0, end: 0 };
      const vals: unknown[] = [];
      const decode = (b: Buffer, k: number, starts: number[], ends: number[]): unknown => {
        const s0 = starts[k], n = ends[k] - s0;
        if (n > SCRATCH) {
          range.start = s0;
          range.end = s0 + n;
          return opts.unpackr.unpack(b, range);
        }
        // A small record is copied to the start of a scratch buffer first: msgpackr reads
        // the strings of a source that ends before byte 140 in JavaScript, and those of any
        // other (a record deep in a segment) through a native call per record, several
        // times slower. The unpackr copies binaries (copyBuffers), so nothing decoded
        // points into the scratch buffer.
        for (let i = 0; i < n; i++) scratch[i] = b[s0 + i];
        range.start = 0;
        range.end = n;
        return opts.unpackr.unpack(scratch, range);
      };
      const onBatch = (b: Buffer, starts: number[], ends: number[], n: number): string | undefined => {
        const skip = Math.max(0, Math.min(n, base - seq));
        seq += skip;
        if (skip === n) return undefined;
        vals.length = 0;
        for (let k = skip; k < n; k++) {
          try {
            vals.push(decode(b, k, starts, ends));
          } catch (e) {
            return `record ${seq + k - skip} does not decode: ${e instanceof Error ? e.message : String(e)}`;
          }
        }
        for (const v of vals) {
          if (opts.replay) opts.replay(v, seq); else records.push(v);
          seq++;
        }
        decoded += vals.length;
        vals.length = 0;
        return undefined;
      };
      let pos = SEG_HEADER, count = 0;
      let problem: ScanProblem | undefined;
      for (let since = 0; ;) {
        const at = seg.start, more = seg.start + seg.len < size;
        const r = scanSegment(seg.window(), seed, pos - at, CHUNK - since, onBatch, more);
        pos = at + r.end;
        count += r.count;
        since += r.count;
        if (r.problem) {
          const p = r.problem;
          problem = { ...p, offset: at + p.offset, cut: at + p.cut };
          // no valid batch in the rest of the window: the rest of the file decides
          if (more && p.tail && p.searched !== undefined) problem.tail = findBatch(await seg.rest(at + p.searched), 0, seed) < 0;
          break;
        }
        if (r.done) break;
        if (r.need !== undefined) await seg.slide(pos, r.need);
        if (since >= CHUNK) { since = 0; await yieldLoop(); }
      }
      report.recordsReplayed = decoded;
      if (problem) {
        const lost = size - problem.cut;
        if (last && problem.tail) {
          await truncateFile(fsl, path, problem.cut);
          report.bytesCut += lost;
          report.cut = { file: s.name, offset: problem.cut, bytes: lost, reason: `${problem.reason} at offset ${problem.offset}` };
          note(`cut ${s.name} at offset ${problem.cut}: ${lost} bytes of an unfinished final batch (${problem.reason} at offset ${problem.offset})`);
        } else if (!opts.recover) {
          throw damaged(s.name, problem.offset, problem.version ? problem.reason : `${problem.reason} (valid records follow: not a torn tail)`);
        } else {
          const savedAs = `${s.name}.${problem.cut}${DROPPED_SUFFIX}`;
          const rest = await seg.rest(problem.cut);
          await saveBytes(fsl, join(dir, savedAs), rest);
          await truncateFile(fsl, path, problem.cut);
          dirty = true;
          const records = countAfter(rest, 1, seed).records;
          report.dropped.push({ file: s.name, offset: problem.cut, bytes: lost, records, reason: `${problem.reason} at offset ${problem.offset}`, savedAs });
          note(`recover: cut ${s.name} at offset ${problem.cut}: dropped ${lost} bytes (at least ${records} more records): ${problem.reason} at offset ${problem.offset}; kept as ${savedAs}`);
          if (!last) await dropFrom(i + 1, `follows the damage in ${s.name} at offset ${problem.offset}`);
        }
        current = { name: s.name, first: h.first, count, size: problem.cut, salt: h.salt };
        report.journalBytes += problem.cut;
        expect = h.first + count;
        break;
      }
      current = { name: s.name, first: h.first, count, size, salt: h.salt };
      report.journalBytes += size;
      expect = h.first + count;
    } finally {
      win = seg.buf;
      await seg.close();
    }
  }
  report.recordsReplayed = decoded;
  report.nextSeq = Math.max(base, expect);
  if (current && current.first + current.count < base) current = undefined;   // the snapshot is ahead of the journal: start a new segment there
  if (dirty) await fsl.syncDir(dir);
  return { snapshot, records, report, segments, current, snapshots };
}

function checkSnapshot(buf: Buffer, s: SnapInfo, unpackr: Unpackr): { value: unknown } | { bad: string; offset: number } {
  const h = decodeSnapHeader(buf);
  if ('bad' in h) return h;
  if (h.covers !== s.covers) return { bad: `the header says it covers ${h.covers} records, the name says ${s.covers}`, offset: 8 };
  if (crc32c(buf, SNAP_HEADER) !== h.bodyCrc) return { bad: 'snapshot body checksum mismatch', offset: SNAP_HEADER };
  try {
    return { value: unpackr.unpack(buf, { start: SNAP_HEADER, end: buf.length }) };
  } catch (e) {
    return { bad: `snapshot body does not decode: ${e instanceof Error ? e.message : String(e)}`, offset: SNAP_HEADER };
  }
}

async function truncateFile(fsl: FsLayer, path: string, len: number): Promise<void> {
  const fd = await fsl.open(path, 'r+');
  try {
    await fsl.ftruncate(fd, len);
    await fsl.fsync(fd);
  } finally {
    await fsl.close(fd);
  }
}

async function saveBytes(fsl: FsLayer, path: string, bytes: Buffer): Promise<void> {
  const fd = await fsl.open(path, 'w');
  try {
    await writeAll(fsl, fd, bytes, 0);
    await fsl.fsync(fd);
  } finally {
    await fsl.close(fd);
  }
}

/**
 * A segment read through a window that slides along it. Reading a whole segment (up to
 * 64 MiB) into a new buffer costs more in page faults on the fresh memory than checking
 * and decoding its records; one buffer reused for every window stays mapped.
 */
class SegmentReader {
  /** File offset of buf[0], and bytes of buf that hold the file from there. */
  start = 0;
  len = 0;
  private constructor(private readonly fsl: FsLayer, private readonly fd: number, readonly size: number, public buf: Buffer) {}

  static async open(fsl: FsLayer, path: string, buf: Buffer): Promise<SegmentReader> {
    const fd = await fsl.open(path, 'r');
    try {
      return new SegmentReader(fsl, fd, await fsl.fsize(fd), buf);
    } catch (e) {
      await fsl.close(fd);
      throw e;
    }
  }

  window(): Buffer { return this.buf.subarray(0, this.len); }

  /** Moves the window to start at file offset `from`, holding at least `need` bytes (or
   *  all that is left of the file), and as many more as fit. */
  async slide(from: number, need: number): Promise<void> {
    const want = Math.min(need, this.size - from);
    if (want > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(want, 2 * this.buf.length));
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
    }
    // what the window already holds of the new one moves to the front
    const keep = from >= this.start && from < this.start + this.len ? this.start + this.len - from : 0;
    if (keep > 0 && from > this.start) this.buf.copy(this.buf, 0, from - this.start, this.start + this.len);
    this.start = from;
    this.len = keep;
    const end = Math.min(this.size, from + this.buf.length);
    while (this.start + this.len < end) {
      const n = await this.fsl.read(this.fd, this.buf, this.len, end - this.start - this.len, this.start + this.len);
      if (n === 0) break;
      this.len += n;
    }
  }

  /** The file from `from` to its end, in a buffer of its own (the rare paths: damage). */
  async rest(from: number): Promise<Buffer> {
    const b = Buffer.allocUnsafe(Math.max(0, this.size - from));
    let got = 0;
    while (got < b.length) {
      const n = await this.fsl.read(this.fd, b, got, b.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return got === b.length ? b : b.subarray(0, got);
  }

  close(): Promise<void> { return this.fsl.close(this.fd); }
}
