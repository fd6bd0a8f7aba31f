// SPDX-License-Identifier: GPL-2.0-or-later
//
// The durability tests' tools: `akaros serve` as a child process on a temporary state
// directory (never the default one), 9P connections to it over TCP, and a seeded PRNG.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';
import { Client } from '../../lib/9p/client.js';
import { NONUNAME } from '../../lib/9p/const.js';
import { parseDialString } from '../../lib/iplib/dial.js';
import { Conn } from '../devs/kernel/stack.js';

export { Conn };

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');

export function tempDir(t: { teardown(fn: () => void): void }, what = 'akaros-state'): string {
  const d = mkdtempSync(join(tmpdir(), `${what}-`));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export interface Served {
  p: ChildProcess;
  /** The address it listens on (once `ready` resolved). */
  address: string;
  ready: Promise<string>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** `akaros serve ARGS --listen tcp!127.0.0.1!0`; `ready` resolves with the address, or
 *  rejects if it exits first. */
export function serve(args: string[], env: NodeJS.ProcessEnv = {}): Served {
  const p = spawn(process.execPath, [BIN, 'serve', '--listen', 'tcp!127.0.0.1!0', ...args],
    { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  const s: Served = {
    p, address: '',
    ready: new Promise<string>((resolve, reject) => {
      p.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /serving 9P on (\S+)/.exec(out);
        if (m && !s.address) { s.address = m[1]; resolve(m[1]); }
      });
      p.on('close', (code) => reject(new Error(`akaros serve exited ${code} before listening: ${err}`)));
    }),
    done: new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal }))),
    stdout: () => out,
    stderr: () => err,
  };
  s.ready.catch(() => undefined);
  p.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  return s;
}

/** A 9P2000.L connection to a dial string, attached as `user`. */
export async function dial(address: string, user: string): Promise<Conn> {
  const d = parseDialString(address);
  const sock = createConnection({ host: d.host, port: Number(d.port) });
  await new Promise<void>((res, rej) => { sock.once('connect', () => res()); sock.once('error', rej); });
  sock.setNoDelay(true);
  const c = await Client.connect(sock, { dialect: '9P2000.L' });
  await c.attach({ uname: user, aname: '', nUname: NONUNAME });
  return new Conn(c, user);
}

/** mulberry32: the rounds' random moments, reproducible from the seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One read of a blocking stream file (/dev/kmesg): what it holds now, up to 64 KiB. */
export async function readOnce(c: Conn, path: string): Promise<string> {
  const f = await c.openRead(path);
  try {
    return (await f.read(0n, 65536)).toString();
  } finally {
    await f.clunk().catch(() => undefined);
  }
}

/** Reads a blocking stream file until what was read satisfies `done` (or it ends). */
export async function readUntil(c: Conn, path: string, done: (text: string) => boolean): Promise<string> {
  const f = await c.openRead(path);
  let text = '', off = 0n;
  try {
    while (!done(text)) {
      const b = await f.read(off, 65536);
      if (b.length === 0) break;
      off += BigInt(b.length);
      text += b.toString();
    }
    return text;
  } finally {
    await f.clunk().catch(() => undefined);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
