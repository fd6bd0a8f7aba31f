// SPDX-License-Identifier: GPL-2.0-or-later
//
// `npm run bench [-- [OPTIONS] NAME...]`: every benchmark in this folder in turn (or the
// named ones), each printing its table and writing its JSON under bench/results/. A
// benchmark is any file here that exports `run()`; its name is the file name. Benchmarks
// are never part of `npm test`: these machines are noisy.
//
// Options, passed to every benchmark's run() (those that compare use them):
//   --rounds N      measured alternating rounds (default 5, after one warm-up round)
//   --spread PCT    withhold a ratio whose rounds spread more than PCT% (default 25)
//   --ms N          milliseconds per contender per round
//   --compare REF   build REF in a temporary worktree and compare this tree against it

import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchOptions } from './lib/rounds.js';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'all.js')
  .map((f) => f.slice(0, -3))
  .sort();

const opts: BenchOptions = {};
const only: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = (): string => {
    const v = argv[++i];
    if (v === undefined) { console.error(`bench: ${a} needs a value`); process.exit(2); }
    return v;
  };
  const num = (): number => {
    const v = Number(value());
    if (!Number.isFinite(v) || v <= 0) { console.error(`bench: ${a} needs a positive number`); process.exit(2); }
    return v;
  };
  if (a === '--rounds') opts.rounds = Math.round(num());
  else if (a === '--spread') opts.spread = num();
  else if (a === '--ms') opts.ms = num();
  else if (a === '--compare') opts.compare = value();
  else if (a.startsWith('-')) { console.error(`bench: unknown option ${a}`); process.exit(2); }
  else only.push(a);
}
const unknown = only.filter((n) => !names.includes(n));
if (unknown.length) {
  console.error(`bench: no such benchmark: ${unknown.join(' ')} (have: ${names.join(' ')})`);
  process.exit(2);
}

let cleanup = (): void => {};
if (opts.compare) {
  const { buildRef } = await import('./lib/compare.js');
  const built = buildRef(opts.compare);
  opts.compareRoot = built.root;
  cleanup = built.remove;
}
try {
  for (const name of names) {
    if (only.length > 0 && !only.includes(name)) continue;
    const mod = (await import(pathToFileURL(`${here}/${name}.js`).href)) as { run?: (o: BenchOptions) => unknown; compares?: boolean };
    if (typeof mod.run !== 'function') continue;
    console.log(`\n=== ${name}`);
    if (opts.compare && !mod.compares) console.log(`(${name} has no --compare mode: this tree only)`);
    await mod.run(opts);
  }
} finally {
  cleanup();
}
