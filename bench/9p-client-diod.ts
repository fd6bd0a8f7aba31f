// SPDX-License-Identifier: GPL-2.0-or-later
//
// Our client against a real diod on 127.0.0.1: Tread of a small file and Tgetattr, at 1
// and 16 outstanding requests; ops/s and p50/p99 latency. Prints a table and writes
// bench/results/9p-client-diod.json. Skips (returns []) when diod is not installed.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '../lib/9p/client.js';
import type { Fid } from '../lib/9p/fid.js';
import { OREAD, P9_GETATTR_BASIC } from '../lib/9p/const.js';
import { findDiod, startDiod } from '../test/9p/diod.js';
import { load, writeResult } from './lib/load.js';

export interface DiodRow { op: string; outstanding: number; opsPerSec: number; p50us: number; p99us: number }

export async function run(opts: { ms?: number; out?: string } = {}): Promise<DiodRow[]> {
  const bin = findDiod();
  if (!bin) {
    console.log('9p-client-diod: diod is not installed (apt-get install -y diod); skipped');
    return [];
  }
  const ms = opts.ms ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'p9bench-'));
  writeFileSync(join(dir, 'small.txt'), 'x'.repeat(100));
  const diod = await startDiod(bin, dir);
  const rows: DiodRow[] = [];
  try {
    const c = await Client.connect(await diod.connect(), { msize: 65536 });
    const root = await c.attach({ aname: dir });
    const f: Fid = await root.walk('small.txt');
    await f.open(OREAD);
    const g: Fid = await root.walk('small.txt');
    const ops: [string, () => Promise<unknown>][] = [
      ['Tread 100 B', () => f.read(0n, 4096)],
      ['Tgetattr', () => g.getattr(P9_GETATTR_BASIC)],
    ];
    for (const [name, op] of ops) {
      for (const outstanding of [1, 16]) {
        await load(op, outstanding, 200); // warm up
        rows.push({ op: name, outstanding, ...(await load(op, outstanding, ms)) });
      }
    }
    c.close();
  } finally {
    await diod.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('9P client vs diod (127.0.0.1, 9P2000.L, msize 65536)');
  console.table(rows.map((r) => ({
    op: r.op, outstanding: r.outstanding, 'ops/s': r.opsPerSec.toLocaleString('en'), 'p50 µs': r.p50us, 'p99 µs': r.p99us,
  })));
  writeResult(import.meta.url, '9p-client-diod', { bench: '9p-client-diod', date: new Date().toISOString(), node: process.version, rows }, opts.out);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
