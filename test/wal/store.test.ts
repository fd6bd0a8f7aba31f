// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal Store: round trip, group commit, rotation, snapshots and what they remove,
// the bounds on what a caller can queue.

import t from 'tap';
import { copyFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FaultFs, Store } from '../../lib/wal/index.js';
import { rejection, segmentsIn, snapshotsIn, tmpDir } from './helpers.js';

const cmd = (t: number) => ({ t, cmd: { op: 'want', user: 'glenda', pid: 7, n: 4 } });

t.test('round trip: what was appended comes back in order, with its seq', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  t.equal(st.recovered.snapshot, undefined);
  t.same(st.recovered.records, []);
  const values: unknown[] = [cmd(1), 'text', 42, null, [1, [2, 3]], { nested: { deep: true } }, Buffer.from([1, 2, 3]), ''];
  const seqs: number[] = [];
  for (const v of values) seqs.push(await st.append(v));
  t.same(seqs, [0, 1, 2, 3, 4, 5, 6, 7]);
  await st.close();
  const again = await Store.open(dir);
  t.same(again.recovered.records, values.map((v) => (Buffer.isBuffer(v) ? new Uint8Array(v) : v)));
  t.equal(again.recovered.report.nextSeq, 8);
  t.equal(again.recovered.report.bytesCut, 0);
  t.equal(await again.append('next'), 8, 'seqs continue after a reopen');
  await again.close();
  const third = await Store.open(dir);
  t.equal(third.recovered.records.length, 9);
  await third.close();
});

t.test('replay streams the records instead of collecting them', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  for (let i = 0; i < 5; i++) await st.append(i);
  await st.close();
  const got: [unknown, number][] = [];
  const again = await Store.open(dir, { replay: (v, seq) => got.push([v, seq]) });
  t.same(got, [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]);
  t.same(again.recovered.records, []);
  t.equal(again.recovered.report.recordsReplayed, 5);
  await again.close();
});

t.test('group commit: appends of one turn share one write and one fdatasync', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs });
  const w0 = fs.counts.write, s0 = fs.counts.fdatasync;
  const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => st.append(cmd(i))));
  t.same(seqs, Array.from({ length: 50 }, (_, i) => i));
  t.equal(fs.counts.fdatasync - s0, 1, 'one fdatasync for 50 appends');
  t.equal(fs.counts.write - w0, 1, 'one write');
  // appends from different promise continuations of the same turn join too
  const s1 = fs.counts.fdatasync;
  await Promise.all([1, 2, 3].map(async (k) => { await Promise.resolve(); await Promise.resolve(); return st.append(k); }));
  t.equal(fs.counts.fdatasync - s1, 1, 'microtask continuations join the batch');
  // appends made while a batch's fdatasync runs go out together after it
  const s2 = fs.counts.fdatasync;
  const first = st.append('a');
  await new Promise((r) => setImmediate(r));   // the batch of 'a' is now in flight
  const rest = Array.from({ length: 10 }, (_, i) => st.append(i));
  await Promise.all([first, ...rest]);
  t.ok(fs.counts.fdatasync - s2 <= 2, `at most two fdatasyncs for two waves (${fs.counts.fdatasync - s2})`);
  t.equal(st.stats.nextSeq, 64);
  await st.close();
});

t.test('appendAll: one promise for many appends; what is durable is a prefix', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs, maxRecordBytes: 100 });
  t.equal(await st.append('before'), 0);
  const s0 = fs.counts.fdatasync;
  const [all, one] = [st.appendAll([cmd(1), cmd(2), cmd(3)]), st.append('same turn')];
  t.same(await all, { first: 1, durable: 3 }, 'seqs 1, 2, 3');
  t.equal(await one, 4, 'an append of the same turn follows them');
  t.equal(fs.counts.fdatasync - s0, 1, 'all in one batch');
  // a value that fails its checks is not queued, nor is anything after it
  const bad = await st.appendAll(['x', 10n ** 30n, 'y']);
  t.equal(bad.first, 5);
  t.equal(bad.durable, 1);
  t.equal(bad.error?.code, 'EINVAL');
  const big = await st.appendAll(['z'.repeat(200), 'w']);
  t.equal(big.durable, 0);
  t.equal(big.error?.code, 'E2BIG');
  // a failed batch: nothing of it is durable, the error says why
  fs.inject({ op: 'write', code: 'EIO', path: /journal/ });
  const failed = await st.appendAll(['p', 'q']);
  t.equal(failed.durable, 0);
  t.equal(failed.error?.code, 'EIO');
  fs.clear();
  t.same(await st.appendAll([]), { first: 6, durable: 0 });
  t.same(await st.appendAll(['after']), { first: 6, durable: 1 });
  await st.close();
  const closed = await st.appendAll([1]);
  t.equal(closed.error?.code, 'EIO', 'after close: refused');
  const again = await Store.open(dir);
  t.same(again.recovered.records, ['before', cmd(1), cmd(2), cmd(3), 'same turn', 'x', 'after']);
  await again.close();
});

t.test('commit writes the queued appends at once; appends after it go in the next batch', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs });
  const w0 = fs.counts.write, s0 = fs.counts.fdatasync;
  const a = [st.append('a'), st.append('b')];
  t.equal(fs.counts.write, w0, 'an append waits for the end of the turn');
  st.commit();
  t.equal(fs.counts.write, w0 + 1, 'commit starts the write before the turn ends');
  const c = st.append('c');
  st.commit();   // a batch is in flight: 'c' waits for it
  t.equal(fs.counts.write, w0 + 1);
  t.same(await Promise.all([...a, c]), [0, 1, 2]);
  t.equal(fs.counts.write - w0, 2, 'two batches');
  t.equal(fs.counts.fdatasync - s0, 2, 'each made durable');
  st.commit();   // nothing queued: nothing written
  t.equal(fs.counts.write - w0, 2);
  await st.close();
  const again = await Store.open(dir);
  t.same(again.recovered.records, ['a', 'b', 'c']);
  await again.close();
});

t.test('preallocBytes: zeros written ahead, cut at a clean close, before a new segment, and after a crash', async (t) => {
  const dir = tmpDir(t);
  const seg0 = join(dir, 'journal.0000000000000000.wal');
  const st = await Store.open(dir, { preallocBytes: 256 * 1024, segmentRecords: 1000 });
  for (let i = 0; i < 20; i++) await st.append(cmd(i));
  const bytes = readFileSync(seg0);
  let used = bytes.length;
  while (used > 0 && bytes[used - 1] === 0) used--;   // the last batch ends in a non-zero byte (n: 4)
  t.ok(statSync(seg0).size >= used + 60 * 1024, `zeros after the batches (${statSync(seg0).size} bytes, ${used} used)`);
  // a crash now: the file as it is, zeros and all
  const crashed = tmpDir(t);
  copyFileSync(seg0, join(crashed, 'journal.0000000000000000.wal'));
  await st.close();
  t.equal(statSync(seg0).size, used, 'a clean close cuts the zeros');
  const again = await Store.open(dir);
  t.same(again.recovered.records, Array.from({ length: 20 }, (_, i) => cmd(i)));
  t.equal(again.recovered.report.bytesCut, 0);
  await again.close();
  const after = await Store.open(crashed);
  t.same(after.recovered.records, Array.from({ length: 20 }, (_, i) => cmd(i)), 'after a crash: every record');
  t.ok(after.recovered.report.bytesCut > 0, 'the zeros are cut as a torn tail');
  t.equal(statSync(join(crashed, 'journal.0000000000000000.wal')).size, used);
  await after.close();
  // rotation: the segment before ends with its last batch
  const rot = tmpDir(t);
  const st2 = await Store.open(rot, { preallocBytes: 256 * 1024, segmentRecords: 5 });
  for (let i = 0; i < 12; i++) await st2.append(cmd(i));
  const segs = segmentsIn(rot);
  t.equal(segs.length, 3);
  for (const name of segs.slice(0, -1)) {
    const b = readFileSync(join(rot, name));
    t.not(b[b.length - 1], 0, `${name} ends with its last batch`);
  }
  t.ok(statSync(join(rot, segs[2])).size > 64 * 1024, 'the current one has zeros ahead');
  const crashed2 = tmpDir(t);
  for (const name of segs) copyFileSync(join(rot, name), join(crashed2, name));
  await st2.close();
  const r2 = await Store.open(crashed2);
  t.same(r2.recovered.records, Array.from({ length: 12 }, (_, i) => cmd(i)));
  await r2.close();
});

t.test('rotation by record count and by size', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { segmentRecords: 4 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => st.append(i)));
  t.same(segmentsIn(dir), ['journal.0000000000000000.wal', 'journal.0000000000000004.wal', 'journal.0000000000000008.wal'],
    'one batch of 10 split at the segment boundaries');
  await st.close();
  const again = await Store.open(dir, { segmentRecords: 4 });
  t.same(again.recovered.records, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await again.close();

  const d2 = tmpDir(t);
  const s2 = await Store.open(d2, { segmentBytes: 4096 });
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 10; i++) await s2.append(big);
  await s2.close();
  const segs = segmentsIn(d2);
  t.ok(segs.length >= 3, `${segs.length} segments`);
  for (const s of segs) t.ok(statSync(join(d2, s)).size <= 4096, `${s} within 4096 bytes`);
  const a2 = await Store.open(d2, { segmentBytes: 4096 });
  t.equal(a2.recovered.records.length, 10);
  await a2.close();
});

t.test('snapshot + the journal after it; old segments and snapshots go once a newer snapshot is durable', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { segmentRecords: 3, keepSnapshots: 1 });
  const state: number[] = [];
  const add = async (n: number) => { for (let i = 0; i < n; i++) { state.push(state.length); await st.append(state.length - 1); } };
  await add(7);
  const s1 = await st.snapshot([...state]);
  t.equal(s1.covers, 7);
  t.equal(s1.file, 'snapshot.0000000000000007.snap');
  t.same(s1.removed, ['journal.0000000000000000.wal', 'journal.0000000000000003.wal', 'journal.0000000000000006.wal'],
    'with one snapshot kept, every segment before it goes');
  await add(2);
  t.same(segmentsIn(dir), ['journal.0000000000000007.wal']);
  const s2 = await st.snapshot([...state]);
  t.same(s2.removed, ['journal.0000000000000007.wal', 'snapshot.0000000000000007.snap']);
  await add(4);
  await st.close();
  t.same(snapshotsIn(dir), ['snapshot.0000000000000009.snap']);
  const again = await Store.open(dir, { segmentRecords: 3 });
  t.same(again.recovered.snapshot, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.equal(again.recovered.snapshotFile, 'snapshot.0000000000000009.snap');
  t.same(again.recovered.records, [9, 10, 11, 12]);
  t.equal(again.recovered.report.snapshotCovers, 9);
  await again.close();
});

t.test('keepSnapshots 2 keeps the previous snapshot and the journal from it', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { segmentRecords: 2 });
  for (let i = 0; i < 5; i++) await st.append(i);
  const a = await st.snapshot('five');
  t.same(a.removed, [], 'the journal from the start stays: it is the previous generation');
  for (let i = 5; i < 8; i++) await st.append(i);
  const b = await st.snapshot('eight');
  t.same(b.removed, ['journal.0000000000000000.wal', 'journal.0000000000000002.wal', 'journal.0000000000000004.wal'],
    'only the segments before the older kept snapshot (5)');
  for (let i = 8; i < 11; i++) await st.append(i);
  const c = await st.snapshot('eleven');
  t.ok(c.removed.includes('snapshot.0000000000000005.snap'));
  t.same(snapshotsIn(dir), ['snapshot.0000000000000008.snap', 'snapshot.0000000000000011.snap']);
  t.equal(segmentsIn(dir)[0], 'journal.0000000000000008.wal', 'the journal from the older kept snapshot on');
  await st.close();
});

t.test('snapshot waits for the appends issued before it; appends after it follow it', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  const before = [st.append(0), st.append(1), st.append(2)];
  const snap = st.snapshot([0, 1, 2]);
  const after = st.append(3);
  await Promise.all(before);
  t.equal((await snap).covers, 3);
  t.equal(await after, 3);
  await st.close();
  const again = await Store.open(dir);
  t.same(again.recovered.snapshot, [0, 1, 2]);
  t.same(again.recovered.records, [3]);
  await again.close();
});

t.test('snapshotDue after snapshotRecords records or snapshotBytes bytes', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir, { snapshotRecords: 3, snapshotBytes: 10_000 });
  await st.append(1); await st.append(2);
  t.notOk(st.snapshotDue);
  await st.append(3);
  t.ok(st.snapshotDue, 'three records');
  await st.snapshot('s');
  t.notOk(st.snapshotDue, 'not after a snapshot');
  await st.append('y'.repeat(10_100));
  t.ok(st.snapshotDue, 'ten thousand bytes');
  t.equal(st.stats.recordsSinceSnapshot, 1);
  await st.close();
});

t.test('bounds: record size (E2BIG), bytes waiting for the disk (EAGAIN), unencodable values (EINVAL), options (EINVAL)', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs, maxRecordBytes: 100, maxPendingBytes: 300 });
  const w0 = fs.counts.write;
  const e = await rejection(st.append('z'.repeat(200)));
  t.equal(e.code, 'E2BIG');
  t.match(e.message, /over the limit of 100/);
  t.equal(fs.counts.write, w0, 'refused before touching the disk');
  const ok = [st.append('a'.repeat(80)), st.append('b'.repeat(80)), st.append('c'.repeat(80))];
  const full = await rejection(st.append('d'.repeat(80)));
  t.equal(full.code, 'EAGAIN');
  t.same(await Promise.all(ok), [0, 1, 2]);
  t.equal(await st.append('d'), 3, 'room again once the batch is durable');
  const bad = await rejection(st.append(10n ** 30n));
  t.equal(bad.code, 'EINVAL');
  await st.close();
  const closed = await rejection(st.append(1));
  t.equal(closed.code, 'EIO', 'appends after close fail');
  const opt = await rejection(Store.open(tmpDir(t), { segmentRecords: 0 }));
  t.equal(opt.code, 'EINVAL');
  t.match(opt.message, /segmentRecords 0/);
});

t.test('close waits for queued appends; leftover temporary snapshot files are removed on open', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  const p = [st.append(1), st.append(2)];
  await st.close();
  t.same(await Promise.all(p), [0, 1]);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'snapshot.0000000000000002.snap.tmp'), 'half a snapshot');
  const again = await Store.open(dir);
  t.same(again.recovered.report.removed, ['snapshot.0000000000000002.snap.tmp']);
  t.notOk(readdirSync(dir).some((n) => n.endsWith('.tmp')));
  t.same(again.recovered.records, [1, 2]);
  await again.close();
});

t.test('an error thrown by replay fails the open as it is, and releases the lock', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  await st.append(1);
  await st.close();
  const boom = new Error('kernel refused the command');
  const e = await Store.open(dir, { replay: () => { throw boom; } }).then(() => undefined, (err: unknown) => err);
  t.equal(e, boom);
  const again = await Store.open(dir);
  t.same(again.recovered.records, [1], 'the lock was released');
  await again.close();
});
