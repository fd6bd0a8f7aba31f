// SPDX-License-Identifier: GPL-2.0-or-later
//
// `npm run bench`: every benchmark in turn, each printing its table and writing its JSON
// under bench/results/. Benchmarks are never part of `npm test`: these machines are noisy.

import { run as codec } from './9p-codec.js';
import { run as client } from './9p-client-diod.js';
import { run as srv } from './srv-read.js';
import { run as ksched } from './kern-ksched.js';
import { run as devs } from './devs-roundtrip.js';
import { run as wal } from './wal.js';

const benches: [string, () => Promise<unknown>][] = [
  ['9p-codec', () => codec()],
  ['9p-client-diod', () => client()],
  ['srv-read', () => srv()],
  ['kern-ksched', async () => ksched()],
  ['devs-roundtrip', () => devs()],
  ['wal', () => wal()],
];

const only = process.argv.slice(2);
for (const [name, fn] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name}`);
  await fn();
}
