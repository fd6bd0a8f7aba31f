// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal recovery: a torn tail is cut at every byte offset of the last records; damage
// before the tail, unknown versions, bad snapshots and missing segments are refused with
// the file and offset, and with `recover` the longest valid prefix is kept and reported.

import t from 'tap';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, MemFs, Store } from '../../lib/wal/index.js';
import { rejection, segmentsIn, snapshotsIn, tmpDir } from './helpers.js';

const cmd = (t: number) => ({ t, cmd: { op: 'want', user: 'glenda', pid: 7, n: 4 } });
const SEG0 = 'journal.0000000000000000.wal';

/** n records appended one by one (one batch each); the segment's size after each. */
async function build(dir: string, n: number, opts = {}): Promise<number[]> {
  const st = await Store.open(dir, opts);
  const bounds = [statSync(join(dir, SEG0)).size];
  for (let i = 0; i < n; i++) {
    await st.append(cmd(i));
    bounds.push(statSync(join(dir, SEG0)).size);
  }
  await st.close();
  return bounds;
}

/** Sets a frame's kind byte and recomputes its CRC with the segment's salt. */
function rekind(seg: Buffer, frame: number, kind: number): void {
  const seed = crc32c(seg, 16, 20);
  const len = seg.readUInt32LE(frame);
  seg[frame + 8] = kind;
  seg.writeUInt32LE(crc32c(seg, frame + 8, frame + 8 + len, seed), frame + 4);
}

t.test('the journal cut at every byte offset of its last three records recovers the matching prefix', async (t) => {
  const dir = tmpDir(t);
  const N = 12;
  const bounds = await build(dir, N);
  const full = readFileSync(join(dir, SEG0));
  t.equal(full.length, bounds[N]);
  let checked = 0;
  for (let cut = bounds[N - 3]; cut < bounds[N]; cut++) {
    writeFileSync(join(dir, SEG0), full.subarray(0, cut));
    let k = 0;
    while (k < N && bounds[k + 1] <= cut) k++;
    const st = await Store.open(dir);
    const r = st.recovered;
    if (r.records.length !== k || r.report.bytesCut !== cut - bounds[k] || statSync(join(dir, SEG0)).size !== bounds[k]) {
      t.fail(`cut at ${cut}: ${r.records.length} records (want ${k}), ${r.report.bytesCut} bytes cut (want ${cut - bounds[k]})`);
    }
    if (cut !== bounds[k]) {
      t.equal(r.report.cut?.file, SEG0);
      t.equal(r.report.cut?.offset, bounds[k]);
      t.match(r.report.text.join('\n'), new RegExp(`cut ${SEG0.replace(/\./g, '\\.')} at offset ${bounds[k]}`));
    }
    t.same(r.records, Array.from({ length: k }, (_, i) => cmd(i)), `cut at ${cut}`);
    t.equal(await st.append('more'), k, 'appends go on after the cut');
    await st.close();
    checked++;
  }
  t.equal(checked, bounds[N] - bounds[N - 3]);
  const st = await Store.open(dir);
  t.equal(st.recovered.records.length, N, 'the last cut plus the append after it');
  await st.close();
});

t.test('a batch is atomic: a torn multi-record batch is cut whole', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  await st.append('solo');
  const before = statSync(join(dir, SEG0)).size;
  await Promise.all([st.append('a'), st.append('b'), st.append('c')]);
  await st.close();
  const full = readFileSync(join(dir, SEG0));
  for (const cut of [before + 1, full.length - 20, full.length - 1]) {
    writeFileSync(join(dir, SEG0), full.subarray(0, cut));
    const s = await Store.open(dir);
    t.same(s.recovered.records, ['solo'], `cut at ${cut}`);
    await s.close();
  }
});

t.test('zeros or garbage after the last batch (a file extended but not written) are cut', async (t) => {
  const dir = tmpDir(t);
  await build(dir, 5);
  const full = readFileSync(join(dir, SEG0));
  writeFileSync(join(dir, SEG0), Buffer.concat([full, Buffer.alloc(4096)]));
  let st = await Store.open(dir);
  t.equal(st.recovered.records.length, 5);
  t.equal(st.recovered.report.bytesCut, 4096);
  await st.close();
  writeFileSync(join(dir, SEG0), Buffer.concat([full, Buffer.from('garbage that is no frame at all, of some length')]));
  st = await Store.open(dir);
  t.equal(st.recovered.records.length, 5);
  await st.close();
});

t.test('every flipped bit of a batch in the middle is refused with the file and offset', async (t) => {
  const mem = new MemFs();
  const st = await Store.open('/s', { fs: mem, lock: false });
  const bounds = [24];
  for (let i = 0; i < 10; i++) { await st.append(cmd(i)); bounds.push(mem.peek(`/s/${SEG0}`)!.length); }
  await st.close();
  const orig = mem.peek(`/s/${SEG0}`)!;
  const [from, to] = [bounds[5], bounds[6]];
  let refused = 0;
  for (let byte = from; byte < to; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = Buffer.from(orig);
      bad[byte] ^= 1 << bit;
      mem.poke(`/s/${SEG0}`, bad);
      const e = await rejection(Store.open('/s', { fs: mem, lock: false }));
      if (e.code === 'EIO' && e.file === SEG0 && e.offset !== undefined && e.offset >= from && e.offset <= byte) refused++;
      else t.fail(`bit ${bit} of byte ${byte}: ${e.message}`);
    }
  }
  t.equal(refused, (to - from) * 8, 'all refused');
  // a payload bit names the record frame exactly
  const bad = Buffer.from(orig);
  bad[to - 3] ^= 0x10;
  mem.poke(`/s/${SEG0}`, bad);
  const e = await rejection(Store.open('/s', { fs: mem, lock: false }));
  t.equal(e.offset, from + 17, 'the record frame after the batch header');
  t.match(e.message, new RegExp(`${SEG0.replace(/\./g, '\\.')} at offset ${from + 17}: record checksum mismatch`));
  t.match(e.message, /not a torn tail/);
});

t.test('with recover, damage keeps the prefix before it, and says what was dropped', async (t) => {
  const dir = tmpDir(t);
  const bounds = await build(dir, 20);
  const orig = readFileSync(join(dir, SEG0));
  const bad = Buffer.from(orig);
  bad[bounds[10] + 30] ^= 0x01;
  writeFileSync(join(dir, SEG0), bad);
  const e = await rejection(Store.open(dir));
  t.equal(e.file, SEG0);
  t.equal(e.offset, bounds[10] + 17);
  const st = await Store.open(dir, { recover: true });
  t.same(st.recovered.records, Array.from({ length: 10 }, (_, i) => cmd(i)));
  const d = st.recovered.report.dropped;
  t.equal(d.length, 1);
  t.equal(d[0].file, SEG0);
  t.equal(d[0].offset, bounds[10]);
  t.equal(d[0].bytes, bounds[20] - bounds[10]);
  t.equal(d[0].records, 9, 'the valid records after the damaged one are counted');
  t.match(d[0].reason, /record checksum mismatch/);
  t.same(readFileSync(join(dir, d[0].savedAs!)), bad.subarray(bounds[10]), 'the dropped bytes are kept aside');
  t.match(st.recovered.report.text.join('\n'), /recover: cut journal\.0000000000000000\.wal at offset/);
  t.equal(await st.append('next'), 10);
  await st.close();
  const again = await Store.open(dir);
  t.equal(again.recovered.records.length, 11, 'a plain open is clean again');
  await again.close();
});

t.test('an unknown record version is refused, even in the last record', async (t) => {
  const dir = tmpDir(t);
  const bounds = await build(dir, 6);
  const orig = readFileSync(join(dir, SEG0));
  for (const j of [2, 5]) {
    const b = Buffer.from(orig);
    rekind(b, bounds[j] + 17, 0x02);
    writeFileSync(join(dir, SEG0), b);
    const e = await rejection(Store.open(dir));
    t.equal(e.file, SEG0);
    t.equal(e.offset, bounds[j] + 17);
    t.match(e.message, /unknown record version 0x2/);
  }
  const st = await Store.open(dir, { recover: true });
  t.equal(st.recovered.records.length, 5);
  await st.close();

  const d2 = tmpDir(t);
  await build(d2, 2);
  const b = readFileSync(join(d2, SEG0));
  b[4] = 2;
  b.writeUInt32LE(crc32c(b, 0, 20), 20);
  writeFileSync(join(d2, SEG0), b);
  const e = await rejection(Store.open(d2));
  t.equal(e.offset, 0);
  t.match(e.message, /unknown segment format version 2/);
});

async function twoSnapshots(dir: string, keepSnapshots: number): Promise<void> {
  const st = await Store.open(dir, { segmentRecords: 4, keepSnapshots });
  for (let i = 0; i < 5; i++) await st.append(i);
  await st.snapshot([0, 1, 2, 3, 4]);
  for (let i = 5; i < 10; i++) await st.append(i);
  await st.snapshot([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (let i = 10; i < 13; i++) await st.append(i);
  await st.close();
}

t.test('a damaged snapshot is refused; with recover the previous snapshot and its journal are used', async (t) => {
  const dir = tmpDir(t);
  await twoSnapshots(dir, 2);
  t.same(snapshotsIn(dir), ['snapshot.0000000000000005.snap', 'snapshot.0000000000000010.snap']);
  const p = join(dir, 'snapshot.0000000000000010.snap');
  const b = readFileSync(p);
  b[40] ^= 0x04;
  writeFileSync(p, b);
  const e = await rejection(Store.open(dir));
  t.equal(e.file, 'snapshot.0000000000000010.snap');
  t.equal(e.offset, 32);
  t.match(e.message, /snapshot body checksum mismatch/);
  const st = await Store.open(dir, { recover: true });
  t.same(st.recovered.snapshot, [0, 1, 2, 3, 4]);
  t.same(st.recovered.records, [5, 6, 7, 8, 9, 10, 11, 12], 'nothing lost: the journal from the older snapshot was kept');
  t.same(st.recovered.report.dropped.map((d) => d.file), ['snapshot.0000000000000010.snap']);
  t.ok(existsSync(p + '.dropped'));
  await st.close();
  // an unknown snapshot version is refused the same way
  const d2 = tmpDir(t);
  await twoSnapshots(d2, 2);
  const q = join(d2, 'snapshot.0000000000000010.snap');
  const c = readFileSync(q);
  c[4] = 9;
  c.writeUInt32LE(crc32c(c, 0, 28), 28);
  writeFileSync(q, c);
  const e2 = await rejection(Store.open(d2));
  t.match(e2.message, /unknown snapshot format version 9/);
  t.equal(e2.offset, 4);
});

t.test('with one snapshot kept and it damaged, recover starts empty and reports the journal it dropped', async (t) => {
  const dir = tmpDir(t);
  await twoSnapshots(dir, 1);
  t.same(snapshotsIn(dir), ['snapshot.0000000000000010.snap']);
  writeFileSync(join(dir, 'snapshot.0000000000000010.snap'), 'AKSN');
  const e = await rejection(Store.open(dir));
  t.match(e.message, /short snapshot/);
  const st = await Store.open(dir, { recover: true });
  t.equal(st.recovered.snapshot, undefined);
  t.same(st.recovered.records, []);
  const files = st.recovered.report.dropped.map((d) => d.file);
  t.same(files, ['snapshot.0000000000000010.snap', 'journal.0000000000000010.wal']);
  t.equal(st.recovered.report.dropped[1].records, 3);
  t.match(st.recovered.report.dropped[1].reason, /no snapshot covers the records before it/);
  t.equal(await st.append('fresh'), 0);
  await st.close();
});

t.test('a last segment whose header never reached the disk is removed; a bad header elsewhere is refused', async (t) => {
  const dir = tmpDir(t);
  await build(dir, 3);
  const next = join(dir, 'journal.0000000000000003.wal');
  const header = readFileSync(join(dir, SEG0)).subarray(0, 24);
  for (const partial of [Buffer.alloc(0), header.subarray(0, 10), Buffer.alloc(24), Buffer.alloc(100)]) {
    writeFileSync(next, partial);
    const st = await Store.open(dir);
    t.equal(st.recovered.records.length, 3, `${partial.length} bytes`);
    t.equal(st.recovered.report.cut?.file, 'journal.0000000000000003.wal');
    t.notOk(existsSync(next));
    await st.close();
  }
  writeFileSync(next, Buffer.concat([Buffer.from('NOT A HEADER AT ALL, NO SIR'), Buffer.alloc(10)]));
  const e = await rejection(Store.open(dir));
  t.equal(e.file, 'journal.0000000000000003.wal');
  t.match(e.message, /bad magic/);
  unlinkSync(next);
});

t.test('a missing segment is refused, naming the one after the gap', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { segmentRecords: 2 });
  for (let i = 0; i < 7; i++) await st.append(i);
  await st.close();
  t.same(segmentsIn(dir).length, 4);
  unlinkSync(join(dir, 'journal.0000000000000002.wal'));
  const e = await rejection(Store.open(dir));
  t.equal(e.file, 'journal.0000000000000004.wal');
  t.match(e.message, /records 2\.\.3 are missing/);
  const r = await Store.open(dir, { recover: true, segmentRecords: 2 });
  t.same(r.recovered.records, [0, 1]);
  t.same(r.recovered.report.dropped.map((d) => [d.file, d.records]), [['journal.0000000000000004.wal', 2], ['journal.0000000000000006.wal', 1]]);
  t.equal(await r.append('x'), 2);
  await r.close();
  t.ok(readdirSync(dir).includes('journal.0000000000000004.wal.dropped'));
});

t.test('a short segment that is not the last is damage, not a torn tail', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { segmentRecords: 3 });
  for (let i = 0; i < 6; i++) await st.append(i);
  await st.close();
  const p = join(dir, SEG0);
  const b = readFileSync(p);
  writeFileSync(p, b.subarray(0, b.length - 5));
  const e = await rejection(Store.open(dir));
  t.equal(e.file, SEG0);
  const r = await Store.open(dir, { recover: true, segmentRecords: 3 });
  t.same(r.recovered.records, [0, 1]);
  t.same(r.recovered.report.dropped.map((d) => d.file), [SEG0, 'journal.0000000000000003.wal']);
  await r.close();
  renameSync(join(dir, 'journal.0000000000000003.wal.dropped'), join(dir, 'x'));
});
