// SPDX-License-Identifier: GPL-2.0-or-later
//
// Our server against diod in the same run, in alternating rounds (bench/lib/rounds.ts),
// both in their own processes on TCP loopback, 9P2000.L, msize 65536:
//  - through our lib/9p client: Tread of a small file (/dev/sysname; diod: a 7-byte file)
//    and Tgetattr of it, at 1 and 16 requests outstanding on one connection;
//  - through diod's C load generator diodload (16 threads, a connection each, aname
//    `ctl`): zero -> null copies in msize Tread/Twrite pairs, and with -g a stream of
//    Tgetattr on null. diodload costs the machine far less than a Node client, so the
//    servers' own cost shows more.
// With --compare REF the peer is our server built from REF instead of diod (before/after).
// Prints the medians per contender, the ratios (median over rounds, min–max; withheld as
// "inconclusive" when the rounds spread too far) and the issue-16 targets; writes
// bench/results/srv-read.json.

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Client } from '../lib/9p/client.js';
import { OREAD, P9_GETATTR_BASIC } from '../lib/9p/const.js';
import type { Fid } from '../lib/9p/fid.js';
import { load, writeResult, type LoadResult } from './lib/load.js';
import { alternate, judge, machineLine, median, ratio, resolved, showRatio, type BenchOptions, type Ratio } from './lib/rounds.js';
import { DIODLOAD_PATHS, cpuNs, dial, diodload, startDiod, startOurs, type DiodloadResult, type Served } from './lib/servers.js';

/** One round of one contender: the client's view and the server's CPU per operation. */
type Sample = LoadResult & { cpuUsPerOp: number };

/** bench/all.ts: this bench has a --compare mode. */
export const compares = true;

interface Opened { c: Client; f: Fid; g: Fid }

async function open(s: Served): Promise<Opened> {
  const c = await Client.connect(await dial(s.port), { msize: 65536 });
  const root = await c.attach({ aname: s.aname });
  const f = await root.walk(s.file);
  await f.open(OREAD);
  const g = await root.walk(s.file);
  return { c, f, g };
}

export interface CaseReport {
  case: string;
  samples: Record<string, Sample[]>;
  ops: Ratio;
  p50: Ratio;
  p99: Ratio;
  /** Server CPU per operation (lower is better). */
  cpu: Ratio;
  /** The issue's target for this case, and whether the medians meet it. */
  target: string;
  met: boolean | null;
}

export interface DiodloadReport { case: string; samples: Record<string, (DiodloadResult & { cpuUsPerOp: number })[]>; ops: Ratio; cpu: Ratio; error?: string }

export interface Report {
  bench: 'srv-read';
  date: string;
  machine: string;
  contenders: [string, string | null];
  rounds: number;
  spread: number;
  ms: number;
  cases: CaseReport[];
  diodload: DiodloadReport[];
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

function targetFor(op: string, n: number, ops: Ratio, p50: Ratio, p99: Ratio): { target: string; met: boolean | null } {
  // Both halves of a target must hold; one half not judged leaves the whole not judged
  // unless the other half already failed.
  const both = (a: boolean | null, b: boolean | null): boolean | null => (a === false || b === false ? false : a === null || b === null ? null : true);
  if (n === 1) {
    const met = both(judge(ops, (x) => x >= 1.0), judge(p50, (x) => x <= 1.0));
    return { target: 'ops ≥ 1.0×, p50 ≤ 1.0×', met };
  }
  const met = both(judge(ops, (x) => x >= 1.5), judge(p99, (x) => x <= 1.0));
  return { target: 'ops ≥ 1.5×, p99 ≤ 1.0×', met };
}

export async function run(opts: BenchOptions = {}): Promise<Report> {
  const { rounds, spread } = resolved(opts);
  const ms = opts.ms ?? 1000;
  const servers: Served[] = [];
  try {
    servers.push(await startOurs(opts.compareRoot ? 'new' : 'ours'));
    if (opts.compareRoot) servers.push(await startOurs('old', opts.compareRoot));
    else {
      const d = await startDiod();
      if (d) servers.push(d);
      else console.log('srv-read: diod is not installed (apt-get install diod); only our numbers are shown');
    }
    const names = servers.map((s) => s.name);
    const [a, b] = names;
    const conns = new Map<string, Opened>();
    for (const s of servers) conns.set(s.name, await open(s));
    const machine = machineLine(rounds, spread);
    if (!opts.quiet) {
      console.log(machine);
      console.log(`contenders: ${servers.map((s) => `${s.name} (pid ${s.pid})`).join(' vs ')}; ratios are ${a}/${b ?? '-'}`);
    }

    const cases: CaseReport[] = [];
    for (const op of ['Tread', 'Tgetattr'] as const) {
      for (const n of [1, 16]) {
        const res = await alternate(names, rounds, async (name): Promise<Sample> => {
          const o = conns.get(name)!;
          const pid = servers.find((s) => s.name === name)!.pid;
          const fn = op === 'Tread' ? () => o.f.read(0n, 4096) : () => o.g.getattr(P9_GETATTR_BASIC);
          const c0 = cpuNs(pid);
          const l = await load(fn, n, ms);
          return { ...l, cpuUsPerOp: +((cpuNs(pid) - c0) / 1000 / (l.opsPerSec * ms / 1000)).toFixed(2) };
        });
        const sa = res.get(a)!, sb = b ? res.get(b)! : [];
        const r = (k: keyof Sample): Ratio => ratio(sa.map((x) => x[k]), sb.map((x) => x[k]), spread);
        const ops = r('opsPerSec'), p50 = r('p50us'), p99 = r('p99us'), cpu = r('cpuUsPerOp');
        cases.push({ case: `${op}/${n}`, samples: Object.fromEntries(res), ops, p50, p99, cpu, ...targetFor(op, n, ops, p50, p99) });
      }
    }
    for (const o of conns.values()) o.c.close();

    const dl: DiodloadReport[] = [];
    const dlBin = DIODLOAD_PATHS.find((p) => existsSync(p));
    if (!dlBin) console.log('srv-read: diodload is not installed (Debian package diod); its rows are skipped');
    else {
      const secs = Math.max(1, Math.round(ms / 1000));
      for (const getattr of [false, true]) {
        const res = await alternate(names, rounds, async (name) => {
          const srv = servers.find((s) => s.name === name)!;
          const c0 = cpuNs(srv.pid);
          const d = await diodload(dlBin, srv.port, secs, getattr);
          return { ...d, cpuUsPerOp: +((cpuNs(srv.pid) - c0) / 1000 / (d.opsPerSec * secs)).toFixed(2) };
        });
        const sa = res.get(a)!, sb = b ? res.get(b)! : [];
        const error = [...sa, ...sb].find((x) => x.error)?.error;
        dl.push({
          case: getattr ? 'diodload -g (Tgetattr null)' : 'diodload (zero -> null, 64 KiB)',
          samples: Object.fromEntries(res),
          ops: ratio(sa.map((x) => x.opsPerSec), sb.map((x) => x.opsPerSec), spread),
          cpu: ratio(sa.map((x) => x.cpuUsPerOp), sb.map((x) => x.cpuUsPerOp), spread),
          ...(error ? { error } : {}),
        });
      }
    }

    const report: Report = {
      bench: 'srv-read', date: new Date().toISOString(), machine, contenders: [a, b ?? null], rounds, spread, ms, cases, diodload: dl,
    };
    if (!opts.quiet) print(report);
    writeResult(import.meta.url, opts.compareRoot ? 'srv-read-compare' : 'srv-read', report);
    return report;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

function print(r: Report): void {
  const [a, b] = r.contenders;
  const med = (xs: Sample[] | undefined, k: keyof Sample): string => (xs?.length ? String(+median(xs.map((x) => x[k])).toFixed(k === 'cpuUsPerOp' ? 1 : 0)) : '-');
  console.log(`\nlib/9p client, one connection (medians of ${r.rounds} rounds of ${r.ms} ms each; latencies in µs;`);
  console.log('cpu/op: the server process\'s CPU µs per operation, all threads, the figure load disturbs least)');
  console.log(['case'.padEnd(12), pad(`${a} ops/s`, 12), pad(`${b ?? '-'} ops/s`, 12), pad(`${a} p50`, 9), pad(`${b ?? '-'} p50`, 9),
    pad(`${a} p99`, 9), pad(`${b ?? '-'} p99`, 9), pad(`${a} cpu/op`, 12), pad(`${b ?? '-'} cpu/op`, 12)].join(' '));
  for (const c of r.cases) {
    const A = c.samples[a], B = b ? c.samples[b] : undefined;
    console.log([c.case.padEnd(12), pad(med(A, 'opsPerSec'), 12), pad(med(B, 'opsPerSec'), 12), pad(med(A, 'p50us'), 9),
      pad(med(B, 'p50us'), 9), pad(med(A, 'p99us'), 9), pad(med(B, 'p99us'), 9), pad(med(A, 'cpuUsPerOp'), 12),
      pad(med(B, 'cpuUsPerOp'), 12)].join(' '));
  }
  if (!b) return;
  console.log(`\nratios ${a}/${b} (ops: higher is better; p50/p99: lower is better)`);
  for (const c of r.cases) {
    const verdict = c.met === null ? 'target not judged (rounds spread across it)' : c.met ? 'target met' : 'target missed';
    console.log(`${c.case.padEnd(12)} ops ${showRatio(c.ops, r.spread)}; p50 ${showRatio(c.p50, r.spread)}; p99 ${showRatio(c.p99, r.spread)}; cpu/op ${showRatio(c.cpu, r.spread)}`);
    console.log(`${''.padEnd(12)} ${c.target}: ${verdict}`);
  }
  if (r.diodload.length) {
    console.log(`\ndiodload, 16 threads (ops/s medians; ${r.rounds} rounds)`);
    for (const d of r.diodload) {
      const A = d.samples[a].map((x) => x.opsPerSec), B = d.samples[b].map((x) => x.opsPerSec);
      const m = (xs: number[]): string => (xs.some((x) => Number.isNaN(x)) ? 'failed' : String(Math.round(median(xs))));
      const cpu = (n: string): string => median(d.samples[n].map((x) => x.cpuUsPerOp)).toFixed(1);
      console.log(`${d.case.padEnd(34)} ${a} ${pad(m(A), 8)}  ${b} ${pad(m(B), 8)}  ops ratio ${showRatio(d.ops, r.spread)}`);
      console.log(`${''.padEnd(34)} cpu µs/op ${a} ${cpu(a)}  ${b} ${cpu(b)}  ratio ${showRatio(d.cpu, r.spread)}`);
      if (d.error) console.log(`${''.padEnd(34)} ${d.error}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
