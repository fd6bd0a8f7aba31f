// SPDX-License-Identifier: GPL-2.0-or-later
//
// Remote mounts (issue 12): two `akaros serve` processes, node1 mounting node2 at
// /n/node2 (--cluster, from one ndb file). In the same run, alternating blocks of each:
//   - a ctl round trip (one Twrite of `N` on an open /mcp/P/ctl) direct to node2, and
//     the same through node1's mount (target: <= 2x direct);
//   - the shell's `echo N > ctl` (walk, open, write, clunk), direct and through the mount;
//   - an event's delivery: a blocked read of /mcp/P/events returns an event raised on
//     node2 (a `notify` written on node2 directly), read direct and through the mount.
// Prints a table and writes bench/results/cluster.json. Run: npm run bench -- cluster

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTRUNC, OWRITE } from '../lib/9p/const.js';
import type { Fid } from '../lib/9p/fid.js';
import { attach, freePort, spawnServe, type Proc } from '../test/cluster/nodes.js';
import { resultPath } from './lib/load.js';

const hr = (): bigint => process.hrtime.bigint();
const us = (a: bigint, b: bigint): number => Number(b - a) / 1000;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

interface Row { what: string; n: number; p50_us: number; p99_us: number }

function row(what: string, xs: number[]): Row {
  return { what, n: xs.length, p50_us: +pct(xs, 0.5).toFixed(1), p99_us: +pct(xs, 0.99).toFixed(1) };
}

export async function run(opts: { iters?: number; blocks?: number; quiet?: boolean } = {}): Promise<Row[]> {
  const iters = opts.iters ?? 2000;
  const blocks = opts.blocks ?? 10;
  const per = Math.max(1, Math.floor(iters / blocks));
  const dir = mkdtempSync(join(os.tmpdir(), 'akaros-bench-cluster-'));
  const ports = [await freePort(), await freePort()];
  const ndb = join(dir, 'ndb');
  writeFileSync(ndb, ports.map((p, i) => `sys=node${i + 1} ip=127.0.0.1 cluster=b dial=tcp!127.0.0.1!${p}\n`).join(''));
  const procs: Proc[] = [];
  try {
    for (let k = 1; k <= 2; k++) {
      procs.push(await spawnServe(ports[k - 1], ['--ndb', ndb, '--sysname', `node${k}`, '--cluster', 'b', '--hostowner', 'eve', '--paused']));
    }
    const direct = await attach(ports[1], 'glenda', '9P2000.L');
    const via = await attach(ports[0], 'glenda', '9P2000.L');
    const pid = await direct.clone();
    const paths = { direct: `mcp/${pid}`, via: `n/node2/mcp/${pid}` };
    const conns = { direct, via };
    const ctl: Record<'direct' | 'via', Fid> = {
      direct: await direct.openWrite(`${paths.direct}/ctl`),
      via: await via.openWrite(`${paths.via}/ctl`),
    };
    const evs: Record<'direct' | 'via', Fid> = {
      direct: await direct.openRead(`${paths.direct}/events`),
      via: await via.openRead(`${paths.via}/events`),
    };
    const notify = await direct.openWrite(`${paths.direct}/ctl`);
    const xs = { ctl: { direct: [] as number[], via: [] as number[] }, shell: { direct: [] as number[], via: [] as number[] },
      event: { direct: [] as number[], via: [] as number[] } };
    const kinds = ['direct', 'via'] as const;
    // Warm up both paths (the link is dialed, code is compiled).
    for (const k of kinds) for (let i = 0; i < 50; i++) await ctl[k].write(0n, Buffer.from('1\n'));
    for (let b = 0; b < blocks; b++) {
      for (const k of (b % 2 ? [...kinds].reverse() : kinds)) {
        for (let i = 0; i < per; i++) {
          const t0 = hr();
          await ctl[k].write(0n, Buffer.from(`${(i % 4) + 1}\n`));
          xs.ctl[k].push(us(t0, hr()));
        }
        for (let i = 0; i < per / 4; i++) {
          const t0 = hr();
          const f = await conns[k].c.root!.walk(`${paths[k]}/ctl`);
          await f.open(OWRITE | OTRUNC);
          await f.write(0n, Buffer.from(`${(i % 4) + 1}\n`));
          await f.clunk();
          xs.shell[k].push(us(t0, hr()));
        }
        for (let i = 0; i < per / 4; i++) {
          const p = evs[k].read(0n, 8192);
          // Let the read reach node2 and park there before the event is raised.
          await new Promise((r) => setTimeout(r, k === 'via' ? 2 : 1));
          const t0 = hr();
          await notify.write(0n, Buffer.from(`notify EV_USER_IPI ${i}\n`));
          await p;
          xs.event[k].push(us(t0, hr()));
        }
      }
    }
    const rows = [
      row('ctl round trip (open fid), direct to node2', xs.ctl.direct),
      row('ctl round trip (open fid), via node1 /n/node2', xs.ctl.via),
      row('echo N > ctl (walk/open/write/clunk), direct', xs.shell.direct),
      row('echo N > ctl (walk/open/write/clunk), via mount', xs.shell.via),
      row('event delivery (notify -> blocked read), direct', xs.event.direct),
      row('event delivery (notify -> blocked read), via mount', xs.event.via),
    ];
    const ratio = rows[1].p50_us / rows[0].p50_us;
    if (!opts.quiet) {
      console.log(`cluster remote mounts — node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}; 2 serve processes`);
      console.log('what'.padEnd(52), 'n'.padStart(6), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9));
      for (const r of rows) console.log(r.what.padEnd(52), String(r.n).padStart(6), String(r.p50_us).padStart(9), String(r.p99_us).padStart(9));
      console.log(`ctl round trip via the mount / direct, p50: ${ratio.toFixed(2)}x (target <= 2x)`);
    }
    for (const f of [ctl.direct, ctl.via, evs.direct, evs.via, notify]) await f.clunk().catch(() => {});
    direct.close();
    via.close();
    const out = resultPath(import.meta.url, 'cluster');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({
      date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, ncpu: os.cpus().length,
      iters, blocks, rows, ratio_ctl_p50: +ratio.toFixed(3),
    }, null, 2) + '\n');
    return rows;
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
