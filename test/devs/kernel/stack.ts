// SPDX-License-Identifier: GPL-2.0-or-later
//
// The whole stack in one process for the kernel-device tests and the bench: a Kernel
// with its clock paused (a fake real-time source, so pause/resume/speed work and nothing
// moves unless a test says so), makeDevices, the namespace server, the 9P server, and
// lib/9p clients over in-memory duplex pairs.

import { Kernel } from '../../../kern/index.js';
import { type KernelConfig } from '../../../kern/types.js';
import { makeDevices, type KernelDevices } from '../../../devs/index.js';
import { createNamespaceServer } from '../../../ns/server.js';
import { Server } from '../../../srv/server.js';
import { Client } from '../../../lib/9p/client.js';
import { duplexPair } from '../../../lib/9p/duplex.js';
import { NONUNAME, OREAD, OWRITE, OTRUNC } from '../../../lib/9p/const.js';
import type { Dialect } from '../../../lib/9p/fcall.js';
import type { Fid } from '../../../lib/9p/fid.js';
import { P9Error } from '../../../lib/9p/error.js';
import { parseKeyed } from '../../../devs/dev.js';

export const HOST = 'eve';

/** A fake wall clock: time moves only when the test moves it; timers fire on demand. */
export class FakeRealtime {
  now = 0n;
  timers = new Map<number, { fn: () => void; at: bigint }>();
  private seq = 0;
  nowReal = (): bigint => this.now;
  setTimer = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { fn, at: this.now + BigInt(Math.round(ms * 1e6)) });
    return id;
  };
  clearTimer = (h: unknown): void => { this.timers.delete(h as number); };
  /** Moves real time on by ns and fires the timers that fall due. */
  advance(ns: bigint): void {
    this.now += ns;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= this.now).sort((a, b) => (a[1].at < b[1].at ? -1 : 1));
      if (due.length === 0) return;
      const [id, t] = due[0];
      this.timers.delete(id);
      t.fn();
    }
  }
}

export interface StackOptions extends KernelConfig {
  linuxContinuation?: 'auto' | 'always' | 'never';
}

export interface Stack {
  kernel: Kernel;
  devs: KernelDevices;
  server: Server;
  rt: FakeRealtime;
  /** A new attached connection; msize up to the server's 1 MiB + 24 (default 65536). */
  connect(user: string, dialect?: Dialect, aname?: string, msize?: number): Promise<Conn>;
  close(): Promise<void>;
}

export async function makeStack(o: StackOptions = {}): Promise<Stack> {
  const { linuxContinuation, ...cfg } = o;
  const kernel = new Kernel({ ncores: 16, hostowner: HOST, zombieNs: 0, ...cfg });
  const rt = new FakeRealtime();
  const devs = makeDevices({ kernel, hostowner: HOST, realtime: rt, paused: true, seed: cfg.seed });
  const nss = createNamespaceServer({ devices: devs.devices, hostowner: HOST });
  const server = new Server({ ns: nss, hostowner: HOST, linuxContinuation: linuxContinuation ?? 'never' });
  const conns: Conn[] = [];
  return {
    kernel, devs, server, rt,
    async connect(user, dialect = '9P2000.L', aname = '', msize?: number) {
      const [a, b] = duplexPair();
      server.serve(a);
      const c = await Client.connect(b, { dialect, msize });
      await c.attach({ uname: user, aname, nUname: NONUNAME });
      const conn = new Conn(c, user);
      conns.push(conn);
      return conn;
    },
    async close() {
      for (const c of conns) c.close();
      devs.close();
      await server.close();
    },
  };
}

/** One attached 9P connection with shell-like helpers. */
export class Conn {
  constructor(readonly c: Client, readonly user: string) {}

  /** `cat path` */
  async read(path: string, signal?: AbortSignal): Promise<string> {
    return (await this.c.readFile(path, signal)).toString();
  }

  /** `echo text > path`: open OWRITE|OTRUNC, one write, clunk. Returns the count. */
  async write(path: string, text: string): Promise<number> {
    const f = await this.c.root!.walk(path);
    try {
      await f.open(OWRITE | OTRUNC);
      return await f.write(0n, Buffer.from(text));
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** The error of `echo text > path` (throws if it succeeded). */
  async writeErr(path: string, text: string): Promise<P9Error> {
    try {
      await this.write(path, text);
    } catch (e) {
      if (e instanceof P9Error) return e;
      throw e;
    }
    throw new Error(`write "${text.trim()}" to ${path} succeeded`);
  }

  async readErr(path: string): Promise<P9Error> {
    try {
      await this.read(path);
    } catch (e) {
      if (e instanceof P9Error) return e;
      throw e;
    }
    throw new Error(`read of ${path} succeeded`);
  }

  async keyed(path: string): Promise<Map<string, string>> {
    return parseKeyed(await this.read(path));
  }

  async ls(path: string): Promise<string[]> {
    return (await this.c.ls(path)).map((e) => e.name);
  }

  /** An open fid for reading (a blocking file kept open across reads). */
  async openRead(path: string): Promise<Fid> {
    const f = await this.c.root!.walk(path);
    await f.open(OREAD);
    return f;
  }

  /** An open fid for writing (a ctl kept open: `exec 3> ctl`). */
  async openWrite(path: string): Promise<Fid> {
    const f = await this.c.root!.walk(path);
    await f.open(OWRITE);
    return f;
  }

  /** `cat /mcp/clone`. */
  async clone(dir = 'mcp'): Promise<number> {
    return Number((await this.read(`${dir}/clone`)).trim());
  }

  close(): void {
    this.c.close();
  }
}

/** Lets queued microtasks and stream callbacks run (the duplex pair is asynchronous). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
