// SPDX-License-Identifier: GPL-2.0-or-later
//
// Kernel-device benchmarks: the full round trip of `echo N > ctl`
// followed by reading `status`, through our lib/9p client against the in-process server
// (shell style: walk/open/write/clunk + walk/open/read/clunk; and on fids kept open), and
// the latency from a kernel event to the return of a blocked `events` Tread. Peers in the
// same run: a ping-pong over the same in-memory duplex pair, and over TCP loopback.
// The two ctl/status rows run in rounds (bench/lib/rounds.ts): each round's p50 and p99,
// and the tail's size p99/p50 (target ≤ 5 for the shell loop) as a median over rounds
// with its min–max. A round has at least SHELL_MIN / OPEN_MIN iterations, so that its p99
// is a percentile and not the largest of a few (with 500, the p99 was the 5th worst
// iteration and a single young collection moved it). Before the rounds each contender runs the shell
// loop WARM_ITERS times: the first thousands of iterations of a fresh process are V8
// compiling the stack (bench/README.md, "The shell loop's tail"); that cold start is
// measured on its own (its first COLD_ITERS iterations) and printed, not mixed into the
// rounds.
// With --compare REF the same rows run alternately against REF's build (its own stack and
// client, imported from its dist/) and the ratios new/old are printed.
// Prints a table and writes bench/results/devs.json. Run: node dist/bench/devs-roundtrip.js

import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import v8 from 'node:v8';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { duplexPair } from '../lib/9p/duplex.js';
import { OREAD, OWRITE, OTRUNC } from '../lib/9p/const.js';
import type { Fid } from '../lib/9p/fid.js';
import { makeStack, type Stack } from '../test/devs/kernel/stack.js';
import { alternate, machineLine, median, ratio, resolved, showRatio, showVerdict, type BenchOptions, type Ratio } from './lib/rounds.js';
import { writeResult } from './lib/load.js';

/** bench/all.ts: this bench has a --compare mode. */
export const compares = true;

type MakeStack = typeof makeStack;
/** What the rounds need of a stack: the root fid of an attached client and an MCP. */
interface Contender { root: Fid; pid: number; kernel: Stack['kernel']; close(): Promise<void> }

async function contender(make: MakeStack): Promise<Contender> {
  const s = await make({ ncores: 16 });
  const g = await s.connect('glenda');
  const pid = await g.clone();
  return { root: g.c.root!, pid, kernel: s.kernel, close: () => s.close() };
}

/** Iterations per round of the shell row and of the open-fid row, at least. */
const SHELL_MIN = 3000;
const OPEN_MIN = 5000;
/** Shell iterations measured as the cold start, then run unmeasured before the rounds. */
const COLD_ITERS = 500;
const WARM_ITERS = 5000;

/** One round of the shell-style loop: per-iteration latencies in µs. */
async function shellRound(c: Contender, n: number): Promise<number[]> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    const f = await c.root.walk(`mcp/${c.pid}/ctl`);
    await f.open(OWRITE | OTRUNC);
    await f.write(0n, Buffer.from(`${(i % 4) + 1}\n`));
    await f.clunk();
    const st = await c.root.walk(`mcp/${c.pid}/status`);
    await st.open(OREAD);
    await st.read(0n, 8192);
    await st.read(200n, 8192);
    await st.clunk();
    xs.push(us(t0, hr()));
  }
  return xs;
}

/** One round on fids kept open: one Twrite + one Tread. */
async function openRound(c: Contender, n: number): Promise<number[]> {
  const ctl = await c.root.walk(`mcp/${c.pid}/ctl`);
  await ctl.open(OWRITE);
  const st = await c.root.walk(`mcp/${c.pid}/status`);
  await st.open(OREAD);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    await ctl.write(0n, Buffer.from(`${(i % 4) + 1}\n`));
    await st.read(0n, 8192);
    xs.push(us(t0, hr()));
  }
  await ctl.clunk();
  await st.clunk();
  return xs;
}

/** The machine's own tail: p50 and p99 of a bare 40 µs CPU spin. On a loaded machine an
 *  iteration that straddles the end of the process's time slice waits for the next one,
 *  whatever the code does: a tail target below this control's cannot be judged. */
function spinControl(n = 2000): { p50: number; p99: number } {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    while (performance.now() - t0 < 0.04) { /* spin */ }
    xs.push((performance.now() - t0) * 1000);
  }
  return { p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
}

export interface RoundRow {
  what: string;
  /** Per contender, per measured round: p50 and p99 in µs. */
  p50: Record<string, number[]>;
  p99: Record<string, number[]>;
  /** This process's CPU µs per iteration (all threads: GC included), per round. */
  cpu: Record<string, number[]>;
  /** p99/p50 of the first contender, per round, summarised. */
  tail: Ratio;
  /** The largest tail the issue allows (the shell loop's: 5); none for the open-fid row. */
  tailMax?: number;
  /** --compare: new/old of p50 and p99. */
  p50Ratio?: Ratio;
  p99Ratio?: Ratio;
  cpuRatio?: Ratio;
}

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

export async function run(opts: BenchOptions & { iters?: number } = {}): Promise<Row[]> {
  const iters = opts.iters ?? 5000;
  const { rounds, spread } = resolved(opts);
  const rows: Row[] = [];

  // 1 and 2 in rounds: this tree (and REF's build with --compare), alternating.
  const stacks = new Map<string, Contender>();
  const names = opts.compareRoot ? ['new', 'old'] : ['ours'];
  stacks.set(names[0], await contender(makeStack));
  if (opts.compareRoot) {
    const old = (await import(pathToFileURL(join(opts.compareRoot, 'dist', 'test', 'devs', 'kernel', 'stack.js')).href)) as { makeStack: MakeStack };
    stacks.set('old', await contender(old.makeStack));
  }
  // The cold start, then the warm-up, each contender in turn. Each has its own copy of the
  // stack to compile, but Node's own code (streams, buffers) is compiled once for both:
  // with --compare the second cold start is the cheaper one, whichever build it is.
  const cold = new Map<string, { p50: number; p99: number; cpu: number }>();
  for (const name of names) {
    const c = stacks.get(name)!;
    const c0 = process.cpuUsage();
    const xs = await shellRound(c, COLD_ITERS);
    const c1 = process.cpuUsage(c0);
    cold.set(name, { p50: pct(xs, 0.5), p99: pct(xs, 0.99), cpu: (c1.user + c1.system) / COLD_ITERS });
    await shellRound(c, WARM_ITERS);
    await openRound(c, OPEN_MIN);
  }
  const perRound = Math.max(200, Math.round(iters / 5 / rounds) * 5);
  const roundRows: RoundRow[] = [];
  for (const [what, fn, n, tailMax] of [
    ['echo N > ctl; cat status (walk/open/io/clunk)', shellRound, Math.max(SHELL_MIN, Math.round(perRound / 5)), 5],
    ['ctl write + status read (open fids)', openRound, Math.max(OPEN_MIN, perRound), undefined],
  ] as const) {
    const all = new Map<string, number[]>(names.map((x) => [x, []]));
    let wall = 0;
    const res = await alternate(names, rounds, async (name, r) => {
      const w0 = hr();
      const c0 = process.cpuUsage();
      const xs = await fn(stacks.get(name)!, n);
      const c1 = process.cpuUsage(c0);
      if (r > 0 && name === names[0]) { all.get(name)!.push(...xs); wall += us(w0, hr()); }
      return { p50: pct(xs, 0.5), p99: pct(xs, 0.99), cpu: (c1.user + c1.system) / n };
    });
    const a = res.get(names[0])!;
    const rr: RoundRow = {
      what,
      p50: Object.fromEntries([...res].map(([k, v]) => [k, v.map((x) => +x.p50.toFixed(1))])),
      p99: Object.fromEntries([...res].map(([k, v]) => [k, v.map((x) => +x.p99.toFixed(1))])),
      cpu: Object.fromEntries([...res].map(([k, v]) => [k, v.map((x) => +x.cpu.toFixed(1))])),
      tail: ratio(a.map((x) => x.p99), a.map((x) => x.p50), spread),
      tailMax,
    };
    if (opts.compareRoot) {
      const b = res.get('old')!;
      rr.p50Ratio = ratio(a.map((x) => x.p50), b.map((x) => x.p50), spread);
      rr.p99Ratio = ratio(a.map((x) => x.p99), b.map((x) => x.p99), spread);
      rr.cpuRatio = ratio(a.map((x) => x.cpu), b.map((x) => x.cpu), spread);
    }
    roundRows.push(rr);
    rows.push(row(what, all.get(names[0])!, wall));
  }
  for (const [name, c] of stacks) if (name !== names[0]) await c.close();
  const first = stacks.get(names[0])!;
  const { root, pid } = first;

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
      first.kernel.notify('glenda', pid, 'EV_USER_IPI', [i]);
      await p;
      xs.push(us(t0, hr()));
    }
    rows.push(row('kernel event -> blocked events read returns', xs, us(w0, hr())));
    await ev.clunk();
  }
  await first.close();
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
    console.log(`\n${machineLine(rounds, spread)}`);
    const young = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0;
    console.log(`young generation ${(young / 2 ** 20).toFixed(0)} MiB${process.execArgv.some((a) => a.startsWith('--min-semi-space-size')) ? '' : ' (not the server\'s: npm run bench passes its flag, SERVE_NODE_FLAGS)'}`);
    const ctl = spinControl();
    console.log(`control: a bare 40 µs CPU spin here has p50 ${ctl.p50.toFixed(0)} µs, p99 ${ctl.p99.toFixed(0)} µs (p99/p50 ${(ctl.p99 / ctl.p50).toFixed(1)}): a tail below that is the machine's, not ours`);
    for (const [name, c] of cold) {
      console.log(`cold start (${name}): the first ${COLD_ITERS} shell iterations of a fresh stack, V8 still compiling it: p50 ${c.p50.toFixed(1)} µs, p99 ${c.p99.toFixed(1)} µs, cpu ${c.cpu.toFixed(1)} µs/iteration (not judged; the rounds below come after ${WARM_ITERS} more)`);
    }
    for (const r of roundRows) {
      const a = names[0];
      console.log(`${r.what}: ${a} p50 ${median(r.p50[a]).toFixed(1)} µs, p99 ${median(r.p99[a]).toFixed(1)} µs, cpu ${median(r.cpu[a]).toFixed(1)} µs/iteration (medians of ${rounds} rounds)`);
      const max = r.tailMax;
      console.log(`  tail p99/p50 ${showRatio(r.tail, spread)}${max === undefined ? ' (no target)' : ` (target ≤ ${max}: ${showVerdict(r.tail, (x) => x <= max)})`}`);
      if (r.p50Ratio && r.p99Ratio && r.cpuRatio) {
        console.log(`  old p50 ${median(r.p50.old).toFixed(1)} µs, p99 ${median(r.p99.old).toFixed(1)} µs, cpu ${median(r.cpu.old).toFixed(1)} µs/iteration`);
        console.log(`  new/old p50 ${showRatio(r.p50Ratio, spread)}, p99 ${showRatio(r.p99Ratio, spread)}, cpu/iteration ${showRatio(r.cpuRatio, spread)}`);
      }
    }
  }
  writeResult(import.meta.url, opts.compareRoot ? 'devs-compare' : 'devs', {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, ncpu: os.cpus().length,
    iters, rows, rounds, spread, roundRows, cold: Object.fromEntries(cold), coldIters: COLD_ITERS, warmIters: WARM_ITERS,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
