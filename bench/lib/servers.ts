// SPDX-License-Identifier: GPL-2.0-or-later
//
// The servers a comparing bench drives, each in its own process so none shares an event
// loop with the client: our `akaros serve` (from this tree or from another build, for
// --compare) and diod. Each exports the same three things: a small file to read and
// getattr, and the attach name `ctl` holding `zero` and `null`, which is what diod's own
// load generator diodload attaches to. Ours gets `ctl` from a boot namespace that binds
// #cons there; diod from its built-in ctl file system (`-e ctl`).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultBootNs } from '../../ns/boot.js';
import { findDiod } from '../../test/9p/diod.js';
import { freePort } from '../../test/harness/port.js';

/** The source tree this bench was compiled from. */
export const TREE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Served {
  name: string;
  port: number;
  /** Attach name and path (from it) of the small file read by the Tread/Tgetattr loads. */
  aname: string;
  file: string;
  pid: number;
  stop(): Promise<void>;
}

function stopper(p: ChildProcess, cleanup: () => void): () => Promise<void> {
  return () => new Promise<void>((res) => {
    const done = (): void => { cleanup(); res(); };
    if (p.exitCode !== null || p.signalCode !== null) { done(); return; }
    p.once('exit', done);
    p.kill('SIGTERM');
    setTimeout(() => { if (p.exitCode === null) p.kill('SIGKILL'); }, 5000).unref();
  });
}

/**
 * Node flags `akaros serve` runs with (bin/run.js's first line, `npm start`): a young
 * generation fixed at 16 MiB. V8 starts it at 1 MiB, grows it under load and shrinks it
 * again, and the pages it takes back fault when touched: those faults made the slow 1%
 * of the shell loop (bench/README.md, "The shell loop's tail, third pass").
 */
export const SERVE_NODE_FLAGS = ['--min-semi-space-size=16'];

/**
 * `akaros serve` from `root` (default: this tree) on a free loopback port, clock paused,
 * with the default namespace plus `bind #cons /ctl`. BENCH_SERVER_NODE_FLAGS adds node
 * flags to the server (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
 */
export async function startOurs(name = 'ours', root = TREE): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'akaros-bench-'));
  const nsFile = join(dir, 'namespace');
  writeFileSync(nsFile, `${defaultBootNs(['cons', 'core', 'mcp', 'proc', 'sim'])}bind #cons /ctl\n`);
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  // Builds that keep state by default are told not to (older ones have no such flag).
  const ephemeral = readFileSync(join(root, 'cmd', 'commands', 'serve.ts'), 'utf8').includes("ephemeral:") ? ['--ephemeral'] : [];
  const p = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...flags, join(root, 'bin', 'run.js'), 'serve', ...ephemeral, '--listen', 'tcp!127.0.0.1!0',
    '--paused', '--hostowner', 'root', '--namespace', nsFile], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AKAROS_NO_BUILD: '1' },
  });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /serving 9P on tcp!127\.0\.0\.1!(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    p.once('exit', (c) => rej(new Error(`${name}: server exited ${c} before listening: ${out}`)));
  });
  p.stdout!.resume();
  return { name, port, aname: '', file: 'dev/sysname', pid: p.pid!, stop: stopper(p, () => rmSync(dir, { recursive: true, force: true })) };
}

/** diod exporting a directory with a 7-byte `sysname` and its ctl file system; null if
 *  diod is not installed. */
export async function startDiod(name = 'diod'): Promise<Served | null> {
  const bin = findDiod();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'diod-bench-'));
  writeFileSync(join(dir, 'sysname'), 'nanwan\n');
  const port = await freePort();
  const args = ['-f', '-n', '-l', `127.0.0.1:${port}`, '-e', dir, '-e', 'ctl', '-L', 'stderr'];
  if (process.getuid?.() !== 0) args.push('-S');
  const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const deadline = Date.now() + 10000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`diod exited (${p.exitCode}): ${log}`);
    const up = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (up) break;
    if (Date.now() > deadline) { p.kill('SIGKILL'); throw new Error(`diod did not listen on ${port}: ${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, aname: dir, file: 'sysname', pid: p.pid!, stop: stopper(p, () => rmSync(dir, { recursive: true, force: true })) };
}

export function dial(port: number): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.setNoDelay(true); res(s); });
    s.once('error', rej);
  });
}

export const DIODLOAD_PATHS = ['/usr/sbin/diodload', '/usr/bin/diodload'];

export interface DiodloadResult { opsPerSec: number; error?: string }

/** One diodload run (16 threads, one connection each, aname `ctl`): the ops/s it prints,
 *  or its complaint. `getattr` streams Tgetattr on null; otherwise it copies zero -> null
 *  in msize-sized Tread/Twrite pairs. */
export function diodload(bin: string, port: number, secs: number, getattr: boolean): Promise<DiodloadResult> {
  const args = ['-s', `127.0.0.1:${port}`, '-r', String(secs), '-n', '16'];
  if (getattr) args.push('-g');
  return new Promise((res) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (b: Buffer) => { out += b; });
    p.stderr!.on('data', (b: Buffer) => { out += b; });
    const kill = setTimeout(() => p.kill('SIGKILL'), (secs + 30) * 1000);
    p.on('close', (code) => {
      clearTimeout(kill);
      const m = /(\d+) ops\/s/.exec(out);
      if (code === 0 && m && !/error/i.test(out)) res({ opsPerSec: Number(m[1]) });
      else res({ opsPerSec: NaN, error: `diodload exit ${code}: ${out.trim().split('\n').slice(-2).join(' / ')}` });
    });
  });
}

/** CPU time a process has used so far, all its threads, in nanoseconds (Linux
 *  /proc/PID/task/T/schedstat); NaN where that cannot be read. The server's CPU per
 *  operation is the one figure a loaded machine hardly disturbs. */
export function cpuNs(pid: number): number {
  try {
    let sum = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try { sum += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
    }
    return sum;
  } catch {
    return NaN;
  }
}
