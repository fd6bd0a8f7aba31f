// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run one munge tool as a child: feed stdin, collect bounded stdout/stderr, kill it when
// the signal aborts. Settles only once the child is gone, so a caller holding a Gate
// place counts real processes, not promises.

import { spawn } from 'node:child_process';
import { P9Error, perr } from '../9p/error.js';
import { EIO, ENOENT, EPROTO } from '../9p/errno.js';

export interface ToolResult {
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface ToolOptions {
  signal: AbortSignal;
  /** Bytes of stdout beyond which the child is killed and the call fails EPROTO. */
  maxStdout: number;
}

const MAX_STDERR = 4096;

export function runTool(file: string, args: string[], input: Buffer | null, opts: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) { reject(opts.signal.reason); return; }
    const child = spawn(file, args, {
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      // Its own process group, so a kill reaches anything it started, too.
      detached: true,
    });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    let failure: unknown = null;
    let settled = false;
    const kill = (why: unknown): void => {
      if (failure === null) failure = why;
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (e) {
        // ESRCH: the group is already gone; anything else, fall back to the child alone.
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') child.kill('SIGKILL');
      }
    };
    const onAbort = (): void => kill(opts.signal.reason);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const finish = (r: ToolResult | null, e: unknown): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      if (e !== null) reject(e);
      else resolve(r!);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT'
        ? perr(ENOENT, `${file}: not found (the munge package provides it)`)
        : new P9Error(EIO, `${file}: ${e.message}`);
      // A child that never started emits no 'close' to wait for.
      if (child.pid === undefined) finish(null, why);
      else kill(why);
    });
    child.stdout!.on('data', (b: Buffer) => {
      outLen += b.length;
      if (outLen > opts.maxStdout) { kill(perr(EPROTO, `${file}: more than ${opts.maxStdout} bytes of output`)); return; }
      out.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (err.length < MAX_STDERR) err += b.toString('utf8').slice(0, MAX_STDERR - err.length);
    });
    if (input && child.stdin) {
      // EPIPE here means the tool quit before reading all of it; its exit status tells why.
      child.stdin.on('error', (e: Error) => { err += `(stdin: ${e.message})`; });
      child.stdin.end(input);
    }
    // A killed child's pipes may still be held open by what it started: don't wait for them.
    child.on('exit', () => {
      if (failure !== null) { child.stdout!.destroy(); child.stderr!.destroy(); }
    });
    child.on('close', (code, sig) => {
      if (failure !== null) finish(null, failure);
      else finish({ code, signal: sig, stdout: Buffer.concat(out), stderr: err }, null);
    });
  });
}
