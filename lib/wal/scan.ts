// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reading a segment's batches back (format.ts). The scanner decides, at the first bad
// byte, whether it is a torn tail or damage. A batch is written with one write and synced
// before the next batch is written, so only the final batch can be unfinished after a
// crash, and its bytes can come back cut short, zeroed or out of order. Hence: damage at
// some point is a torn tail exactly when no valid batch header exists anywhere after the
// batch that holds it; a valid batch after it proves that batch was synced, so the bad
// bytes are damage. The cut always goes at the start of the batch: batches are atomic.

import { crc32c } from './crc32c.js';
import { BATCH_FRAME, FRAME_HEAD, KIND_BATCH, KIND_RECORD } from './format.js';

export interface ScanProblem {
  /** Offset of the bad frame. */
  offset: number;
  /** Start of the batch holding it: everything from here on is not part of the journal. */
  cut: number;
  reason: string;
  /** No valid batch follows: an unfinished final batch rather than damage. */
  tail: boolean;
  /** Where the search for a valid batch after it started, when `tail` came from that
   *  search: with `more`, the bytes past `buf` must be searched too. */
  searched?: number;
  /** A frame whose checksum holds but whose kind byte is unknown (a newer format). */
  version?: boolean;
}

export interface ScanResult {
  /** Offset after the last whole valid batch read. */
  end: number;
  /** Records in the whole valid batches read. */
  count: number;
  problem?: ScanProblem;
  /** False when the scan stopped at `maxRecords` with more left to read, or (`need`) at
   *  the end of `buf` with more of the file after it. */
  done: boolean;
  /** With `more`: the batch at `end` goes past `buf`; this many bytes from `end` hold it
   *  (or its header). */
  need?: number;
}

/**
 * Called once per whole valid batch, before the next is read: payload i lies in
 * buf[starts[i], ends[i]). Returns a reason if the batch cannot be used (its records do
 * not decode); the scan then stops there with a problem that is not a tail.
 */
export type OnBatch = (buf: Buffer, starts: number[], ends: number[], n: number) => string | undefined;

const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at);

/** Offset of the first valid batch header at or after `from`, or -1. */
export function findBatch(buf: Buffer, from: number, seed: number): number {
  let i = buf.indexOf(KIND_BATCH, from + 8);
  while (i >= 0 && i - 8 + BATCH_FRAME <= buf.length) {
    const q = i - 8;
    if (u32(buf, q) === BATCH_FRAME - 8 && crc32c(buf, q + 8, q + BATCH_FRAME, seed) === u32(buf, q + 4)) return q;
    i = buf.indexOf(KIND_BATCH, i + 1);
  }
  return -1;
}

/** Batches and records that are still valid after `from` (what a recovery that stops at
 *  damage drops, at least). */
export function countAfter(buf: Buffer, from: number, seed: number): { batches: number; records: number } {
  let batches = 0, records = 0;
  for (let q = findBatch(buf, from, seed); q >= 0; ) {
    batches++;
    records += u32(buf, q + 13);
    const bytes = u32(buf, q + 9);
    q = findBatch(buf, q + Math.max(bytes, 1), seed);
  }
  return { batches, records };
}

/**
 * Reads the batches of `buf` from `from` (a batch boundary, SEG_HEADER at a segment's
 * start), at most about `maxRecords` records. `buf` is the segment from some offset on;
 * `more` says the file goes on past its end: a batch that does not fit is then not a
 * problem but a `need`. Offsets in the result are offsets in `buf`.
 */
export function scanSegment(buf: Buffer, seed: number, from: number, maxRecords: number, onBatch?: OnBatch, more = false): ScanResult {
  const len = buf.length;
  const starts: number[] = [], ends: number[] = [];
  let pos = from, count = 0;
  const fail = (offset: number, reason: string, tailFrom: number, opts: { tail?: boolean; version?: boolean } = {}): ScanResult => {
    const search = opts.tail === undefined && !opts.version;
    return {
      end: pos, count, done: true,
      problem: {
        offset, cut: pos, reason, version: opts.version, tail: search ? findBatch(buf, tailFrom, seed) < 0 : !!opts.tail,
        searched: search ? tailFrom : undefined,
      },
    };
  };
  while (pos < len) {
    if (count >= maxRecords) return { end: pos, count, done: false };
    if (len - pos < BATCH_FRAME) {
      if (more) return { end: pos, count, done: false, need: BATCH_FRAME };
      return fail(pos, `short batch header (${len - pos} bytes before end of file)`, len, { tail: true });
    }
    const flen = u32(buf, pos);
    if (flen !== BATCH_FRAME - 8) return fail(pos, `bad batch header length ${flen}`, pos + 1);
    if (crc32c(buf, pos + 8, pos + BATCH_FRAME, seed) !== u32(buf, pos + 4)) return fail(pos, 'batch header checksum mismatch', pos + 1);
    const kind = buf[pos + 8];
    if (kind === KIND_RECORD) return fail(pos, 'a record frame where a batch header belongs', len, { tail: false });
    if (kind !== KIND_BATCH) return fail(pos, `unknown record version 0x${kind.toString(16)}`, len, { version: true });
    const bytes = u32(buf, pos + 9), n = u32(buf, pos + 13);
    if (n === 0 || bytes < BATCH_FRAME + n * (FRAME_HEAD)) return fail(pos, `impossible batch (${bytes} bytes, ${n} records)`, len, { tail: false });
    const end = pos + bytes;
    if (end > len && more) return { end: pos, count, done: false, need: bytes };
    if (end > len) return fail(pos, `batch of ${bytes} bytes runs past the end of the file (${len - pos} bytes left)`, len, { tail: true });
    let p = pos + BATCH_FRAME;
    for (let i = 0; i < n; i++) {
      if (end - p < FRAME_HEAD) return fail(p, `short record frame (${end - p} bytes before end of batch)`, end);
      const rl = u32(buf, p);
      if (rl < 1 || p + 8 + rl > end) return fail(p, `bad record length ${rl}`, end);
      if (crc32c(buf, p + 8, p + 8 + rl, seed) !== u32(buf, p + 4)) return fail(p, 'record checksum mismatch', end);
      if (buf[p + 8] !== KIND_RECORD) return fail(p, `unknown record version 0x${buf[p + 8].toString(16)}`, end, { version: true });
      starts[i] = p + FRAME_HEAD;
      ends[i] = p + 8 + rl;
      p += 8 + rl;
    }
    if (p !== end) return fail(p, `batch header says ${bytes} bytes, its records take ${p - pos}`, end, { tail: false });
    if (onBatch) {
      const why = onBatch(buf, starts, ends, n);
      if (why !== undefined) return fail(pos, why, len, { tail: false });
    }
    count += n;
    pos = end;
  }
  return { end: pos, count, done: true };
}
