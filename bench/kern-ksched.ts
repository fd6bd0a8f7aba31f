// SPDX-License-Identifier: GPL-2.0-or-later
//
// kern benchmarks: ksched decision time (a poke-driven grant with one
// needy MCP; a full pass with every MCP needy) at 64/1024/4096 cores x 10/1000/10000
// MCPs; clock events/s against a plain binary-heap simulator in the same run; heap bytes
// per MCP at 10,000 MCPs. Prints a table and writes bench/results/kern.json.
// Run: node --expose-gc dist/bench/kern-ksched.js

import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { Kernel } from '../kern/kernel.js';
import { poke } from '../kern/ksched.js';
import { Clock } from '../kern/clock.js';
import { writeResult } from './lib/load.js';

const H = 'eve';
const hr = () => process.hrtime.bigint();
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

function build(ncores: number, nmcp: number): { k: Kernel; pids: number[] } {
  const k = new Kernel({ ncores, hostowner: H, logMax: 4096, zombieNs: 0, nprocMax: 32767 });
  const pids: number[] = [];
  for (let i = 0; i < nmcp; i++) pids.push(k.createMcp('u'));
  // half the CG cores busy, spread over the MCPs (one core each, round robin)
  const busy = Math.floor(k.machine().maxVcores / 2);
  for (let i = 0; i < busy; i++) { const p = pids[i % nmcp]; k.want('u', p, k.status(p).wanted + 1); }
  return { k, pids };
}

/** Median time of want(+1) -> poke -> grant for one MCP, with every other MCP idle. */
function pokeGrant(ncores: number, nmcp: number, iters: number): { p50: number; p99: number } {
  const { k, pids } = build(ncores, nmcp);
  const p = pids[nmcp - 1];
  const ts: number[] = [];
  for (let i = 0; i < iters; i++) {
    const w = k.status(p).wanted;
    const t0 = hr();
    k.want('u', p, w + 1);
    ts.push(Number(hr() - t0) / 1000);
    // give it back: lower wanted, yield the newest vcore
    const rows = k.vcoreRows(p).filter((r) => r.state === 'online');
    k.want('u', p, w);
    k.yield('u', p, rows[rows.length - 1].vcore);
  }
  return { p50: pct(ts, 0.5), p99: pct(ts, 0.99) };
}

/** A ksched pass with every MCP needy: first (cold, grants every free core) and steady (nothing free). */
function tickAllNeedy(ncores: number, nmcp: number, iters: number): { cold: number; steady: number } {
  const k = new Kernel({ ncores, hostowner: H, logMax: 4096, tickNs: 1e15, nprocMax: 32767 });
  const pids: number[] = [];
  for (let i = 0; i < nmcp; i++) pids.push(k.createMcp('u'));
  // every MCP wants 2: set wanted without a poke by going through a WAITING-free path:
  const s = k.state;
  for (const p of pids) s.procs.get(p)!.wanted = 2;
  for (const p of pids) { const pr = s.procs.get(p)!; pr.queued = true; s.needy.push(pr.mcpSeq, p); }
  let t0 = hr();
  poke(s);
  const cold = Number(hr() - t0) / 1000;
  const ts: number[] = [];
  for (let i = 0; i < iters; i++) { t0 = hr(); poke(s); ts.push(Number(hr() - t0) / 1000); }
  return { cold, steady: pct(ts, 0.5) };
}

function clockRate(nev: number): { ours: number; baseline: number } {
  const N = 1000;
  // ours
  const c = new Clock();
  let left = nev;
  const fns: (() => void)[] = [];
  for (let i = 0; i < N; i++) {
    const period = 1000 + (i * 7919) % 5000;
    const f = () => { if (--left > 0) c.schedule(c.now + period, f); };
    fns.push(f); c.schedule(period, f);
  }
  let t0 = hr();
  c.runUntil(Infinity);
  const ours = c.eventsRun / (Number(hr() - t0) / 1e9);
  // baseline: a plain binary heap of objects
  type E = { t: number; s: number; fn: () => void };
  const h: E[] = []; let seq = 0, now = 0, ran = 0;
  const less = (a: E, b: E) => a.t < b.t || (a.t === b.t && a.s < b.s);
  const push = (e: E) => { h.push(e); let i = h.length - 1; while (i > 0) { const p = (i - 1) >> 1; if (!less(h[i], h[p])) break; [h[i], h[p]] = [h[p], h[i]]; i = p; } };
  const pop = (): E => { const top = h[0]; const last = h.pop()!; if (h.length) { h[0] = last; let i = 0; for (;;) { const l = 2 * i + 1, r = l + 1; let m = i; if (l < h.length && less(h[l], h[m])) m = l; if (r < h.length && less(h[r], h[m])) m = r; if (m === i) break; [h[i], h[m]] = [h[m], h[i]]; i = m; } } return top; };
  left = nev;
  for (let i = 0; i < N; i++) {
    const period = 1000 + (i * 7919) % 5000;
    const f = () => { if (--left > 0) push({ t: now + period, s: seq++, fn: f }); };
    push({ t: period, s: seq++, fn: f });
  }
  t0 = hr();
  while (h.length) { const e = pop(); now = e.t; ran++; e.fn(); }
  const baseline = ran / (Number(hr() - t0) / 1e9);
  return { ours, baseline };
}

function heapPerMcp(n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.(); gc?.();
  const before = process.memoryUsage().heapUsed;
  const k = new Kernel({ ncores: 4096, hostowner: H, logMax: 1024, nprocMax: 32767 });
  const base = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) k.createMcp('u', 'spin');
  for (let i = 1; i <= 4000; i++) k.want('u', i, 1);   // 4000 of them hold a core
  gc?.(); gc?.();
  const after = process.memoryUsage().heapUsed;
  void before;
  return (after - base) / n + 0 * k.pids().length;
}

export function run(): Record<string, unknown> {
  const rows: Record<string, unknown>[] = [];
  for (const ncores of [64, 1024, 4096]) {
    for (const nmcp of [10, 1000, 10000]) {
      const big = ncores * nmcp >= 4e6;
      const g = pokeGrant(ncores, nmcp, big ? 2000 : 5000);
      const tk = tickAllNeedy(ncores, nmcp, nmcp >= 10000 ? 20 : 100);
      rows.push({ ncores, mcps: nmcp, grant_p50_us: +g.p50.toFixed(2), grant_p99_us: +g.p99.toFixed(2),
        pass_cold_us: +tk.cold.toFixed(1), pass_steady_us: +tk.steady.toFixed(1) });
    }
  }
  const cr = clockRate(3_000_000);
  const mem = heapPerMcp(10000);
  const res = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' },
    ksched: rows,
    clock: { events_per_s: Math.round(cr.ours), baseline_events_per_s: Math.round(cr.baseline), ratio: +(cr.ours / cr.baseline).toFixed(2), target: 3e6 },
    memory: { heap_bytes_per_mcp: Math.round(mem), target: 2048, note: '10,000 MCPs on 4096 cores, 4000 of them holding a core' },
    targets: { grant_p50_us_at_4096x10000: 10 },
  };
  console.log('ncores   mcps  grant p50 us  grant p99 us  pass cold us  pass steady us');
  for (const r of rows) console.log(`${String(r.ncores).padStart(6)} ${String(r.mcps).padStart(6)} ${String(r.grant_p50_us).padStart(13)} ${String(r.grant_p99_us).padStart(13)} ${String(r.pass_cold_us).padStart(13)} ${String(r.pass_steady_us).padStart(15)}`);
  console.log(`clock: ${res.clock.events_per_s} events/s (plain binary heap baseline ${res.clock.baseline_events_per_s}, ratio ${res.clock.ratio})`);
  console.log(`memory: ${res.memory.heap_bytes_per_mcp} heap bytes per MCP at 10,000 MCPs`);
  writeResult(import.meta.url, 'kern', res);
  return res;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) run();
