// SPDX-License-Identifier: GPL-2.0-or-later
//
// Nodes for the cluster tests: whole servers (cmd/boot.ts) on loopback ports, in this
// process or as separate `akaros serve` processes, and 9P clients attached to them.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boot, type Booted, type BootOptions } from '../../cmd/boot.js';
import { Client } from '../../lib/9p/client.js';
import { NONUNAME } from '../../lib/9p/const.js';
import { P9Error } from '../../lib/9p/error.js';
import type { Dialect } from '../../lib/9p/fcall.js';
import { Conn } from '../devs/kernel/stack.js';
import { freePort } from '../harness/port.js';
export { freePort };

export { Conn };

const here = dirname(fileURLToPath(import.meta.url));
/** bin/run.js of this tree (dist/test/cluster -> the repository root). */
export const BIN = join(here, '..', '..', '..', 'bin', 'run.js');

/** A 9P client attached to `port` as `user` (n_uname ~0: the server goes by the name). */
export async function attach(port: number, user: string, dialect: Dialect = '9P2000.L'): Promise<Conn> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => { sock.setNoDelay(true); resolve(); });
    sock.once('error', reject);
  });
  const c = await Client.connect(sock, { dialect });
  await c.attach({ uname: user, nUname: NONUNAME });
  return new Conn(c, user);
}

export interface Node {
  booted: Booted;
  port: number;
  address: string;
  close(): Promise<void>;
}

/** A whole server in this process, on `port` (default: any free one). */
export async function startNode(sysname: string, opts: BootOptions & { port?: number } = {}): Promise<Node> {
  const { port: want, ...bo } = opts;
  const booted = await boot({ hostowner: 'eve', paused: true, sysname, ...bo, listen: [`tcp!127.0.0.1!${want ?? 0}`] });
  const address = booted.addresses[0];
  return { booted, port: Number(address.split('!')[2]), address, close: () => booted.close() };
}

/** node1 with node2 mounted on /n/node2, and glenda attached to each (`via` node1's mount,
 *  `direct` to node2); all of it closed at the test's teardown. */
export async function mountedPair(t: { teardown(fn: () => unknown): void }): Promise<{ n1: Node; n2: Node; via: Conn; direct: Conn }> {
  const n2 = await startNode('node2');
  const n1 = await startNode('node1');
  t.teardown(async () => { await n1.close(); await n2.close(); });
  const via = await attach(n1.port, 'glenda');
  const direct = await attach(n2.port, 'glenda');
  t.teardown(() => { via.close(); direct.close(); });
  await via.write('dev/ns', `mount ${n2.address} /n/node2\n`);
  return { n1, n2, via, direct };
}

/** Retries `fn` until it stops throwing (every 50 ms, at most `ms`); its last error otherwise. */
export async function eventually<T>(fn: () => Promise<T>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** An `akaros serve` process. */
export interface Proc {
  child: ChildProcess;
  port: number;
  out: () => string;
  stop(): Promise<void>;
}

/** How to start a serve process besides its arguments (benches). */
export interface SpawnOptions {
  /** Flags for node itself (`--cpu-prof`). */
  nodeFlags?: string[];
  /** Another build's bin/run.js (a bench comparing against it). */
  bin?: string;
}

/** Starts `node bin/run.js serve ARGS --listen tcp!127.0.0.1!PORT` and waits until it
 *  says it is serving. */
export function spawnServe(port: number, args: string[], opts: SpawnOptions = {}): Promise<Proc> {
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), opts.bin ?? BIN, 'serve', '--listen', `tcp!127.0.0.1!${port}`, ...(args.includes('--state') ? [] : ['--ephemeral']), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b) => { out += b; });
  child.stderr!.on('data', (b) => { out += b; });
  const proc: Proc = {
    child,
    port,
    out: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}`)); }, 20000);
    const check = (): void => {
      if (out.includes('serving 9P on')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(proc);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}): ${out}`));
    });
  });
}

/** The errno name a promise fails with ('resolved' if it does not). */
export async function errOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof P9Error ? e.ename : String(e);
  }
  return 'resolved';
}

/** An ndb file in `dir` for three nodes of cluster `trio` on one host, node K at
 *  ports[K-1] (dialed as tcp!nodeK!akarosK); returns its path. */
export function trioNdb(dir: string, ports: number[]): string {
  const ndb = join(dir, 'ndb');
  writeFileSync(ndb, [
    ...ports.map((p, i) => `sys=node${i + 1} ip=127.0.0.1 cluster=trio dial=tcp!node${i + 1}!akaros${i + 1}`),
    ...ports.map((p, i) => `tcp=akaros${i + 1} port=${p}`),
    '',
  ].join('\n'));
  return ndb;
}
