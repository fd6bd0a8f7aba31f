// SPDX-License-Identifier: GPL-2.0-or-later
//
// Start and stop a real diod (Debian package `diod`) exporting a directory on 127.0.0.1.
// Shared by the diod test and bench/9p-client-diod.ts.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { freePort } from '../harness/port.js';

export const DIOD_PATHS = ['/usr/sbin/diod', '/usr/bin/diod', '/sbin/diod'];

export function findDiod(): string | null {
  return DIOD_PATHS.find((p) => existsSync(p)) ?? null;
}

export interface Diod { port: number; proc: ChildProcess; stop(): Promise<void>; connect(): Promise<net.Socket> }

export async function startDiod(bin: string, exportDir: string): Promise<Diod> {
  const port = await freePort();
  const args = ['-f', '-n', '-l', `127.0.0.1:${port}`, '-e', exportDir, '-L', 'stderr'];
  if (process.getuid?.() !== 0) args.push('-S');
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const connect = (): Promise<net.Socket> => new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.setNoDelay(true); res(s); });
    s.once('error', rej);
  });
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`diod exited (${proc.exitCode}): ${log}`);
    try { (await connect()).destroy(); break; } catch {
      if (Date.now() > deadline) { proc.kill(); throw new Error(`diod did not listen on ${port}: ${log}`); }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port, proc, connect,
    stop: () => new Promise<void>((res) => {
      if (proc.exitCode !== null) { res(); return; }
      proc.once('exit', () => res());
      proc.kill('SIGTERM');
      setTimeout(() => { if (proc.exitCode === null) proc.kill('SIGKILL'); }, 2000).unref();
    }),
  };
}
