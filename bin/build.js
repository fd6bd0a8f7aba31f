// SPDX-License-Identifier: GPL-2.0-or-later
//
// Build once: bin/run.js compiles the tree (tsc -p .) only when dist/ lacks a runtime
// module or a source file is newer than its compiled module. Checking costs one stat
// per source file (a few ms); building, about ten seconds. Only the folders the
// command runs from are compared (tests and benches are rebuilt by `npm test` and
// `npm run bench`, which always compile).

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const RUNTIME = ['cmd', 'lib', 'kern', 'devs', 'ns', 'srv'];
const LOCK = join(DIST, '.building');

function mtime(p) {
  try { return statSync(p).mtimeMs; } catch { return -1; }
}

/** The first source file whose compiled module is missing or older, or undefined. */
export function staleSource(root = ROOT) {
  const dist = join(root, 'dist');
  if (mtime(join(dist, 'cmd', 'lib', 'oclif.js')) < 0) return 'dist/';
  const walk = (dir) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return undefined; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        const s = walk(p);
        if (s) return s;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const out = join(dist, relative(root, p)).replace(/\.ts$/, '.js');
        if (mtime(out) < mtime(p)) return relative(root, p);
      }
    }
    return undefined;
  };
  for (const d of RUNTIME) {
    const s = walk(join(root, d));
    if (s) return s;
  }
  return undefined;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rebuild if stale; another akaros building at the same time is waited for. */
export async function ensureBuilt() {
  if (process.env.AKAROS_NO_BUILD === '1') return;
  if (!existsSync(join(ROOT, 'tsconfig.json'))) return; // an installed package: dist/ is all there is
  const why = staleSource();
  if (!why) return;
  let tsc;
  try {
    tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    if (why === 'dist/') {
      process.stderr.write('akaros: dist/ is missing and typescript is not installed: run npm install\n');
      process.exit(1);
    }
    return; // no compiler: run what was built
  }
  let fd;
  try {
    fd = openSync(LOCK, 'wx');
  } catch (e) {
    if (e.code === 'EEXIST') {
      // Someone else is building: wait for them (a lock older than 5 minutes is stale).
      for (let i = 0; i < 3000 && existsSync(LOCK) && Date.now() - mtime(LOCK) < 300_000; i++) await sleep(100);
      if (!existsSync(LOCK)) return;
      try { unlinkSync(LOCK); } catch { /* a racing builder took it */ }
      return ensureBuilt();
    }
    if (e.code !== 'ENOENT') throw e; // ENOENT: no dist/ yet, build without a lock
  }
  try {
    process.stderr.write(`akaros: building (${why} is newer than dist/)...\n`);
    const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { stdio: ['ignore', 2, 2] });
    // tsc emits despite type errors: say so and run what it emitted.
    if (r.status !== 0) process.stderr.write('akaros: the build reported errors (above)\n');
    if (staleSource() === 'dist/') process.exit(1);
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
      try { unlinkSync(LOCK); } catch { /* already gone */ }
    }
  }
}
