// SPDX-License-Identifier: GPL-2.0-or-later
//
// A private munged for tests: a fresh key in a temp dir, its own socket, pid, log and
// seed files, run in the foreground as our child and stopped by its pid. Tests that drive
// diod's own tools (which always use libmunge's built-in socket) pass
// socket: DEFAULT_MUNGE_SOCKET; startMunged refuses if a live munged already answers there,
// so only one test file at a time may own that socket (tap runs files in parallel: keep
// such tests in one file, or share one daemon).

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Everything a munged test needs installed (Debian package `munge`). */
export const MUNGE_TOOLS = ['munged', 'mungekey', 'munge', 'unmunge'];
/** Where libmunge (and so diod, diodls, diodcat) always looks. */
export const DEFAULT_MUNGE_SOCKET = '/run/munge/munge.socket.2';

export interface Munged {
  /** The daemon's socket: pass it as `socket` to lib/munge. */
  socket: string;
  /** Temp dir holding key, pid, log and seed files (removed by stop()). */
  dir: string;
  keyFile: string;
  pid: number;
  proc: ChildProcess;
  /** What munged printed so far (it logs to stderr in the foreground), bounded. */
  log(): string;
  /** SIGTERM by pid, SIGKILL after 3 s; then removes the temp dir and the socket. */
  stop(): Promise<void>;
}

export interface MungedOptions {
  /** Default: `sock` in the temp dir. */
  socket?: string;
  /** munged --max-ttl, seconds. */
  maxTtl?: number;
  /** Startup deadline. Default 15000 ms. */
  timeoutMs?: number;
}

const MAX_LOG = 64 * 1024;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** True when something accepts connections on the unix socket. */
function answers(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(path);
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

export async function startMunged(opts: MungedOptions = {}): Promise<Munged> {
  const dir = mkdtempSync(join(tmpdir(), 'munged-'));
  // munged refuses a socket whose directory is not searchable by everyone.
  chmodSync(dir, 0o755);
  const socket = opts.socket ?? join(dir, 'sock');
  const ownSocketDir = opts.socket !== undefined;
  const madeSocketDir = ownSocketDir && !existsSync(dirname(socket));
  if (ownSocketDir) {
    if (await answers(socket)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`a munged already answers on ${socket}; not starting another`);
    }
    mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
    chmodSync(dirname(socket), 0o755);
    // A dead daemon's leftovers; munged would refuse to replace a socket it cannot lock.
    rmSync(socket, { force: true });
    rmSync(`${socket}.lock`, { force: true });
  }
  const keyFile = join(dir, 'key');
  try {
    await run('mungekey', ['-c', '-k', keyFile, '-b', '1024']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const args = ['-F', `--socket=${socket}`, `--key-file=${keyFile}`, `--pid-file=${join(dir, 'pid')}`,
    `--log-file=${join(dir, 'log')}`, `--seed-file=${join(dir, 'seed')}`];
  if (opts.maxTtl !== undefined) args.push(`--max-ttl=${opts.maxTtl}`);
  const proc = spawn('munged', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => { if (log.length < MAX_LOG) log += b.toString(); });
  const exited = new Promise<void>((res) => proc.once('close', () => res()));
  let spawnError: Error | null = null;
  proc.once('error', (e) => { spawnError = e; });

  const cleanup = (): void => {
    rmSync(dir, { recursive: true, force: true });
    if (ownSocketDir) { rmSync(socket, { force: true }); rmSync(`${socket}.lock`, { force: true }); }
    // Leave the machine as found; a directory someone else filled in meanwhile stays.
    if (madeSocketDir && readdirSync(dirname(socket)).length === 0) rmdirSync(dirname(socket));
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      process.kill(proc.pid, 'SIGTERM');
      const t = setTimeout(() => { if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL'); }, 3000);
      await exited;
      clearTimeout(t);
    }
    cleanup();
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  for (;;) {
    if (spawnError || proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`munged did not start: ${spawnError ?? `exit ${proc.exitCode}`}: ${log}`);
    }
    if (existsSync(socket) && await answers(socket)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`munged did not answer on ${socket}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { socket, dir, keyFile, pid: proc.pid!, proc, log: () => log, stop };
}
