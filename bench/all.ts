// SPDX-License-Identifier: GPL-2.0-or-later
//
// `npm run bench [-- NAME...]`: every benchmark in this folder in turn (or the named
// ones), each printing its table and writing its JSON under bench/results/. A benchmark
// is any file here that exports `run()`; its name is the file name. Benchmarks are never
// part of `npm test`: these machines are noisy.

import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'all.js')
  .map((f) => f.slice(0, -3))
  .sort();

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = only.filter((n) => !names.includes(n));
if (unknown.length) {
  console.error(`bench: no such benchmark: ${unknown.join(' ')} (have: ${names.join(' ')})`);
  process.exit(2);
}
for (const name of names) {
  if (only.length > 0 && !only.includes(name)) continue;
  const mod = (await import(pathToFileURL(`${here}/${name}.js`).href)) as { run?: () => unknown };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n=== ${name}`);
  await mod.run();
}
