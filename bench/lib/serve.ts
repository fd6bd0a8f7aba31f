// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros serve` from this tree as a child process for the benches that abuse it: a
// fresh ephemeral machine on a free loopback port, clock paused, and its memory as
// /proc reports it.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVE_NODE_FLAGS, TREE } from './servers.js';

export interface Served { proc: ChildProcess; port: number; pid: number; stop(): Promise<void> }

/** Started with `extra` flags; its stderr goes to ours when `stderr` is 'inherit'. */
export async function startServe(extra: string[] = [], stderr: 'ignore' | 'inherit' = 'ignore'): Promise<Served> {
  const proc = spawn(process.execPath, [...SERVE_NODE_FLAGS, join(TREE, 'bin', 'run.js'), 'serve', '--ephemeral', '--listen', 'tcp!127.0.0.1!0', '--paused', ...extra],
    { stdio: ['ignore', 'pipe', stderr] });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /serving 9P on tcp!127\.0\.0\.1!(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    proc.once('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, port, pid: proc.pid!, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

/** Peak (VmHWM) and current (VmRSS) resident set of a Linux process, in MB. Throws if
 *  the process is gone or there is no /proc. */
export function rss(pid: number): { peak: number; now: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { peak: Math.round(kb('VmHWM') / 1024), now: Math.round(kb('VmRSS') / 1024) };
}
