// SPDX-License-Identifier: GPL-2.0-or-later
//
// What contrib/slurm's hooks add to a job: `srun -N3 true` on a three-node harness cluster
// (test/harness/slurm) whose nodes each have an `akaros serve --state DIR`, with the
// prolog, epilog and TaskProlog installed and with them removed, alternating in the same
// run so both see the same load. Each time is from srun's start to the end of the last
// node's epilog (srun returns before the epilogs run); a third way runs the same scripts
// through `akaros slurm prolog|epilog` (the CLI), as they did before akaros-slurm. Needs
// root and Slurm (apt-get install slurmctld slurmd slurm-client munge); prints a table and writes
// bench/results/slurm-hooks.json. Run: node dist/bench/slurm-hooks.js [--rounds N]
//
// First, without Slurm, a micro-measure of one hook pair: a prolog (`--cpus 0-3`, so no
// scontrol) and an epilog of one job against a local `akaros serve`, each as the process
// Slurm would start, through `akaros slurm prolog|epilog` (the CLI) and through
// `akaros-slurm prolog|epilog` (the hooks' own entry); --micro N pairs each (default 10),
// alternating, median. --micro-only skips the cluster.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { slurmMissing, startCluster, type Cluster } from '../test/harness/slurm/cluster.js';
import { writeResult } from './lib/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'run.js');
const HOOK_BIN = join(ROOT, 'bin', 'akaros-slurm.js');
const CONTRIB = join(ROOT, 'contrib', 'slurm');
const NODES = ['n1', 'n2', 'n3'];

function serve(state: string, sock: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [BIN, 'serve', '--state', state, '--listen', `unix!${sock}`, '--cores', '9', '--hostowner', 'root'],
    { env: { ...process.env, AKAROS_NO_BUILD: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (/serving 9P on/.test(out)) resolve(p); });
    p.once('close', (code) => reject(new Error(`akaros serve exited ${code}`)));
  });
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function spawnOk(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    p.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** One prolog + epilog per round through each entry point, ms from spawn to exit. */
async function micro(pairs: number): Promise<{ cli_ms: number[]; hook_ms: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'akmicro-'));
  const sock = join(dir, 'n1.sock');
  const server = await serve(join(dir, 'state'), sock);
  try {
    const conf = join(dir, 'hooks.conf');
    writeFileSync(conf, `spool ${join(dir, 'spool')}\nnode n1 unix!${sock}\n`);
    const env = { ...process.env, AKAROS_NO_BUILD: '1', AKAROS_SLURM_CONF: conf, SLURM_JOB_USER: 'root', SLURMD_NODENAME: 'n1' };
    const ways = {
      cli: (kind: string) => [BIN, 'slurm', kind, ...(kind === 'prolog' ? ['--cpus', '0-3'] : [])],
      hook: (kind: string) => [HOOK_BIN, kind, ...(kind === 'prolog' ? ['--cpus', '0-3'] : [])],
    };
    const out = { cli_ms: [] as number[], hook_ms: [] as number[] };
    let job = 1;
    const pair = async (way: keyof typeof ways): Promise<number> => {
      const e = { ...env, SLURM_JOB_ID: String(job++) };
      const t0 = performance.now();
      await spawnOk(ways[way]('prolog'), e);
      await spawnOk(ways[way]('epilog'), e);
      return performance.now() - t0;
    };
    await pair('cli'); await pair('hook'); // warm the page cache, not counted
    for (let r = 0; r < pairs; r++) {
      for (const way of (r % 2 === 0 ? ['cli', 'hook'] : ['hook', 'cli']) as Array<keyof typeof ways>) out[`${way}_ms`].push(await pair(way));
    }
    return out;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench/all.ts passes its options object ({ rounds, ... }); run directly, the command line. */
export async function run(opts: string[] | { rounds?: number } = process.argv.slice(2)): Promise<unknown> {
  const argv = Array.isArray(opts) ? opts : opts.rounds ? ['--rounds', String(opts.rounds)] : [];
  const mi = argv.indexOf('--micro');
  const m = await micro(mi >= 0 ? Number(argv[mi + 1]) : 10);
  const pairMs = { cli: Math.round(median(m.cli_ms)), hook: Math.round(median(m.hook_ms)) };
  console.log('one prolog + epilog (--cpus 0-3), spawn to exit    median ms   runs');
  console.log(`  akaros slurm prolog|epilog (the CLI)            ${String(pairMs.cli).padStart(9)}   ${m.cli_ms.map(Math.round).join(' ')}`);
  console.log(`  akaros-slurm prolog|epilog (the hooks' entry)   ${String(pairMs.hook).padStart(9)}   ${m.hook_ms.map(Math.round).join(' ')}`);
  const microRes = { pairs: m.cli_ms.length, cli_ms: { median: pairMs.cli, all: m.cli_ms.map(Math.round) }, hook_ms: { median: pairMs.hook, all: m.hook_ms.map(Math.round) } };
  const missing = slurmMissing();
  if (argv.includes('--micro-only') || missing.length) {
    if (missing.length) console.log(`slurm-hooks: the cluster part skipped (missing ${missing.join(', ')})`);
    writeResult(import.meta.url, 'slurm-hooks', { micro: microRes });
    return { micro: microRes };
  }
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  const dir = mkdtempSync(join(tmpdir(), 'akbench-'));
  chmodSync(dir, 0o755);
  const servers: ChildProcess[] = [];
  let c: Cluster | undefined;
  try {
    for (const n of NODES) servers.push(await serve(join(dir, `state-${n}`), join(dir, `${n}.sock`)));
    const conf = join(dir, 'hooks.conf');
    writeFileSync(conf, `spool ${join(dir, 'spool')}\n${NODES.map((n) => `node ${n} unix!${join(dir, `${n}.sock`)}`).join('\n')}\n`);
    const light = {
      prolog: { path: join(CONTRIB, 'prolog.sh') },
      epilog: { path: join(CONTRIB, 'epilog.sh') },
      taskprolog: { path: join(CONTRIB, 'task-prolog.sh') },
    } as const;
    // The same scripts running the hooks through the CLI (what they ran before akaros-slurm).
    const viaCli = (script: string) => ({ sh: `AKAROS_SLURM="${process.execPath} ${BIN} slurm" AKAROS_NO_BUILD=1 exec ${join(CONTRIB, script)} "$@"` });
    const cli = { prolog: viaCli('prolog.sh'), epilog: viaCli('epilog.sh'), taskprolog: light.taskprolog };
    type Way = 'hooks' | 'cli' | 'none';
    c = await startCluster({
      cpusPerNode: 8, recordCpuIds: false,
      hookEnv: { AKAROS_SLURM_CONF: conf, AKAROS_SLURM: `${process.execPath} ${HOOK_BIN}` },
    });
    const cl = c;
    const set = (way: Way): void => {
      for (const k of ['prolog', 'epilog', 'taskprolog'] as const) cl.setHook(k, way === 'none' ? null : (way === 'cli' ? cli : light)[k]);
    };
    // srun start to the last node's epilog done (the harness's recorder stamps each hook's
    // end, hooks or not), so a hook that is switched off never misses a job's epilog.
    const once = async (): Promise<number> => {
      const before = new Set(cl.records({ kind: 'prolog' }).map((x) => x.jobId));
      const t0 = Date.now();
      const r = await cl.srun(['-N3', '-c4', 'true'], { timeoutMs: 120000 });
      if (r.rc !== 0) throw new Error(`srun failed (${r.rc}): ${r.err}`);
      const id = cl.records({ kind: 'prolog' }).map((x) => x.jobId).find((j) => !before.has(j));
      if (id === undefined) throw new Error('srun ran no prolog');
      const done = await cl.waitRecords({ kind: 'epilog', jobId: id }, NODES.length, 60000);
      return Math.max(...done.map((x) => x.end ?? 0)) - t0;
    };
    const times: Record<Way, number[]> = { hooks: [], cli: [], none: [] };
    // One of each first, not counted: the first job of a cluster pays for warming up.
    set('hooks'); await once(); set('none'); await once();
    const ways: Way[] = ['hooks', 'cli', 'none'];
    for (let r = 0; r < rounds; r++) {
      for (const way of [...ways.slice(r % 3), ...ways.slice(0, r % 3)]) {
        set(way);
        times[way].push(await once());
      }
    }
    const stat = (xs: number[]) => ({ median: Math.round(median(xs)), all: xs.map(Math.round) });
    const res = {
      micro: microRes,
      rounds, srun: 'srun -N3 -c4 true',
      hooks_ms: stat(times.hooks),
      cli_hooks_ms: stat(times.cli),
      none_ms: stat(times.none),
      added_ms: Math.round(median(times.hooks) - median(times.none)),
      cli_added_ms: Math.round(median(times.cli) - median(times.none)),
    };
    console.log('srun -N3 -c4 true, start to last epilog done   median ms   runs');
    console.log(`  with the hooks (akaros-slurm)                ${String(res.hooks_ms.median).padStart(9)}   ${res.hooks_ms.all.join(' ')}`);
    console.log(`  with the hooks through the CLI               ${String(res.cli_hooks_ms.median).padStart(9)}   ${res.cli_hooks_ms.all.join(' ')}`);
    console.log(`  without                                      ${String(res.none_ms.median).padStart(9)}   ${res.none_ms.all.join(' ')}`);
    console.log(`  the hooks add                                ${String(res.added_ms).padStart(9)}   (through the CLI ${res.cli_added_ms})`);
    writeResult(import.meta.url, 'slurm-hooks', res);
    return res;
  } finally {
    await c?.stop();
    for (const p of servers) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(servers.map((p) => (p.exitCode === null ? new Promise((r) => p.once('close', r)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
