// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal under disk faults (an injected fs layer over the real disk): a failed write or
// fdatasync, or a full disk, fails the appends it concerns with EIO/ENOSPC and leaves the
// journal as it was; later appends succeed once the fault clears, and a reopen recovers
// exactly the acknowledged records. A failed snapshot removes nothing.

import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FaultFs, Store, type StoreOptions } from '../../lib/wal/index.js';
import { rejection, tmpDir } from './helpers.js';

const SEG0 = 'journal.0000000000000000.wal';

async function reopened(dir: string, opts: StoreOptions = {}): Promise<unknown[]> {
  const st = await Store.open(dir, opts);
  const r = [...(Array.isArray(st.recovered.snapshot) ? st.recovered.snapshot : []), ...st.recovered.records];
  await st.close();
  return r;
}

for (const [op, code] of [['fdatasync', 'EIO'], ['write', 'EIO'], ['write', 'ENOSPC'], ['fdatasync', 'ENOSPC']] as const) {
  t.test(`${code} on ${op}: the batch fails, the journal is cut back, later appends succeed`, async (t) => {
    const dir = tmpDir(t);
    const fs = new FaultFs();
    const st = await Store.open(dir, { fs });
    t.equal(await st.append('a'), 0);
    const size = statSync(join(dir, SEG0)).size;
    fs.inject({ op, code, path: /journal/ });
    const [b, c] = [st.append('b'), st.append('c')];
    const eb = await rejection(b), ec = await rejection(c);
    t.equal(eb.code, code);
    t.equal(ec, eb, 'the whole batch fails with one error');
    t.match(eb.message, new RegExp(`journal ${SEG0.replace(/\./g, '\\.')}: write \\d+ bytes at offset ${size}`));
    t.equal(statSync(join(dir, SEG0)).size, size, 'cut back to the last durable length');
    t.equal(st.failed, undefined, 'not a failed store: the rollback worked');
    t.equal(await st.append('d'), 1, 'the next append succeeds and takes the next seq');
    t.equal(st.stats.nextSeq, 2);
    await st.close();
    t.same(await reopened(dir), ['a', 'd'], 'exactly the acknowledged records');
  });
}

t.test('a full disk: a short write then ENOSPC; the appends fail, nothing half-written stays', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs });
  await st.append('first');
  fs.spaceLeft = 30;
  const e = await rejection(st.append('x'.repeat(200)));
  t.equal(e.code, 'ENOSPC');
  const e2 = await rejection(st.append('small'));
  t.equal(e2.code, 'ENOSPC', 'still full');
  fs.clear();
  t.equal(await st.append('after'), 1);
  await st.close();
  t.same(await reopened(dir), ['first', 'after']);
});

t.test('appends queued behind a failing batch fail with it', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs });
  fs.inject({ op: 'fdatasync', path: /journal/ });
  const a = st.append('a');
  await new Promise((r) => setImmediate(r));   // a's batch is in flight
  const later = [st.append('b'), st.append('c')];
  t.equal((await rejection(a)).code, 'EIO');
  for (const p of later) t.equal((await rejection(p)).code, 'EIO', 'queued before the failure was known');
  t.equal(await st.append('d'), 0);
  await st.close();
  t.same(await reopened(dir), ['d']);
});

t.test('short writes are finished, not mistaken for failures', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  fs.shortWrites = true;
  const st = await Store.open(dir, { fs });
  const w0 = fs.counts.write;
  const big = 'y'.repeat(5000);
  t.same(await Promise.all([st.append(big), st.append(1)]), [0, 1]);
  t.ok(fs.counts.write - w0 > 5, `${fs.counts.write - w0} writes for one batch`);
  await st.close();
  t.same(await reopened(dir), [big, 1]);
});

t.test('when the failed batch cannot be cut back, the store stops taking appends until reopened', async (t) => {
  for (const zeroing of [true, false]) {
    const dir = tmpDir(t);
    const fs = new FaultFs();
    const lines: string[] = [];
    const st = await Store.open(dir, { fs, log: (l) => lines.push(l) });
    await st.append('kept');
    fs.inject({ op: 'fdatasync', path: /journal/ });
    fs.inject({ op: 'ftruncate', path: /journal/ });
    if (!zeroing) fs.inject({ op: 'write', after: 1, path: /journal/ });
    const e = await rejection(st.append('lost'));
    t.equal(e.code, 'EIO');
    t.ok(st.failed, 'failed state');
    t.match(st.failed!.message, /no more appends until the store is reopened/);
    t.match(st.failed!.message, zeroing ? /batch header was zeroed/ : /may bring the failed batch back/);
    t.equal(lines.length, 1, 'logged');
    const again = await rejection(st.append('refused'));
    t.equal(again, st.failed, 'every append fails the same way');
    t.equal((await rejection(st.snapshot(['kept']))).code, 'EIO');
    await st.close();
    const r = await reopened(dir);
    if (zeroing) t.same(r, ['kept'], 'the rejected record does not come back');
    else t.same(r.slice(0, 1), ['kept'], 'the acknowledged record is there (the rejected one may be too)');
  }
});

t.test('a new segment that cannot be created fails the appends that needed it, and is retried', async (t) => {
  const dir = tmpDir(t);
  const fs = new FaultFs();
  const st = await Store.open(dir, { fs, segmentRecords: 2 });
  await st.append(0); await st.append(1);
  fs.inject({ op: 'write', code: 'ENOSPC', path: /journal\.0000000000000002/ });
  const e = await rejection(st.append(2));
  t.equal(e.code, 'ENOSPC');
  t.notOk(readdirSync(dir).includes('journal.0000000000000002.wal'), 'the half-made segment is removed');
  t.equal(await st.append(3), 2, 'the next append makes the segment');
  await st.close();
  t.same(await reopened(dir, { segmentRecords: 2 }), [0, 1, 3]);
});

t.test('a failed snapshot removes nothing, and the state recovers whole', async (t) => {
  const cases: [string, (fs: FaultFs) => void, string][] = [
    ['write ENOSPC', (fs) => fs.inject({ op: 'write', code: 'ENOSPC', path: /\.tmp$/ }), 'ENOSPC'],
    ['fsync', (fs) => fs.inject({ op: 'fsync', path: /\.tmp$/ }), 'EIO'],
    ['rename', (fs) => fs.inject({ op: 'rename' }), 'EIO'],
    ['directory fsync', (fs) => fs.inject({ op: 'syncDir' }), 'EIO'],
  ];
  for (const [what, inject, code] of cases) {
    const dir = tmpDir(t);
    const fs = new FaultFs();
    const st = await Store.open(dir, { fs, segmentRecords: 2, keepSnapshots: 1 });
    const state: number[] = [];
    for (let i = 0; i < 5; i++) { state.push(i); await st.append(i); }
    await st.snapshot([...state]);
    for (let i = 5; i < 9; i++) { state.push(i); await st.append(i); }
    const before = readdirSync(dir).filter((n) => n !== 'LOCK');
    inject(fs);
    const e = await rejection(st.snapshot([...state]));
    t.equal(e.code, code, what);
    const after = readdirSync(dir).filter((n) => n !== 'LOCK');
    for (const n of before) t.ok(after.includes(n), `${what}: ${n} is still there`);
    t.notOk(after.some((n) => n.endsWith('.tmp')), `${what}: no temporary file left`);
    fs.clear();
    state.push(9);
    t.equal(await st.append(9), 9, `${what}: appends go on`);
    await st.close();
    t.same(await reopened(dir, { segmentRecords: 2 }), state, `${what}: recovers whole`);
  }
});
