// SPDX-License-Identifier: GPL-2.0-or-later
//
// How long the akaros command takes to start on a built tree: `akaros serve` (node
// bin/run.js, and `npm start` with npm's own start-up on top) from spawn to its
// "serving 9P" line, and a client command (`akaros ls /`) from spawn to exit. The target
// (issue 17): `npm start` reaches listening in under 2 s. Prints a table and writes
// bench/results/cli-start.json. Run: node dist/bench/cli-start.js

import { spawn } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from './lib/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'run.js');

interface Row { what: string; n: number; p50_ms: number; max_ms: number }

/** ms from spawn until `ready` matches stdout (then SIGTERM), or until exit without `ready`. */
function time(cmd: string, args: string[], ready?: RegExp): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // Its own process group: `npm start` runs the server as a child, which must go too.
    const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, AKAROS_NO_BUILD: '' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '', done = false;
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (ready && !done && ready.test(out)) {
        done = true;
        resolve({ ms: performance.now() - t0, out });
        process.kill(-p.pid!, 'SIGTERM');
      }
    });
    p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (done) return;
      if (ready || code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`));
      else resolve({ ms: performance.now() - t0, out });
    });
  });
}

function row(what: string, xs: number[]): Row {
  const s = [...xs].sort((a, b) => a - b);
  return { what, n: s.length, p50_ms: Math.round(s[Math.floor(s.length / 2)]), max_ms: Math.round(s[s.length - 1]) };
}

export async function run(opts: { iters?: number; quiet?: boolean } = {}): Promise<Row[]> {
  const iters = opts.iters ?? 7;
  const listening = /akaros: serving 9P on tcp!127\.0\.0\.1!(\d+)/;
  const serve = ['serve', '--ephemeral', '--listen', 'tcp!127.0.0.1!0', '--paused'];
  const rows: Row[] = [];
  const node: number[] = [], npm: number[] = [], ls: number[] = [];
  // A server to list from, so `akaros ls /` measures a whole client command.
  const srv = spawn(process.execPath, [BIN, ...serve], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => {
    let out = '';
    srv.stdout.on('data', (b: Buffer) => { out += b.toString(); const m = listening.exec(out); if (m) resolve(m[1]); });
  });
  try {
    await time(process.execPath, [BIN, '--version']); // warm the file cache
    for (let i = 0; i < iters; i++) {
      node.push((await time(process.execPath, [BIN, ...serve], listening)).ms);
      npm.push((await time('npm', ['start', '--silent', '--', '--ephemeral', '--listen', 'tcp!127.0.0.1!0', '--paused'], listening)).ms);
      ls.push((await time(process.execPath, [BIN, 'ls', '/', '-a', `127.0.0.1:${port}`])).ms);
    }
  } finally {
    srv.kill('SIGTERM');
  }
  rows.push(row('node bin/run.js serve: spawn to listening', node));
  rows.push(row('npm start: spawn to listening', npm));
  rows.push(row('akaros ls /: spawn to exit', ls));
  if (!opts.quiet) {
    console.log(`cli start-up — node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}`);
    console.log('what'.padEnd(45), 'n'.padStart(4), 'p50 ms'.padStart(8), 'max ms'.padStart(8));
    for (const r of rows) console.log(r.what.padEnd(45), String(r.n).padStart(4), String(r.p50_ms).padStart(8), String(r.max_ms).padStart(8));
    console.log(`target: npm start p50 < 2000 ms: ${rows[1].p50_ms < 2000 ? 'met' : 'NOT met'}`);
  }
  writeResult(import.meta.url, 'cli-start', {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, ncpu: os.cpus().length,
    load: os.loadavg()[0], iters, rows,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
