// SPDX-License-Identifier: GPL-2.0-or-later
//
// What contrib/slurm's hooks add to a job: `srun -N3 true` on a three-node harness cluster
// (test/harness/slurm) whose nodes each have an `akaros serve --state DIR`, with the
// prolog, epilog and TaskProlog installed and with them removed, alternating in the same
// run so both see the same load. Each time is from srun's start to the end of the last
// node's epilog (srun returns before the epilogs run). Needs root and Slurm
// (apt-get install slurmctld slurmd slurm-client munge); prints a table and writes
// bench/results/slurm-hooks.json. Run: node dist/bench/slurm-hooks.js [--rounds N]

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { slurmMissing, startCluster, type Cluster } from '../test/harness/slurm/cluster.js';
import { resultPath } from './lib/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'run.js');
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

export async function run(argv: string[] = process.argv.slice(2)): Promise<unknown> {
  const missing = slurmMissing();
  if (missing.length) {
    console.log(`slurm-hooks: skipped (missing ${missing.join(', ')})`);
    return undefined;
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
    const hooks = {
      prolog: { path: join(CONTRIB, 'prolog.sh') },
      epilog: { path: join(CONTRIB, 'epilog.sh') },
      taskprolog: { path: join(CONTRIB, 'task-prolog.sh') },
    } as const;
    c = await startCluster({
      cpusPerNode: 8, recordCpuIds: false,
      hookEnv: { AKAROS_SLURM_CONF: conf, AKAROS: `${process.execPath} ${BIN}`, AKAROS_NO_BUILD: '1' },
    });
    const cl = c;
    const set = (on: boolean): void => {
      for (const [k, spec] of Object.entries(hooks)) cl.setHook(k as keyof typeof hooks, on ? spec : null);
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
    const times = { hooks: [] as number[], none: [] as number[] };
    // One of each first, not counted: the first job of a cluster pays for warming up.
    set(true); await once(); set(false); await once();
    for (let r = 0; r < rounds; r++) {
      for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
        set(on);
        times[on ? 'hooks' : 'none'].push(await once());
      }
    }
    const res = {
      rounds, srun: 'srun -N3 -c4 true',
      hooks_ms: { median: Math.round(median(times.hooks)), all: times.hooks.map(Math.round) },
      none_ms: { median: Math.round(median(times.none)), all: times.none.map(Math.round) },
      added_ms: Math.round(median(times.hooks) - median(times.none)),
    };
    console.log('srun -N3 -c4 true, start to last epilog done   median ms   runs');
    console.log(`  with the hooks                               ${String(res.hooks_ms.median).padStart(9)}   ${res.hooks_ms.all.join(' ')}`);
    console.log(`  without                                      ${String(res.none_ms.median).padStart(9)}   ${res.none_ms.all.join(' ')}`);
    console.log(`  the hooks add                                ${String(res.added_ms).padStart(9)}`);
    writeFileSync(resultPath(import.meta.url, 'slurm-hooks'), `${JSON.stringify(res, null, 2)}\n`);
    return res;
  } finally {
    await c?.stop();
    for (const p of servers) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(servers.map((p) => (p.exitCode === null ? new Promise((r) => p.once('close', r)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
