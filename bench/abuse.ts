// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 10's abuses against a real server process (`akaros serve`, default limits, one
// fresh server per abuse): for each, the server's peak RSS (VmHWM) and what a fresh
// client sees while the abuse runs: the p99 of one Tgetattr round trip on a connection
// made after the abuse began, and the p99 of connect + version + attach on brand-new
// connections. Targets: peak RSS under 512 MB, fresh-client p99 under 50 ms. Writes
// bench/results/abuse.json. The attacker runs in its own process (this file with
// --attack NAME PORT MS), so its own work never delays the probe's clock.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '../lib/9p/client.js';
import { encode } from '../lib/9p/codec.js';
import * as F from '../lib/9p/fcall.js';
import { NOFID, NONUNAME, P9_GETATTR_BASIC } from '../lib/9p/const.js';
import { writeResult } from './lib/load.js';
import { rss, startServe } from './lib/serve.js';

const ABUSE_MS = Number(process.env.ABUSE_MS ?? 6000);

function sock(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    s.once('connect', () => { s.setNoDelay(true); res(s); });
    s.once('error', rej);
  });
}

/** A fire-and-forget 9P peer: frames out, replies read and dropped (or not read). */
class Raw {
  tag = 1;
  constructor(readonly s: net.Socket, readonly dialect: F.Dialect = '9P2000.L') {
    s.on('error', () => { /* the server may close us: that is the point */ });
  }
  send(m: Omit<F.TMessage, 'tag'> & { tag?: number }): void {
    if (this.s.destroyed) return;
    this.s.write(encode({ tag: this.tag = (this.tag + 1) & 0x7fff, ...m } as F.TMessage, this.dialect));
  }
  drain(): void { this.s.resume(); }
  static async open(port: number, opts: { msize?: number; localAddress?: string; read?: boolean } = {}): Promise<Raw> {
    const r = new Raw(await sock(port, opts.localAddress));
    if (opts.read !== false) r.drain(); else r.s.pause();
    r.send({ type: F.Tversion, tag: 0xffff, msize: opts.msize ?? 65536, version: '9P2000.L' } as never);
    r.send({ type: F.Tattach, fid: 0, afid: NOFID, uname: 'bob', aname: '', nUname: NONUNAME } as never);
    return r;
  }
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))] * 10) / 10;
};

/** A fresh client measuring while `until` is pending: Tgetattr round trips on one
 *  connection, and new connections every 100 ms. */
async function probe(port: number, until: Promise<void>): Promise<{ rtt: number[]; connect: number[]; failures: number }> {
  const rtt: number[] = [];
  const connect: number[] = [];
  let failures = 0;
  let done = false;
  until.then(() => { done = true; }, () => { done = true; });
  const fresh = async (): Promise<Client> => {
    const t0 = performance.now();
    const c = await Client.connect(await sock(port));
    await c.attach({ uname: 'alice', nUname: NONUNAME });
    connect.push(performance.now() - t0);
    return c;
  };
  let one: Client | undefined;
  for (let i = 0; i < 50 && !one; i++) {
    try { one = await fresh(); } catch { failures++; await new Promise((r) => setTimeout(r, 100)); }
  }
  if (!one) return { rtt, connect, failures };
  const looper = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        await one!.root!.getattr(P9_GETATTR_BASIC);
        rtt.push(performance.now() - t0);
      } catch { failures++; await new Promise((r) => setTimeout(r, 10)); }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const connector = (async () => {
    while (!done) {
      try { (await fresh()).close(); } catch { failures++; }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.all([looper, connector]);
  one.close();
  return { rtt, connect, failures };
}

type Abuse = (port: number, stop: Promise<void>) => Promise<void>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Row 4: connections from many loopback addresses, each with every attach and fid it may. */
const attaches: Abuse = async (port, stop) => {
  const peers: Raw[] = [];
  for (let a = 2; a < 12; a++) {
    for (let i = 0; i < 16; i++) {
      try { peers.push(await Raw.open(port, { localAddress: `127.0.0.${a}` })); } catch { /* refused */ }
    }
  }
  for (const r of peers) {
    for (let f = 1; f < 64; f++) r.send({ type: F.Tattach, fid: f, afid: NOFID, uname: 'bob', aname: '', nUname: NONUNAME } as never);
    for (let f = 64; f < 8191; f++) r.send({ type: F.Twalk, fid: f % 64, newfid: f, wnames: ['dev'] } as never);
    await sleep(1);
  }
  await stop;
  for (const r of peers) r.s.destroy();
};

/** Row 5: /dev/ns writes of 20,000 bind -a lines, back to back on several connections. */
const binds: Abuse = async (port, stop) => {
  let done = false;
  stop.then(() => { done = true; });
  const lines = Buffer.from('bind -a #mcp /mcp\n'.repeat(20000));
  const peers = await Promise.all(Array.from({ length: 8 }, () => Raw.open(port, { msize: 1 << 20 })));
  for (const r of peers) {
    r.send({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dev', 'ns'] } as never);
    r.send({ type: F.Tlopen, fid: 1, flags: 1 } as never);
  }
  while (!done) {
    for (const r of peers) {
      r.send({ type: F.Tattach, fid: 2, afid: NOFID, uname: 'bob', aname: '', nUname: NONUNAME } as never);
      r.send({ type: F.Twrite, fid: 1, offset: 0n, data: lines } as never);
    }
    await sleep(20);
  }
  for (const r of peers) r.s.destroy();
};

/** Row 8: msize 1 MiB (the server's most), 200 pipelined 1 MiB reads, replies never read. */
const slowReaders: Abuse = async (port, stop) => {
  const peers: Raw[] = [];
  for (let a = 2; a < 6; a++) {
    for (let i = 0; i < 16; i++) {
      const r = await Raw.open(port, { msize: 16 << 20, read: false, localAddress: `127.0.0.${a}` });
      r.send({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dev', 'zero'] } as never);
      r.send({ type: F.Tlopen, fid: 1, flags: 0 } as never);
      for (let k = 0; k < 200; k++) r.send({ type: F.Tread, fid: 1, offset: 0n, count: 1 << 20 } as never);
      peers.push(r);
    }
  }
  await stop;
  for (const r of peers) r.s.destroy();
};

/** Row 9: failed ctl writes with a 1 MiB line, in a loop. */
const errstrs: Abuse = async (port, stop) => {
  let done = false;
  stop.then(() => { done = true; });
  const line = Buffer.alloc(1 << 20, 'x');
  const peers = await Promise.all(Array.from({ length: 4 }, () => Raw.open(port, { msize: 2 << 20 })));
  for (const r of peers) {
    r.send({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dev', 'sysname'] } as never);
    r.send({ type: F.Tlopen, fid: 1, flags: 1 } as never);
  }
  while (!done) {
    for (const r of peers) r.send({ type: F.Twrite, fid: 1, offset: 0n, data: line } as never);
    await sleep(5);
  }
  for (const r of peers) r.s.destroy();
};

/** Row 11: every connection parks all the blocked reads it may, then flushes them. */
const blockedReads: Abuse = async (port, stop) => {
  let done = false;
  stop.then(() => { done = true; });
  const peers = await Promise.all(Array.from({ length: 16 }, () => Raw.open(port)));
  for (const r of peers) {
    for (let f = 1; f <= 300; f++) {
      r.send({ type: F.Twalk, fid: 0, newfid: f, wnames: ['dev', 'kmesg'] } as never);
      r.send({ type: F.Tlopen, fid: f, flags: 0 } as never);
      r.send({ type: F.Tread, fid: f, offset: 0n, count: 65536 } as never);
    }
  }
  await sleep(200);
  while (!done) {
    for (const r of peers) {
      for (let f = 1; f <= 300; f++) {
        r.send({ type: F.Tread, tag: 1000 + f, fid: f, offset: 1n << 20n, count: 65536 } as never);
      }
      for (let f = 1; f <= 300; f++) r.send({ type: F.Tflush, oldtag: 1000 + f } as never);
    }
    await sleep(50);
  }
  for (const r of peers) r.s.destroy();
};

/** Half-sent megabyte frames on every connection the limits allow (slowloris). */
const slowloris: Abuse = async (port, stop) => {
  const peers: net.Socket[] = [];
  for (let a = 2; a < 12; a++) {
    for (let i = 0; i < 32; i++) {
      try {
        const s = await sock(port, `127.0.0.${a}`);
        s.on('error', () => {});
        s.write(encode({ type: F.Tversion, tag: 0xffff, msize: 1 << 20, version: '9P2000.L' } as F.TMessage, '9P2000.L'));
        const head = Buffer.alloc(7 + 1000 * 1000);
        head.writeUInt32LE((1 << 20) - 100, 0);
        head[4] = F.Twrite;
        s.write(head);
        peers.push(s);
      } catch { /* refused */ }
    }
  }
  await stop;
  for (const s of peers) s.destroy();
};

/** A client that pipelines as fast as it can (no abuse row: fairness between clients). */
const flood: Abuse = async (port, stop) => {
  let done = false;
  stop.then(() => { done = true; });
  const peers = await Promise.all(Array.from({ length: 4 }, () => Raw.open(port)));
  while (!done) {
    for (const r of peers) {
      for (let i = 0; i < 2000; i++) r.send({ type: F.Twalk, fid: 0, newfid: 0, wnames: ['dev', '..', 'dev', '..'] } as never);
    }
    await sleep(10);
  }
  for (const r of peers) r.s.destroy();
};

const ABUSES: [string, string, Abuse][] = [
    ['attaches', 'row 4: 160 connections from 10 addresses, each 64 attaches and 8191 fids', attaches],
    ['ns-binds', 'row 5: /dev/ns writes of 20,000 bind -a lines on 8 connections', binds],
    ['slow-readers', 'row 8: 64 connections, 200 pipelined 1 MiB reads each, replies never read', slowReaders],
    ['errstr', 'row 9: failed writes of a 1 MiB line, 4 connections', errstrs],
    ['blocked-reads', 'row 11: 16 connections x 300 blocked reads, flushed and reissued', blockedReads],
    ['slowloris', '320 connections holding half-sent 1 MiB frames', slowloris],
    ['flood', '4 connections pipelining walks as fast as they can', flood],
];

/** The attacker's process: one abuse against `port` for `ms`. */
async function attack(name: string, port: number, ms: number): Promise<void> {
  const a = ABUSES.find(([n]) => n === name);
  if (!a) throw new Error(`no abuse ${name}`);
  await a[2](port, sleep(ms));
  process.exit(0);
}

function spawnAttack(name: string, port: number, ms: number): Promise<void> {
  const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--attack', name, String(port), String(ms)],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((r) => p.once('exit', () => r()));
}

export async function run(): Promise<unknown> {
  const abuses = ABUSES;
  const only = (process.env.ABUSE ?? '').split(',').filter(Boolean);
  const rows: Record<string, unknown>[] = [];
  for (const [name, what] of abuses) {
    if (only.length && !only.includes(name)) continue;
    const srv = await startServe();
    const base = rss(srv.pid);
    let end!: () => void;
    const stop = new Promise<void>((r) => { end = r; });
    const timer = setTimeout(end, ABUSE_MS);
    let peak = base.peak;
    const sampler = setInterval(() => { try { peak = Math.max(peak, rss(srv.pid).peak); } catch { /* gone */ } }, 200);
    const attacker = spawnAttack(name, srv.port, ABUSE_MS);
    await sleep(1000);
    const p = await probe(srv.port, stop);
    await attacker;
    clearTimeout(timer);
    clearInterval(sampler);
    peak = Math.max(peak, rss(srv.pid).peak);
    await srv.stop();
    const row = {
      abuse: name, what, baseRssMB: base.now, peakRssMB: peak,
      rttP50ms: pct(p.rtt, 0.5), rttP99ms: pct(p.rtt, 0.99), connectP99ms: pct(p.connect, 0.99),
      probes: p.rtt.length, connects: p.connect.length, failures: p.failures,
      ok: peak < 512 && pct(p.rtt, 0.99) < 50 && p.failures === 0,
    };
    rows.push(row);
    console.log(`${name.padEnd(14)} peak RSS ${String(peak).padStart(4)} MB   fresh Tgetattr p50 ${row.rttP50ms} ms p99 ${row.rttP99ms} ms`
      + `   connect+attach p99 ${row.connectP99ms} ms   (${row.probes} probes, ${row.failures} failures)${row.ok ? '' : '   OVER TARGET'}`);
  }
  writeResult(import.meta.url, 'abuse', { date: new Date().toISOString(), abuseMs: ABUSE_MS, rows });
  return rows;
}

if (process.argv[2] === '--attack') await attack(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
else if (import.meta.url === `file://${process.argv[1]}`) await run();
