// SPDX-License-Identifier: GPL-2.0-or-later
//
// Kernel-device benchmarks (performance.md): the full round trip of `echo N > ctl`
// followed by reading `status`, through our lib/9p client against the in-process server
// (shell style: walk/open/write/clunk + walk/open/read/clunk; and on fids kept open), and
// the latency from a kernel event to the return of a blocked `events` Tread. Peers in the
// same run: a ping-pong over the same in-memory duplex pair, and over TCP loopback.
// Prints a table and writes bench/results/devs.json. Run: node dist/bench/devs-roundtrip.js

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { duplexPair } from '../lib/9p/duplex.js';
import { OREAD, OWRITE, OTRUNC } from '../lib/9p/const.js';
import { makeStack } from '../test/devs/kernel/stack.js';

const hr = () => process.hrtime.bigint();
const us = (a: bigint, b: bigint) => Number(b - a) / 1000;
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const tick = () => new Promise<void>((r) => setImmediate(r));

interface Row { what: string; n: number; p50_us: number; p99_us: number; ops_s: number }

function row(what: string, xs: number[], totalUs: number): Row {
  return { what, n: xs.length, p50_us: +pct(xs, 0.5).toFixed(1), p99_us: +pct(xs, 0.99).toFixed(1), ops_s: Math.round(xs.length / (totalUs / 1e6)) };
}

/** Round trips of a 64-byte message to an echoing peer, one at a time. */
async function timeEchoes(a: Duplex, iters: number): Promise<number[]> {
  const xs: number[] = [];
  const msg = Buffer.alloc(64, 1);
  for (let i = 0; i < iters; i++) {
    const t0 = hr();
    await new Promise<void>((res) => { a.once('data', () => res()); a.write(msg); });
    xs.push(us(t0, hr()));
  }
  return xs;
}

async function pingPong(a: Duplex, b: Duplex, iters: number): Promise<number[]> {
  b.on('data', (d: Buffer) => b.write(d));
  return timeEchoes(a, iters);
}

async function tcpPingPong(iters: number): Promise<number[]> {
  const srv = createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const c: Socket = tcpConnect(port, '127.0.0.1');
  c.setNoDelay(true);
  await new Promise<void>((r) => c.once('connect', () => r()));
  const xs = await timeEchoes(c, iters);
  c.destroy();
  await new Promise<void>((r) => srv.close(() => r()));
  return xs;
}

export async function run(opts: { iters?: number; quiet?: boolean } = {}): Promise<Row[]> {
  const iters = opts.iters ?? 5000;
  const rows: Row[] = [];
  const s = await makeStack({ ncores: 16 });
  const g = await s.connect('glenda');
  const pid = await g.clone();
  const root = g.c.root!;

  // 1. shell style: echo N > ctl; cat status
  {
    const xs: number[] = [];
    const w0 = hr();
    for (let i = 0; i < iters / 5; i++) {
      const t0 = hr();
      const f = await root.walk(`mcp/${pid}/ctl`);
      await f.open(OWRITE | OTRUNC);
      await f.write(0n, Buffer.from(`${(i % 4) + 1}\n`));
      await f.clunk();
      const st = await root.walk(`mcp/${pid}/status`);
      await st.open(OREAD);
      await st.read(0n, 8192);
      await st.read(200n, 8192);
      await st.clunk();
      xs.push(us(t0, hr()));
    }
    rows.push(row('echo N > ctl; cat status (walk/open/io/clunk)', xs, us(w0, hr())));
  }
  // 2. the same on fids kept open: one Twrite + one Tread
  {
    const ctl = await root.walk(`mcp/${pid}/ctl`);
    await ctl.open(OWRITE);
    const st = await root.walk(`mcp/${pid}/status`);
    await st.open(OREAD);
    const xs: number[] = [];
    const w0 = hr();
    for (let i = 0; i < iters; i++) {
      const t0 = hr();
      await ctl.write(0n, Buffer.from(`${(i % 4) + 1}\n`));
      await st.read(0n, 8192);
      xs.push(us(t0, hr()));
    }
    rows.push(row('ctl write + status read (open fids)', xs, us(w0, hr())));
    await ctl.clunk();
    await st.clunk();
  }
  // 3. kernel event -> blocked events Tread returns
  {
    const ev = await root.walk(`mcp/${pid}/events`);
    await ev.open(OREAD);
    const xs: number[] = [];
    const w0 = hr();
    for (let i = 0; i < iters; i++) {
      const p = ev.read(0n, 8192);
      await tick(); await tick();            // the Tread is parked on the server
      const t0 = hr();
      s.kernel.notify('glenda', pid, 'EV_USER_IPI', [i]);
      await p;
      xs.push(us(t0, hr()));
    }
    rows.push(row('kernel event -> blocked events read returns', xs, us(w0, hr())));
    await ev.clunk();
  }
  await s.close();
  // peers
  {
    const [a, b] = duplexPair();
    const w0 = hr();
    const xs = await pingPong(a, b, iters);
    rows.push(row('peer: ping-pong over the in-memory duplex', xs, us(w0, hr())));
    a.destroy();
  }
  {
    const w0 = hr();
    const xs = await tcpPingPong(iters);
    rows.push(row('peer: Node TCP loopback ping-pong', xs, us(w0, hr())));
  }

  if (!opts.quiet) {
    console.log(`devs round trips — node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}`);
    console.log('what'.padEnd(50), 'n'.padStart(6), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9), 'ops/s'.padStart(9));
    for (const r of rows) {
      console.log(r.what.padEnd(50), String(r.n).padStart(6), String(r.p50_us).padStart(9), String(r.p99_us).padStart(9), String(r.ops_s).padStart(9));
    }
    const ev = rows[2], tcp = rows[4];
    console.log(`event delivery p50 / TCP ping-pong p50: ${(ev.p50_us / tcp.p50_us).toFixed(2)}x (targets: ctl p50 <= 30 µs; event p50 <= 50 µs, p99 <= 250 µs)`);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const out = join(here, '..', '..', 'bench', 'results', 'devs.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, ncpu: os.cpus().length,
    iters, rows,
  }, null, 2) + '\n');
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
