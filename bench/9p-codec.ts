// SPDX-License-Identifier: GPL-2.0-or-later
//
// Codec throughput: encode+decode round trips of Tread/Rread and Twalk/Rwalk, msgs/s.
// `node dist/bench/9p-codec.js` prints a table and writes bench/results/9p-codec.json.

import { pathToFileURL } from 'node:url';
import { decode, encode } from '../lib/9p/codec.js';
import * as F from '../lib/9p/fcall.js';
import type { Dialect, Fcall } from '../lib/9p/fcall.js';
import { writeResult } from './lib/load.js';

export interface CodecRow { message: string; dialect: Dialect; bytes: number; msgsPerSec: number }

const qid = (p: bigint): F.Qid => ({ type: 0, version: 1, path: p });
const CASES: [string, Fcall][] = [
  ['Tread', { type: F.Tread, tag: 3, fid: 7, offset: 123456789n, count: 65512 }],
  ['Rread 4 KiB', { type: F.Rread, tag: 3, data: Buffer.alloc(4096, 1) }],
  ['Rread 64 KiB', { type: F.Rread, tag: 3, data: Buffer.alloc(65512, 1) }],
  ['Twalk 3 names', { type: F.Twalk, tag: 3, fid: 1, newfid: 2, wnames: ['usr', 'local', 'bin'] }],
  ['Rwalk 3 qids', { type: F.Rwalk, tag: 3, qids: [qid(1n), qid(2n), qid(2n ** 60n)] }],
];

function measure(m: Fcall, d: Dialect, ms: number): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const r = decode(encode(m, d), d);
      if (!r.ok) throw r.error;
    }
    n += 1000;
  }
  return n;
}

export async function run(opts: { ms?: number; out?: string } = {}): Promise<CodecRow[]> {
  const ms = opts.ms ?? 700;
  const rows: CodecRow[] = [];
  for (const [name, m] of CASES) {
    const d: Dialect = '9P2000.L';
    measure(m, d, 100); // warm up
    const t0 = performance.now();
    const n = measure(m, d, ms);
    const secs = (performance.now() - t0) / 1000;
    rows.push({ message: name, dialect: d, bytes: encode(m, d).length, msgsPerSec: Math.round(n / secs) });
  }
  console.log('9P codec: encode+decode round trips (one core)');
  console.table(rows.map((r) => ({ message: r.message, bytes: r.bytes, 'msgs/s': r.msgsPerSec.toLocaleString('en') })));
  writeResult(import.meta.url, '9p-codec', { bench: '9p-codec', date: new Date().toISOString(), node: process.version, rows }, opts.out);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
