// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal: one process per state directory (a LOCK file; stale locks are taken over),
// and kill -9 loses no acknowledged append.

import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../../lib/wal/index.js';
import { rejection, tmpDir } from './helpers.js';

const holder = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'holder.js');

/** Starts the holder; resolves once it has the store open. Lines after that go to onLine. */
function startHolder(t: Test, dir: string, mode: 'hold' | 'spin', onLine: (l: string) => void = () => undefined): Promise<{ child: ChildProcess; base: number }> {
  const child = spawn(process.execPath, [holder, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return new Promise((resolve, reject) => {
    let buf = '';
    let opened = false;
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!opened && line.startsWith('open ')) { opened = true; resolve({ child, base: Number(line.split(' ')[2]) }); } else onLine(line);
      }
    });
    child.on('exit', (code) => { if (!opened) reject(new Error(`holder exited with ${code}`)); });
  });
}

const killed = (c: ChildProcess): Promise<void> => new Promise((r) => { c.once('exit', () => r()); c.kill('SIGKILL'); });

t.test('a second open of the same directory fails EBUSY, in this process or another', async (t) => {
  const dir = tmpDir(t);
  const st = await Store.open(dir);
  const e = await rejection(Store.open(dir));
  t.equal(e.code, 'EBUSY');
  t.match(e.message, /already open in this process/);
  await st.close();
  const { child } = await startHolder(t, dir, 'hold');
  const e2 = await rejection(Store.open(dir));
  t.equal(e2.code, 'EBUSY');
  t.match(e2.message, new RegExp(`in use by process ${child.pid}`));
  await killed(child);
  const after = await Store.open(dir);
  t.pass('the lock of a killed process is taken over');
  await after.close();
});

t.test('stale locks are taken over: a dead pid, another boot, this pid not held here', async (t) => {
  const dir = tmpDir(t);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  for (const content of [`${dead} ${boot}\n`, `${process.ppid} 00000000-0000-0000-0000-000000000000\n`, `${process.pid} ${boot}\n`, 'garbage']) {
    writeFileSync(join(dir, 'LOCK'), content);
    const st = await Store.open(dir);
    t.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid} ${boot}\n`, `took over "${content.trim()}"`);
    await st.close();
  }
  writeFileSync(join(dir, 'LOCK'), `${process.ppid} ${boot}\n`);
  t.equal((await rejection(Store.open(dir))).code, 'EBUSY', 'a live process of this boot keeps it');
  await Store.open(dir, { lock: false }).then((s) => s.close());
});

t.test('kill -9 while 16 writers append: every acknowledged record is recovered, in order per writer', async (t) => {
  const dir = tmpDir(t);
  for (let round = 0; round < 2; round++) {
    const acked = new Map<number, number>();
    let n = 0;
    let enough!: () => void;
    const reached = new Promise<void>((r) => { enough = r; });
    const { child, base } = await startHolder(t, dir, 'spin', (l) => {
      const [, w, i] = l.split(' ').map(Number);
      acked.set(w, Math.max(acked.get(w) ?? -1, i));
      if (++n === 300 + round * 200) enough();
    });
    await reached;
    await killed(child);
    const st = await Store.open(dir, { segmentRecords: 500 });
    const recs = st.recovered.records as { w: number; i: number; base: number }[];
    const mine = recs.filter((r) => r.base === base);
    for (const [w, top] of acked) {
      const is = mine.filter((r) => r.w === w).map((r) => r.i);
      t.ok(is.length >= top + 1 && is.every((v, k) => v === k), `writer ${w}: acked up to ${top}, recovered ${is.length} in order`);
    }
    t.equal(st.recovered.report.dropped.length, 0);
    await st.close();
  }
});
