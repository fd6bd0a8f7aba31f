// SPDX-License-Identifier: GPL-2.0-or-later
//
// What a shell user on a mount feels: `echo N > ctl; cat status` in a loop, through the
// Linux v9fs client of a QEMU guest (test/harness/v9fs-run.sh, one boot), against our
// server (an MCP's ctl and status) and against diod (two plain files in an exported
// directory), both mounted 9P2000.L cache=none in the same guest, in alternating rounds
// (test/harness/shell-loop.sh). Without KVM the guest runs under TCG, which makes the
// absolute times meaningless: the ratio is the result. With --compare REF the peer is our
// server built from REF. 9pfuse is not used: diod speaks only 9P2000.L, which 9pfuse
// does not. Writes bench/results/v9fs-shell.json; skips without qemu-system-x86_64.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeResult } from './lib/load.js';
import { machineLine, median, ratio, resolved, showRatio, type BenchOptions, type Ratio } from './lib/rounds.js';
import { TREE, startDiod, startOurs, type Served } from './lib/servers.js';

/** bench/all.ts: this bench has a --compare mode. */
export const compares = true;

const HARNESS = join(TREE, 'test', 'harness', 'v9fs-run.sh');
const LOOP = join(TREE, 'test', 'harness', 'shell-loop.sh');

export interface ShellReport {
  bench: 'v9fs-shell';
  date: string;
  machine: string;
  contenders: [string, string];
  iterations: number;
  /** Microseconds per `echo; cat` iteration, per measured round. */
  samples: Record<string, number[]>;
  /** a/b of the per-iteration times: lower is better for a. */
  time: Ratio;
  spread: number;
  accel: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function mountLines(s: Served, letter: 'A' | 'B', diodDir?: string): string {
  const mnt = `/${letter.toLowerCase()}`;
  const opts = `trans=tcp,port=${s.port},version=9p2000.L,cache=none${diodDir ? `,aname=${diodDir}` : ''}`;
  const mount = `mkdir -p ${mnt} && mount -t 9p -o ${opts} "$V9FS_HOST" ${mnt}`;
  const files = diodDir
    ? `${letter}_CTL=${mnt}/ctl && ${letter}_STATUS=${mnt}/status`
    : `P=$(cat ${mnt}/mcp/clone) && ${letter}_CTL=${mnt}/mcp/$P/ctl && ${letter}_STATUS=${mnt}/mcp/$P/status`;
  return `${letter}_NAME=${q(s.name)}\n${letter}_MOUNT=${q(`${mount} && ${files}`)}\n`;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export async function run(opts: BenchOptions = {}): Promise<ShellReport | null> {
  const { rounds, spread } = resolved(opts);
  if (!have('qemu-system-x86_64')) {
    console.log('v9fs-shell: qemu-system-x86_64 is not installed (bash .ci/run installs it); skipped');
    return null;
  }
  const iterations = opts.ms ? Math.max(10, Math.round(opts.ms / 25)) : 40;
  const servers: Served[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'v9fs-shell-'));
  try {
    servers.push(await startOurs(opts.compareRoot ? 'new' : 'ours'));
    let diodDir: string | undefined;
    if (opts.compareRoot) servers.push(await startOurs('old', opts.compareRoot));
    else {
      const d = await startDiod();
      if (!d) { console.log('v9fs-shell: diod is not installed; skipped'); return null; }
      servers.push(d);
      diodDir = d.aname;
      writeFileSync(join(diodDir, 'ctl'), '');
      // About the size of an MCP's status file.
      writeFileSync(join(diodDir, 'status'), 'pid 1\nstate RUNNING_M\nuser root\nwant 4\ngranted 4\nprovisioned 0\n'
        + 'preempt_pending 0\nlasterr \nvcores 0 1 2 3\n'.padEnd(160, ' ') + '\n');
    }
    const [a, b] = servers;
    const script = join(dir, 'script.sh');
    writeFileSync(script, `ITER=${iterations}\nROUNDS=${rounds}\n${mountLines(a, 'A')}${mountLines(b, 'B', diodDir)}`
      + readFileSync(LOOP, 'utf8').replace(/^#!.*\n/, ''));
    const machine = machineLine(rounds, spread);
    if (!opts.quiet) {
      console.log(machine);
      console.log(`v9fs guest: ${iterations} iterations of \`echo N > ctl; cat status\` per round, ${a.name} vs ${b.name}`);
    }
    const g = await new Promise<{ rc: number; out: string; err: string }>((res) => {
      const p = spawn('bash', [HARNESS, String(a.port), script], {
        env: { ...process.env, V9FS_NOMOUNT: '1', V9FS_TIMEOUT: String(240 + rounds * iterations * 4) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '', err = '';
      p.stdout.on('data', (d: Buffer) => { out += d; });
      p.stderr.on('data', (d: Buffer) => { err += d; });
      p.on('close', (rc) => res({ rc: rc ?? -1, out, err }));
    });
    if (g.rc !== 0 || !g.out.includes('LOOP-DONE')) {
      console.log(`v9fs-shell: the guest failed (exit ${g.rc}):\n${g.out.slice(-1500)}\n${g.err.slice(-1500)}`);
      return null;
    }
    const accel = /accel (\w+)/.exec(g.err)?.[1] ?? '?';
    const samples: Record<string, number[]> = { [a.name]: [], [b.name]: [] };
    for (const m of g.out.matchAll(/^ROUND (\d+) (\S+) (\d+) (\d+)$/gm)) {
      if (m[1] === '0') continue; // warm-up
      samples[m[2]]?.push((Number(m[3]) * 10_000) / Number(m[4]));
    }
    const time = ratio(samples[a.name], samples[b.name], spread);
    const report: ShellReport = {
      bench: 'v9fs-shell', date: new Date().toISOString(), machine, contenders: [a.name, b.name], iterations, samples, time, spread, accel,
    };
    if (!opts.quiet) {
      const med = (xs: number[]): string => (xs.length ? `${Math.round(median(xs))} µs` : '-');
      console.log(`per iteration (median of ${rounds} rounds, guest accel ${accel}): ${a.name} ${med(samples[a.name])}, ${b.name} ${med(samples[b.name])}`);
      console.log(`time ${a.name}/${b.name} (lower is better): ${showRatio(time, spread)}`);
    }
    writeResult(import.meta.url, opts.compareRoot ? 'v9fs-shell-compare' : 'v9fs-shell', report);
    return report;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
