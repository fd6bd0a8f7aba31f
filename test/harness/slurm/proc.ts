// SPDX-License-Identifier: GPL-2.0-or-later
//
// Daemons as children we hold the pid of, and commands run with a bounded time. Every
// daemon is started through `setpriv --pdeathsig TERM` (setpriv execs, so the pid is the
// daemon's) so that a test process killed without running its teardown takes its
// daemons with it.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Daemons live in sbin, which a non-login PATH may lack. */
const EXTRA_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function searchPath(): string {
  const have = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...have, ...EXTRA_PATH.filter((d) => !have.includes(d))].join(delimiter);
}

/** Absolute path of an executable found on PATH or in the sbin directories, or null. */
export function findTool(name: string): string | null {
  for (const d of searchPath().split(delimiter)) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      continue;
    }
  }
  return null;
}

export interface Daemon {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Where its stdout and stderr go. */
  log: string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited, true if it
   *  took the SIGKILL. */
  stop(graceMs: number): Promise<boolean>;
}

export interface DaemonOptions {
  env: NodeJS.ProcessEnv;
  log: string;
  uid?: number;
  gid?: number;
  cwd?: string;
}

export function startDaemon(name: string, bin: string, args: string[], o: DaemonOptions): Daemon {
  const fd = openSync(o.log, 'a');
  const setpriv = findTool('setpriv');
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args]] : [bin, args];
  let proc: ChildProcess;
  try {
    // Its own session: a terminal's Ctrl-C reaches the test, whose stop() then drains
    // the jobs, instead of killing every daemon at once.
    proc = spawn(cmd, argv, { stdio: ['ignore', fd, fd], env: o.env, uid: o.uid, gid: o.gid, cwd: o.cwd, detached: true });
  } finally {
    closeSync(fd);
  }
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  const pid = proc.pid;
  let done = false;
  const exit = new Promise<void>((res) => {
    proc.once('exit', () => { done = true; res(); });
    proc.once('error', () => { done = true; res(); });
  });
  return {
    name, pid, proc, log: o.log,
    exited: () => done,
    async stop(graceMs: number): Promise<boolean> {
      if (done) return false;
      let forced = false;
      signal(pid, 'SIGTERM');
      const t = setTimeout(() => { if (!done) forced = signal(pid, 'SIGKILL'); }, graceMs);
      await exit;
      clearTimeout(t);
      return forced;
    },
  };
}

export interface RunResult { rc: number; out: string; err: string }

/** Runs a command to completion; rc is -1 when it could not run or timed out. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30000, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { encoding: 'utf8', env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (e, out, err) => {
      let rc = 0;
      if (e) rc = typeof e.code === 'number' ? e.code : -1;
      if (e && rc === -1) err = `${err}${err.endsWith('\n') || err === '' ? '' : '\n'}${e.message}`;
      resolve({ rc, out, err });
    });
    if (input !== undefined) p.stdin?.end(input);
    else p.stdin?.end();
  });
}

export function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return `(${file}: missing)`;
  const all = readFileSync(file, 'utf8').split('\n');
  return all.slice(-lines - 1).join('\n');
}

/** Pids of processes (not ours) whose environment holds `marker` exactly (`KEY=value`)
 *  or whose command line mentions `path`: what the daemons, hooks and job steps of one
 *  cluster left behind. */
export function findMarked(marker: string, path: string): number[] {
  const out: number[] = [];
  let ents: string[];
  try {
    ents = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of ents) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
      const cmdline = readFileSync(`/proc/${e}/cmdline`, 'latin1');
      if (env.includes(marker) || cmdline.includes(path)) out.push(pid);
    } catch {
      continue; // exited meanwhile, or a kernel thread we may not read
    }
  }
  return out;
}

/** Sends `sig`; false if the process is gone (or not ours to signal). */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const alive = (pid: number): boolean => signal(pid, 0);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
