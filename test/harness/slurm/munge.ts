// SPDX-License-Identifier: GPL-2.0-or-later
//
// A private munged: its own key, socket, pid and seed files in a directory we choose, run
// in the foreground as our child, so it never meets a system munged and tests can use it
// alone (`munge -S SOCKET`, `unmunge -S SOCKET`) or under Slurm (AuthInfo=socket=...).
// The one implementation for every test (test/munge/munged.ts adapts it): tests that drive
// diod's own tools, which always use libmunge's built-in socket, pass that socket; a live
// munged already answering there is refused, so only one test file at a time may own it.

import { mkdirSync, mkdtempSync, chmodSync, chownSync, writeFileSync, readFileSync, existsSync, statSync, rmSync, readdirSync, rmdirSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { startDaemon, findTool, run, searchPath, sleep, tail, type Daemon } from './proc.js';

export interface Munge {
  /** Pass to `munge -S`, `unmunge -S`, or Slurm's AuthInfo=socket=. */
  socket: string;
  keyFile: string;
  pid: number;
  /** munged's stderr (it logs there in the foreground). */
  log: string;
  /** Where its files are; removed by stop() when startMunge made it. */
  dir: string;
  daemon: Daemon;
  /** SIGTERM, SIGKILL after 5 s (then true); safe to call twice. */
  stop(): Promise<boolean>;
}

export interface MungeOptions {
  /** The socket path (default: run/munge.sock in the directory). Its directory is made
   *  if missing (and removed again by stop() when empty); munged then runs as us. */
  socket?: string;
  /** munged --max-ttl, seconds. */
  maxTtl?: number;
}

/** True when something accepts connections on the unix socket. */
function answers(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(path);
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

/** A Unix socket path longer than this does not fit in sockaddr_un. */
const SUN_PATH_MAX = 107;

function userIds(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

/** munged refuses a path it cannot walk, or one that others could swap under it. */
function checkParents(dir: string): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0) throw new Error(`startMunge: ${d} is not searchable by others (munged runs as munge): chmod o+x`);
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) throw new Error(`startMunge: ${d} is group/world-writable and not sticky; munged refuses it`);
    if (d === dirname(d)) break;
  }
}

/**
 * Starts munged with everything under `dir` (created), or under a new directory in
 * os.tmpdir() that stop() removes. Every parent of `dir` must be searchable by others and
 * not group- or world-writable unless sticky, or munged refuses. As root munged runs as
 * the `munge` user when there is one; otherwise as us. Resolves once a credential can be
 * encoded through the socket.
 */
export async function startMunge(dirArg?: string, timeoutMs = 15000, o: MungeOptions = {}): Promise<Munge> {
  const munged = findTool('munged');
  const munge = findTool('munge');
  if (!munged || !munge) throw new Error('munged/munge not found (apt-get install munge)');
  const dir = dirArg ?? mkdtempSync(join(tmpdir(), 'munge-'));
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  checkParents(dir);
  const keyDir = join(dir, 'key');
  const runDir = join(dir, 'run');
  const socket = o.socket ?? join(runDir, 'munge.sock');
  if (socket.length > SUN_PATH_MAX) throw new Error(`munge socket path too long (${socket.length} > ${SUN_PATH_MAX}): ${socket}`);
  const madeSocketDir = o.socket !== undefined && !existsSync(dirname(socket));
  if (o.socket !== undefined) {
    if (await answers(socket)) {
      if (dirArg === undefined) rmSync(dir, { recursive: true, force: true });
      throw new Error(`a munged already answers on ${socket}; not starting another`);
    }
    mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
    chmodSync(dirname(socket), 0o755);
    // A dead daemon's leftovers: munged would refuse to replace a socket it cannot lock.
    rmSync(socket, { force: true });
    rmSync(`${socket}.lock`, { force: true });
  }
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  chmodSync(keyDir, 0o700);
  // munged insists that every client can reach its socket.
  chmodSync(runDir, 0o755);
  const keyFile = join(keyDir, 'munge.key');
  writeFileSync(keyFile, randomBytes(128), { mode: 0o600 });
  // A socket elsewhere may be in a directory only root can write: munged stays root then.
  const ids = process.getuid?.() === 0 && o.socket === undefined ? userIds('munge') : null;
  if (ids) for (const p of [keyDir, runDir, keyFile]) chownSync(p, ids.uid, ids.gid);
  const log = join(dir, 'munged.log');
  const daemon = startDaemon('munged', munged, [
    '-F', `--socket=${socket}`, `--key-file=${keyFile}`,
    `--pid-file=${join(runDir, 'munged.pid')}`, `--seed-file=${join(keyDir, 'munged.seed')}`,
    `--log-file=${join(dir, 'munged.file.log')}`,
    ...(o.maxTtl === undefined ? [] : [`--max-ttl=${o.maxTtl}`]),
  ], { env: { PATH: searchPath(), LANG: 'C' }, log, uid: ids?.uid, gid: ids?.gid, cwd: dir });
  let stopping: Promise<boolean> | null = null;
  const m: Munge = {
    socket, keyFile, pid: daemon.pid, log, dir, daemon,
    stop: () => (stopping ??= daemon.stop(5000).then((forced) => {
      if (dirArg === undefined) rmSync(dir, { recursive: true, force: true });
      if (o.socket !== undefined) {
        rmSync(socket, { force: true });
        rmSync(`${socket}.lock`, { force: true });
        // Leave the machine as found; a directory someone else filled in meanwhile stays.
        if (madeSocketDir && readdirSync(dirname(socket)).length === 0) rmdirSync(dirname(socket));
      }
      return forced;
    })),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.exited()) {
      const why = `munged exited at start:\n${tail(log)}`;
      await m.stop();
      throw new Error(why);
    }
    if (existsSync(socket)) {
      const r = await run(munge, ['-S', socket, '-n'], { PATH: searchPath() }, 5000);
      if (r.rc === 0) return m;
    }
    if (Date.now() > deadline) {
      const why = `munged did not answer on ${socket} within ${timeoutMs} ms:\n${tail(log)}`;
      await m.stop();
      throw new Error(why);
    }
    await sleep(50);
  }
}
