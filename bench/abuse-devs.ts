// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 10's kernel-device abuses against a real server (`akaros serve`, a child process,
// TCP loopback): for each, abusers (another child process, so their client-side work
// does not share the measuring loop) run flat out while a fresh client keeps reading
// /dev/sysname; we report the server's peak RSS (VmHWM, a fresh server per abuse) and the
// fresh client's round-trip p50/p99. Targets: RSS under 512 MB, p99 under 50 ms.
// Prints a table and writes bench/results/abuse-devs.json.
// Run: node dist/bench/abuse-devs.js [--ms N] [abuse...]

import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '../lib/9p/client.js';
import { OREAD, OWRITE } from '../lib/9p/const.js';
import { P9Error } from '../lib/9p/error.js';
import { writeResult } from './lib/load.js';
import { rss, startServe } from './lib/serve.js';

const HOST = 'eve';
const BIG = (1 << 20) + 24;
const RSS_TARGET_MB = 512;
const P99_TARGET_MS = 50;


/** Every connection made for the current abuse, closed before its server stops. */
const open: User[] = [];

class User {
  private constructor(readonly c: Client) { open.push(this); }
  static async attach(port: number, uname: string, msize = 65536): Promise<User> {
    const sock = await new Promise<net.Socket>((res, rej) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.setNoDelay(true); res(s); });
      s.once('error', rej);
    });
    const c = await Client.connect(sock, { msize });
    await c.attach({ uname });
    return new User(c);
  }
  async read(path: string): Promise<string> { return (await this.c.readFile(path)).toString(); }
  /** `echo text > path`; a P9Error is the answer, not a failure. */
  async write(path: string, text: string | Buffer): Promise<number | P9Error> {
    const f = await this.c.root!.walk(path);
    try {
      await f.open(OWRITE);
      return await f.write(0n, typeof text === 'string' ? Buffer.from(text) : text);
    } catch (e) {
      if (e instanceof P9Error) return e;
      throw e;
    } finally {
      await f.clunk().catch(() => undefined);
    }
  }
  async openErr(path: string): Promise<P9Error | undefined> {
    try {
      const f = await this.c.root!.walk(path);
      try { await f.open(OREAD); } finally { await f.clunk().catch(() => undefined); }
    } catch (e) {
      if (e instanceof P9Error) return e;
      throw e;
    }
    return undefined;
  }
  close(): void { this.c.close(); }
}

/** One abuse: `setup` once, then `step` in `workers` loops until the time is up. */
interface Abuse {
  name: string;
  row: string;
  workers: number;
  setup(port: number): Promise<(w: number) => Promise<void>>;
}

const mcpOf = async (u: User): Promise<number> => Number((await u.read('mcp/clone')).trim());

const ABUSES: Abuse[] = [
  { name: 'idle', row: '-', workers: 0, setup: async () => async () => undefined },
  {
    name: 'events-steal', row: '2', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice');
      const a = await mcpOf(alice);
      // registered first: an unregistered type is dropped, and there would be nothing to steal
      await alice.write(`mcp/${a}/ctl`, 'ev EV_PREEMPT_PENDING ucq\nnotify EV_PREEMPT_PENDING 1 0 0 5');
      const bob = await User.attach(port, 'bob');
      return async () => { await bob.openErr(`mcp/${a}/events`); };
    },
  },
  {
    name: 'notify-flood', row: '3', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice', BIG);
      const a = await mcpOf(alice);
      const batch = 'notify EV_USER_IPI 1 2 3 4\n'.repeat(1024);
      const huge = Buffer.from('notify EV_USER_IPI 1\n'.repeat(49_000));
      let n = 0;
      return async () => { await alice.write(`mcp/${a}/ctl`, ++n % 8 === 0 ? huge : batch); };
    },
  },
  {
    name: 'prov-range', row: '6', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice');
      const a = await mcpOf(alice);
      return async () => { await alice.write(`mcp/${a}/ctl`, 'prov 1-9007199254740991'); };
    },
  },
  {
    name: 'sim-step', row: '7', workers: 2,
    setup: async (port) => {
      const eve = await User.attach(port, HOST);
      await eve.write('core/ctl', 'tick 1us');
      await eve.write('sim/ctl', 'speed 1000000000');
      await eve.write('sim/ctl', 'resume\nspeed 1000');
      return async (w) => { await eve.write('sim/ctl', w === 0 ? 'step 3600s' : 'step 9007199254740991'); };
    },
  },
  {
    name: 'lasterr-1MiB', row: '9', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice', BIG);
      const a = await mcpOf(alice);
      const mib = Buffer.from(`banana ${'x'.repeat((1 << 20) - 7)}`);
      const max = Buffer.from(`banana ${'x'.repeat(65536 - 8)}`);
      let n = 0;
      return async () => { await alice.write(`mcp/${a}/ctl`, ++n % 2 ? mib : max); };
    },
  },
  {
    name: 'clone-loop', row: '10', workers: 4,
    setup: async (port) => {
      // 40 users in turn: past 31 of them the pid space is down to the host owner's reserve.
      const users = await Promise.all(Array.from({ length: 40 }, (_, i) => User.attach(port, `u${i}`)));
      let n = 0;
      return async () => { const u = users[Math.floor(n++ / 1100) % users.length]; await u.openErr('mcp/clone'); };
    },
  },
  {
    name: 'name-ctl', row: '12', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice');
      const a = await mcpOf(alice);
      return async () => { await alice.write(`mcp/${a}/ctl`, "name 'x\rstate RUNNING_M'\n"); };
    },
  },
  {
    name: 'want-0', row: '13', workers: 4,
    setup: async (port) => {
      const alice = await User.attach(port, 'alice');
      const a = await mcpOf(alice);
      return async () => { await alice.write(`mcp/${a}/ctl`, 'want -0'); };
    },
  },
];

interface Row {
  abuse: string; row: string; peak_rss_mb: number; fresh_p50_ms: number; fresh_p99_ms: number;
  fresh_ops: number; abuse_ops: number; ok: boolean;
}

/** The abuser side (`--abuser NAME --port P`): set up, say `ready`, run until SIGTERM,
 *  then print the number of operations done. */
async function abuser(name: string, port: number): Promise<void> {
  const a = ABUSES.find((x) => x.name === name);
  if (!a) throw new Error(`no abuse ${name}`);
  const step = await a.setup(port);
  let stop = false;
  let ops = 0;
  const alive = setInterval(() => undefined, 1 << 30);   // a pending promise alone would let us exit
  const stopped = new Promise<void>((res) => process.once('SIGTERM', () => { stop = true; clearInterval(alive); res(); }));
  process.stdout.write('ready\n');
  await Promise.all(Array.from({ length: a.workers }, async (_, w) => {
    while (!stop) { await step(w); ops++; }
  }));
  await stopped;
  for (const u of open.splice(0)) u.close();
  process.stdout.write(`ops ${ops}\n`);
}

/** Runs the abuse in a child process; resolves once it is set up. */
async function startAbuser(name: string, port: number): Promise<{ stop(): Promise<number> }> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--abuser', name, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b; });
  await new Promise<void>((res, rej) => {
    proc.stdout!.on('data', () => { if (out.includes('ready\n')) res(); });
    proc.once('exit', (c) => rej(new Error(`abuser ${name} exited ${c}`)));
  });
  return {
    stop: () => new Promise<number>((res) => {
      const done = () => res(Number(/ops (\d+)/.exec(out)?.[1] ?? NaN));
      if (proc.exitCode !== null || proc.signalCode !== null) { done(); return; }
      proc.once('close', done);     // after its stdout has been read to the end
      proc.kill('SIGTERM');
    }),
  };
}

async function runOne(a: Abuse, ms: number): Promise<Row> {
  // clone-loop attaches 40 users, a connection each, all from 127.0.0.1: more than the
  // default 32 per address (srv's limit, measured by bench/abuse.ts, not here).
  const srv = await startServe(['--hostowner', HOST, '--max-connections-per-address', '64'], 'inherit');
  try {
    const ab = await startAbuser(a.name, srv.port);
    const carol = await User.attach(srv.port, 'carol');
    const f = await carol.c.root!.walk('dev/sysname');
    await f.open(OREAD);
    const lat: number[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await f.read(0n, 4096);
      lat.push(performance.now() - t0);
    }
    const abuseOps = await ab.stop();
    let peak = NaN;
    try { peak = rss(srv.pid).peak; } catch { /* not Linux, or the process is gone: no number */ }
    lat.sort((x, y) => x - y);
    const pct = (p: number) => +lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
    const p99 = pct(0.99);
    return {
      abuse: a.name, row: a.row, peak_rss_mb: peak, fresh_p50_ms: pct(0.5), fresh_p99_ms: p99,
      fresh_ops: lat.length, abuse_ops: abuseOps, ok: !(peak >= RSS_TARGET_MB) && p99 < P99_TARGET_MS,
    };
  } finally {
    for (const u of open.splice(0)) u.close();
    await srv.stop();
  }
}

export async function run(opts: { ms?: number; only?: string[] } = {}): Promise<Row[]> {
  const ms = opts.ms ?? 3000;
  const rows: Row[] = [];
  for (const a of ABUSES) {
    if (opts.only?.length && !opts.only.includes(a.name)) continue;
    rows.push(await runOne(a, ms));
  }
  console.log(`Kernel-device abuses (issue 10), ${ms} ms each, a fresh server per abuse; targets: peak RSS < ${RSS_TARGET_MB} MB, fresh-client p99 < ${P99_TARGET_MS} ms`);
  console.table(rows);
  writeResult(import.meta.url, 'abuse-devs', { bench: 'abuse-devs', date: new Date().toISOString(), node: process.version, ms, rows });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--abuser') {
  await abuser(process.argv[3], Number(process.argv[5]));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--ms');
  const ms = i >= 0 ? Number(args[i + 1]) : undefined;
  if (i >= 0) args.splice(i, 2);
  await run({ ms, only: args });
}
