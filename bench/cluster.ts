// SPDX-License-Identifier: GPL-2.0-or-later
//
// Remote mounts (issue 12): two `akaros serve` processes, node1 mounting node2 at
// /n/node2 (--cluster, from one ndb file). Contenders, measured in alternating rounds
// (bench/lib/rounds.ts), each through its own connection to the same node2 process:
//   direct  a client attached to node2 itself;
//   via     the same files through node1's mount /n/node2 (two TCP hops);
//   pipe    through a byte pipe in Node (a socket to node2 per client socket, every chunk
//           written on as it comes, nothing parsed): the floor for any forwarder written
//           in Node on this machine;
//   old     (--compare REF) node1 built from REF, for before/after.
// Per contender and round:
//   - ctl round trip: one Twrite of `N` on an open /mcp/P/ctl (target: via <= 2x direct),
//     and the forwarder's CPU per round trip (all its threads: the figure a loaded
//     machine disturbs least);
//   - the shell's `echo N > ctl` (walk, open, write, clunk);
//   - an event's delivery: a blocked read of /mcp/P/events returns an event raised on
//     node2 (a `notify` written on node2 directly).
// Ratios to direct are medians over the rounds with their min–max. Prints a table and
// writes bench/results/cluster.json. Run: npm run bench -- cluster. BENCH_SERVER_NODE_FLAGS
// adds node flags to node1 (`--cpu-prof --cpu-prof-dir=DIR` profiles the forwarder).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTRUNC, OWRITE } from '../lib/9p/const.js';
import type { Fid } from '../lib/9p/fid.js';
import { attach, freePort, spawnServe, type Conn, type Proc } from '../test/cluster/nodes.js';
import { writeResult } from './lib/load.js';
import { alternate, machineLine, median, ratio, resolved, showRatio, showVerdict, type BenchOptions, type Ratio } from './lib/rounds.js';
import { cpuNs, SERVE_NODE_FLAGS } from './lib/servers.js';

/** bench/all.ts: this bench has a --compare mode (node1 from another build). */
export const compares = true;

const hr = (): bigint => process.hrtime.bigint();
const us = (a: bigint, b: bigint): number => Number(b - a) / 1000;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

/** A byte pipe: every connection to `listen` gets its own socket to `target`, chunks
 *  written on unparsed, Nagle off both ways. */
const PIPE = `
const net = require('node:net');
const [listen, target] = process.argv.slice(1).map(Number);
net.createServer((c) => {
  c.setNoDelay(true);
  const u = net.connect(target, '127.0.0.1', () => u.setNoDelay(true));
  c.on('data', (b) => u.write(b));
  u.on('data', (b) => c.write(b));
  c.on('close', () => u.destroy());
  u.on('close', () => c.destroy());
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(listen, '127.0.0.1', () => console.log('piping'));
`;

async function startPipe(port: number, target: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', PIPE, String(port), String(target)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    p.stdout!.once('data', () => res());
    p.once('exit', (c) => rej(new Error(`byte pipe exited ${c}`)));
  });
  return p;
}

/** One contender's round: p50s in µs, and its forwarder's CPU per ctl round trip. */
interface Sample { ctl: number; shell: number; event: number; cpuUs: number }

interface Row { what: string; n: number; p50_us: number; p99_us: number }

export interface Report {
  bench: 'cluster';
  date: string;
  machine: string;
  rounds: number;
  spread: number;
  per: number;
  rows: Row[];
  samples: Record<string, Sample[]>;
  /** Each contender over direct, per metric (median over rounds, min–max). */
  ratios: Record<string, Record<'ctl' | 'shell' | 'event', Ratio>>;
  /** Forwarder CPU per ctl round trip: via over pipe (and via over old with --compare). */
  cpu: Record<string, Ratio>;
  ratio_ctl_p50: number;
}

export async function run(opts: BenchOptions & { iters?: number } = {}): Promise<Report> {
  const { rounds, spread } = resolved(opts);
  // Ctl round trips per contender per round; an eighth as many shell writes, a fortieth
  // as many events (each waits 2 ms for its read to park).
  const per = Math.max(40, opts.iters ?? 2000);
  const dir = mkdtempSync(join(os.tmpdir(), 'akaros-bench-cluster-'));
  const ports = [await freePort(), await freePort()];
  const ndb = join(dir, 'ndb');
  writeFileSync(ndb, ports.map((p, i) => `sys=node${i + 1} ip=127.0.0.1 cluster=b dial=tcp!127.0.0.1!${p}\n`).join(''));
  const serveArgs = (k: number): string[] => ['--ndb', ndb, '--sysname', `node${k}`, '--cluster', 'b', '--hostowner', 'eve', '--paused'];
  const nodeFlags = [...SERVE_NODE_FLAGS, ...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
  const procs: Proc[] = [];
  let pipe: ChildProcess | undefined;
  const conns: Conn[] = [];
  try {
    procs.push(await spawnServe(ports[0], serveArgs(1), { nodeFlags }));
    procs.push(await spawnServe(ports[1], serveArgs(2), { nodeFlags: SERVE_NODE_FLAGS }));
    const pipePort = await freePort();
    pipe = await startPipe(pipePort, ports[1]);
    const names = ['direct', 'via', 'pipe'];
    const port: Record<string, number> = { direct: ports[1], via: ports[0], pipe: pipePort };
    const fwdPid: Record<string, number | undefined> = { direct: undefined, via: procs[0].child.pid, pipe: pipe.pid };
    if (opts.compareRoot) {
      const oldPort = await freePort();
      const old = await spawnServe(oldPort, serveArgs(1), { bin: join(opts.compareRoot, 'bin', 'run.js'), nodeFlags: SERVE_NODE_FLAGS });
      procs.push(old);
      names.push('old');
      port.old = oldPort;
      fwdPid.old = old.child.pid;
    }
    const direct = await attach(ports[1], 'glenda', '9P2000.L');
    conns.push(direct);
    const pid = await direct.clone();
    const notify = await direct.openWrite(`mcp/${pid}/ctl`);
    const c: Record<string, { conn: Conn; path: string; ctl: Fid; ev: Fid }> = {};
    for (const n of names) {
      const conn = n === 'direct' ? direct : await attach(port[n], 'glenda', '9P2000.L');
      if (conn !== direct) conns.push(conn);
      const path = n === 'via' || n === 'old' ? `n/node2/mcp/${pid}` : `mcp/${pid}`;
      c[n] = { conn, path, ctl: await conn.openWrite(`${path}/ctl`), ev: await conn.openRead(`${path}/events`) };
    }
    const bufs = [1, 2, 3, 4].map((i) => Buffer.from(`${i}\n`));
    const all: Record<string, { ctl: number[]; shell: number[]; event: number[] }> = {};
    for (const n of names) all[n] = { ctl: [], shell: [], event: [] };

    // Each kind in rounds of its own, so a round's ctl loop and its CPU figure are not
    // disturbed by the shell's garbage or by processes the event waits let sleep.
    const kind = async (k: 'ctl' | 'shell' | 'event', count: number,
                        one: (n: string, i: number) => Promise<number>): Promise<Map<string, { p50: number; cpuUs: number }[]>> =>
      alternate(names, rounds, async (n, round) => {
        const fp = fwdPid[n];
        for (let i = 0; i < Math.min(20, count); i++) await one(n, i); // the path warm, the processes awake
        const c0 = fp ? cpuNs(fp) : 0;
        const xs: number[] = [];
        for (let i = 0; i < count; i++) xs.push(await one(n, i));
        const cpuUs = fp ? (cpuNs(fp) - c0) / 1000 / count : 0;
        if (round > 0) all[n][k].push(...xs);
        return { p50: pct(xs, 0.5), cpuUs };
      });
    const ctlRes = await kind('ctl', per, async (n, i) => {
      const t0 = hr();
      await c[n].ctl.write(0n, bufs[i & 3]);
      return us(t0, hr());
    });
    const shellRes = await kind('shell', Math.ceil(per / 8), async (n, i) => {
      const { conn, path } = c[n];
      const t0 = hr();
      const f = await conn.c.root!.walk(`${path}/ctl`);
      await f.open(OWRITE | OTRUNC);
      await f.write(0n, bufs[i & 3]);
      await f.clunk();
      return us(t0, hr());
    });
    const eventRes = await kind('event', Math.ceil(per / 40), async (n, i) => {
      const p = c[n].ev.read(0n, 8192);
      // Let the read reach node2 and park there before the event is raised.
      await new Promise((r) => setTimeout(r, 2));
      const t0 = hr();
      await notify.write(0n, Buffer.from(`notify EV_USER_IPI ${i}\n`));
      await p;
      return us(t0, hr());
    });
    const res = new Map<string, Sample[]>(names.map((n) => [n, ctlRes.get(n)!.map((x, r) => ({
      ctl: x.p50, cpuUs: x.cpuUs, shell: shellRes.get(n)![r].p50, event: eventRes.get(n)![r].p50,
    }))]));

    const of = (n: string, k: keyof Sample): number[] => res.get(n)!.map((s) => s[k]);
    const ratios: Report['ratios'] = {};
    for (const n of names.filter((x) => x !== 'direct')) {
      ratios[n] = { ctl: ratio(of(n, 'ctl'), of('direct', 'ctl'), spread), shell: ratio(of(n, 'shell'), of('direct', 'shell'), spread),
        event: ratio(of(n, 'event'), of('direct', 'event'), spread) };
    }
    const cpu: Report['cpu'] = { 'via/pipe': ratio(of('via', 'cpuUs'), of('pipe', 'cpuUs'), spread) };
    if (names.includes('old')) cpu['via/old'] = ratio(of('via', 'cpuUs'), of('old', 'cpuUs'), spread);
    const label: Record<string, string> = { direct: 'direct to node2', via: 'via node1 /n/node2', pipe: 'via a Node byte pipe', old: 'via old node1 /n/node2' };
    const rows: Row[] = [];
    for (const [k, what] of [['ctl', 'ctl round trip (open fid)'], ['shell', 'echo N > ctl (walk/open/write/clunk)'], ['event', 'event delivery (notify -> blocked read)']] as const) {
      for (const n of names) rows.push({ what: `${what}, ${label[n]}`, n: all[n][k].length, p50_us: +pct(all[n][k], 0.5).toFixed(1), p99_us: +pct(all[n][k], 0.99).toFixed(1) });
    }
    const machine = machineLine(rounds, spread);
    const report: Report = {
      bench: 'cluster', date: new Date().toISOString(), machine, rounds, spread, per, rows,
      samples: Object.fromEntries(res), ratios, cpu, ratio_ctl_p50: +ratios.via.ctl.median.toFixed(3),
    };
    if (!opts.quiet) print(report, names);
    for (const n of names) for (const f of [c[n].ctl, c[n].ev]) await f.clunk().catch(() => {});
    await notify.clunk().catch(() => {});
    writeResult(import.meta.url, opts.compareRoot ? 'cluster-compare' : 'cluster', report);
    return report;
  } finally {
    for (const x of conns) x.close();
    pipe?.kill();
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(r: Report, names: string[]): void {
  console.log(r.machine);
  console.log(`cluster remote mounts: 2 serve processes; ${r.per} ctl round trips per contender per round`);
  console.log('what'.padEnd(62), 'n'.padStart(6), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9));
  for (const x of r.rows) console.log(x.what.padEnd(62), String(x.n).padStart(6), String(x.p50_us).padStart(9), String(x.p99_us).padStart(9));
  console.log('\nforwarder CPU per ctl round trip (µs, median of rounds): '
    + names.filter((n) => n !== 'direct').map((n) => `${n} ${median(r.samples[n].map((s) => s.cpuUs)).toFixed(1)}`).join(', '));
  console.log(`p50 over direct (median of rounds, min–max):`);
  for (const [n, rs] of Object.entries(r.ratios)) {
    console.log(`  ${n.padEnd(6)} ctl ${showRatio(rs.ctl, r.spread)}; echo ${showRatio(rs.shell, r.spread)}; event ${showRatio(rs.event, r.spread)}`);
  }
  for (const [k, v] of Object.entries(r.cpu)) console.log(`forwarder CPU ${k}: ${showRatio(v, r.spread)}`);
  console.log(`ctl round trip via the mount / direct: ${showRatio(r.ratios.via.ctl, r.spread)} (target <= 2x: ${showVerdict(r.ratios.via.ctl, (x) => x <= 2)})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
