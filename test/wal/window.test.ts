// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal recovery of segments larger than the window recovery reads them through (1 MiB):
// batches that straddle the window's end, a batch larger than the window, damage whose
// torn-tail-or-not decision depends on bytes past the window, and `recover` cutting there.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../lib/wal/index.js';
import { rejection, tmpDir } from './helpers.js';

const SEG0 = 'journal.0000000000000000.wal';
const MiB = 1 << 20;

/** Record i: a few hundred bytes, every 10th about 30 KiB, and one of 1.5 MiB. */
const rec = (i: number) => ({ i, pad: 'x'.repeat(i === 100 ? 1.5 * MiB : i % 10 === 0 ? 30_000 : 200 + (i * 37) % 300) });

/** A journal of n records in batches of 1 to 7 records; returns the batch boundaries. */
async function build(dir: string, n: number): Promise<number[]> {
  const st = await Store.open(dir);
  for (let i = 0; i < n;) {
    const k = Math.min(n - i, 1 + (i % 7));
    await Promise.all(Array.from({ length: k }, (_, j) => st.append(rec(i + j))));
    i += k;
  }
  await st.close();
  const seg = readFileSync(join(dir, SEG0));
  const bounds = [24];
  while (bounds[bounds.length - 1] < seg.length) bounds.push(bounds[bounds.length - 1] + seg.readUInt32LE(bounds[bounds.length - 1] + 9));
  return bounds;
}

/** records are rec(0), ..., rec(n - 1) (compared without printing megabytes on failure). */
function same(records: unknown[], n: number): boolean {
  return records.length === n && records.every((r, i) => JSON.stringify(r) === JSON.stringify(rec(i)));
}

/** Records in the batches before batch b. */
function recordsBefore(seg: Buffer, bounds: number[], b: number): number {
  let n = 0;
  for (let k = 0; k < b; k++) n += seg.readUInt32LE(bounds[k] + 13);
  return n;
}

t.test('a journal of several windows, one batch larger than a window, recovers whole', async (t) => {
  const dir = tmpDir(t);
  const N = 400;
  const bounds = await build(dir, N);
  const size = bounds[bounds.length - 1];
  t.ok(size > 2.5 * MiB, `the segment is ${size} bytes`);
  const st = await Store.open(dir);
  t.equal(st.recovered.records.length, N);
  t.ok(same(st.recovered.records, N), 'every record comes back as it was');
  t.equal(st.recovered.report.journalBytes, size);
  t.equal(st.recovered.report.bytesCut, 0);
  t.equal(await st.append('more'), N, 'appends go on at the end');
  await st.close();
});

t.test('damage in any batch is refused at its offset, in the last one cut as a torn tail, wherever the windows fall', async (t) => {
  const dir = tmpDir(t);
  const bounds = await build(dir, 400);
  const full = readFileSync(join(dir, SEG0));
  const last = bounds.length - 2;
  // the last byte of the batch's last record, or its header's record count: a checksum
  // no longer holds. A bad header of a batch that runs past the window leaves nothing
  // after it in the window: the rest of the file decides.
  for (const [b, at] of bounds.slice(0, -1).flatMap((x, b) => [[b, bounds[b + 1] - 1], [b, x + 13]])) {
    const seg = Buffer.from(full);
    seg[at] ^= 0xff;
    writeFileSync(join(dir, SEG0), seg);
    if (b < last) {
      const e = await rejection(Store.open(dir));
      if (e.offset === undefined || e.offset < bounds[b] || e.offset >= bounds[b + 1] || !/not a torn tail/.test(e.message)) {
        t.fail(`batch ${b} at ${bounds[b]}, byte ${at}: ${e.message}`);
      }
      continue;
    }
    const st = await Store.open(dir);
    t.equal(st.recovered.report.cut?.offset, bounds[b], `the last batch is cut as a torn tail (byte ${at})`);
    t.equal(st.recovered.records.length, recordsBefore(full, bounds, b));
    await st.close();
  }
  t.pass(`${last + 1} batches damaged in turn, twice each`);
});

t.test('a tail torn inside the batch larger than a window, and past it', async (t) => {
  const dir = tmpDir(t);
  const bounds = await build(dir, 101);   // record 100, 1.5 MiB, in the last batch
  const full = readFileSync(join(dir, SEG0));
  const b = bounds.length - 2;
  for (const cut of [bounds[b] + 5, bounds[b] + 17, bounds[b] + MiB, bounds[b + 1] - 1]) {
    writeFileSync(join(dir, SEG0), full.subarray(0, cut));
    const st = await Store.open(dir);
    t.equal(st.recovered.report.cut?.offset, bounds[b], `cut at ${cut}`);
    t.equal(st.recovered.report.bytesCut, cut - bounds[b]);
    t.equal(st.recovered.records.length, recordsBefore(full, bounds, b));
    await st.close();
  }
});

t.test('recover keeps the prefix before damage in a middle window and counts the records after it', async (t) => {
  const dir = tmpDir(t);
  const N = 400;
  const bounds = await build(dir, N);
  const full = readFileSync(join(dir, SEG0));
  const b = bounds.findIndex((x) => x > 2 * MiB);
  const seg = Buffer.from(full);
  seg[bounds[b] + 20] ^= 0xff;
  writeFileSync(join(dir, SEG0), seg);
  const st = await Store.open(dir, { recover: true });
  const kept = recordsBefore(full, bounds, b);
  t.equal(st.recovered.records.length, kept);
  t.ok(same(st.recovered.records, kept), 'the records before it come back as they were');
  const d = st.recovered.report.dropped[0];
  t.equal(d.offset, bounds[b]);
  t.equal(d.bytes, full.length - bounds[b]);
  t.equal(d.records, N - kept - full.readUInt32LE(bounds[b] + 13), 'the valid records after the bad batch are counted');
  t.same(readFileSync(join(dir, `${SEG0}.${bounds[b]}.dropped`)), seg.subarray(bounds[b]));
  await st.close();
});
