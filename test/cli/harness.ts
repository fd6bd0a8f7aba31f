// SPDX-License-Identifier: GPL-2.0-or-later
//
// The CLI tests' machine and runner: the lead's boot() on a loopback port with the clock
// paused (nothing moves unless a test steps it), and the akaros commands run in-process
// through @oclif/test's runCommand with the same oclif config bin/run.js uses.

import { runCommand } from '@oclif/test';
import { boot, type Booted } from '../../cmd/boot.js';
import { prepareArgv } from '../../cmd/lib/oclif.js';

export const HOST = 'eve';

export interface Machine {
  booted: Booted;
  address: string;
  close(): Promise<void>;
}

export async function startMachine(cores = 16): Promise<Machine> {
  const booted = await boot({ cores, listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: HOST, grace: '10ms' });
  return { booted, address: booted.addresses[0], close: () => booted.close() };
}

export interface Ran<T = unknown> {
  stdout: string;
  stderr: string;
  result?: T;
  /** The exit status the binary would have. */
  exit: number;
  error?: Error;
}

/** Run `akaros ARGS...` in this process. */
export async function akaros<T = unknown>(args: string[]): Promise<Ran<T>> {
  // A fresh config per run, as each run of the binary has (a reused Config keeps state),
  // and the flags placed as bin/run.js places them.
  const { config, argv, error } = await prepareArgv(args);
  if (error) return { stdout: '', stderr: `akaros: ${error.message}\n`, exit: error.exit, error };
  const r = await runCommand<T>(argv!, config);
  const exit = r.error ? ((r.error as { oclif?: { exit?: number } }).oclif?.exit ?? 1) : 0;
  return { stdout: r.stdout, stderr: r.stderr, result: r.result, exit, error: r.error };
}

/** A runner bound to one machine and user: `run('ps')`, `run('mcp', 'new', '--json')`. */
export function runner(m: Machine, user = 'glenda') {
  return <T = unknown>(...args: string[]) => akaros<T>([...args, '-a', m.address, '-u', user]);
}

export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Parse --json stdout. */
export function json<T = any>(r: Ran): T {
  return JSON.parse(r.stdout) as T;
}

/** Parse a --json error: one JSON object on stderr (stdout stays empty). */
export function jsonErr<T = any>(r: Ran): T {
  if (r.stdout !== '') throw new Error(`a --json error wrote to stdout: ${JSON.stringify(r.stdout)}`);
  return JSON.parse(r.stderr) as T;
}
