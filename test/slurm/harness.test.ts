// SPDX-License-Identifier: GPL-2.0-or-later
//
// The Slurm harness against real Slurm: a private munged, then one slurmctld and three
// slurmd on loopback running srun and sbatch jobs, a cancel, and a prolog failure that
// drains its node. Without Slurm this skips, except under CI, where .ci/run must have
// installed it and a missing tool fails the run.

import t from 'tap';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { needSlurm, startCluster, startMunge, type Cluster } from '../harness/slurm/cluster.js';
import { findTool, run, alive } from '../harness/slurm/proc.js';
import { parseJob } from '../harness/slurm/parse.js';

const sh = (script: string, env: NodeJS.ProcessEnv = process.env) => run('/bin/sh', ['-c', script], env, 20000);

if (needSlurm(t)) {
  t.test('a private munged', async (t) => {
    const a = await startMunge();
    t.teardown(() => a.stop());
    const b = await startMunge();
    t.teardown(() => b.stop());
    const munge = findTool('munge')!;
    const unmunge = findTool('unmunge')!;

    const r = await sh(`'${munge}' -S '${a.socket}' -n | '${unmunge}' -S '${a.socket}'`);
    t.equal(r.rc, 0, r.err);
    t.match(r.out, /^STATUS:\s+Success \(0\)$/m);
    t.match(r.out, new RegExp(`^UID:\\s+\\S+ \\(${process.getuid!()}\\)$`, 'm'), "the credential carries the caller's UID");

    const cross = await sh(`'${munge}' -S '${a.socket}' -n | '${unmunge}' -S '${b.socket}'`);
    t.not(cross.rc, 0, 'another private munged (another key) rejects it');
    t.match(cross.out + cross.err, /Invalid credential/);

    await a.stop();
    t.notOk(alive(a.pid), 'stopped by pid');
    t.notOk(existsSync(a.dir), 'its own directory is removed');
    t.equal(await a.stop(), false, 'stopping twice is harmless');
  });

  t.test('a cluster', async (t) => {
    const c: Cluster = await startCluster({
      t,
      hookEnv: { HARNESS_MARK: "it's here" },
      // TaskProlog's stdout is read by slurmstepd: `export` lines reach the task.
      hooks: { taskprolog: { sh: 'echo "export HARNESS_SEEN=$HARNESS_MARK"' } },
    });
    t.comment(`up in ${c.upMs} ms: ${c.dir}, slurmctld ${c.ctld.pid} on ${c.ctldPort}, slurmd ${Object.values(c.slurmd).map((d) => d.pid).join(' ')}`);
    const seen = new Set<number>();
    const newJobs = (): number[] => {
      const ids = [...new Set(c.records({ kind: 'prolog' }).map((r) => r.jobId))].filter((id) => !seen.has(id));
      ids.forEach((id) => seen.add(id));
      return ids;
    };

    t.test('every node idle, Slurm on our munged', async (t) => {
      const ns = await c.nodes();
      t.same(Object.keys(ns).sort(), ['n1', 'n2', 'n3']);
      for (const n of c.nodeNames) t.equal(ns[n].state, 'idle', n);
      const conf = await c.scontrol(['show', 'config']);
      t.match(conf.out, new RegExp(`^AuthInfo\\s*=\\s*socket=${c.munge.socket}$`, 'm'));
    });

    t.test('srun -N3 -c4 hostname', async (t) => {
      const t0 = Date.now();
      const r = await c.srun(['-N3', '-c4', 'hostname']);
      const ms = Date.now() - t0;
      t.equal(r.rc, 0, r.err);
      t.same(r.out.trim().split('\n'), [hostname(), hostname(), hostname()], 'one task per node');
      const jobs = newJobs();
      t.equal(jobs.length, 1, 'one job');
      const pro = c.records({ kind: 'prolog', jobId: jobs[0] });
      t.same(pro.map((p) => p.node).sort(), ['n1', 'n2', 'n3'], 'the prolog ran on each node');
      for (const p of pro) {
        t.equal(p.rc, 0);
        t.equal(p.env.SLURM_JOB_ID, String(jobs[0]));
        t.equal(p.cpuIds?.length, 4, `${p.node}: four CPU ids`);
        t.same(p.cpuIds, parseJob(p.jobText!).nodes[p.node], `${p.node}: the ids are this node's in scontrol's text`);
      }
      const warm0 = Date.now();
      const again = await c.srun(['-N3', '-c4', 'hostname']);
      t.equal(again.rc, 0, again.err);
      newJobs();
      t.comment(`srun -N3 -c4 hostname: ${ms} ms, then ${Date.now() - warm0} ms`);
    });

    t.test('the test hook, hookEnv and TaskProlog exports', async (t) => {
      const r = await c.srun(['-N1', '-w', 'n3', 'printenv', 'HARNESS_SEEN']);
      t.equal(r.rc, 0, r.err);
      t.equal(r.out, "it's here\n");
      const [job] = newJobs();
      const [tp] = await c.waitRecords({ kind: 'taskprolog', jobId: job, node: 'n3' });
      t.equal(tp.rc, 0);
      t.ok(tp.env.SLURM_STEP_ID !== undefined, 'TaskProlog sees the step');
    });

    t.test('sbatch: what the prolog saw', async (t) => {
      const id = await c.sbatch(['-N2', '-c3', '-o', '/dev/null'], '#!/bin/sh\nsleep 1\n');
      const running = await c.waitJob(id, 'RUNNING');
      t.equal(Object.keys(running.nodes).length, 2, 'two nodes allocated');
      const pro = await c.waitRecords({ kind: 'prolog', jobId: id }, 2);
      for (const p of pro) {
        t.equal(p.env.SLURM_JOB_ID, String(id), `${p.node}: SLURM_JOB_ID`);
        t.equal(p.env.SLURMD_NODENAME, p.node);
        t.equal(p.env.SLURM_JOB_CPUS_PER_NODE, '3(x2)');
        t.equal(p.cpuIds?.length, 3);
        t.same(p.cpuIds, running.nodes[p.node], `${p.node}: the prolog's CPU ids are the job's`);
      }
      await c.waitJob(id, 'COMPLETED');
      const epi = await c.waitRecords({ kind: 'epilog', jobId: id }, 2);
      t.same(epi.map((e) => e.node).sort(), Object.keys(running.nodes).sort(), 'the epilog ran where the job did');
      t.ok(epi.every((e) => e.env.SLURM_JOB_EXIT_CODE === '0'));
      newJobs();
    });

    t.test('scancel of a running job runs the epilog', async (t) => {
      const id = await c.sbatch(['-N1', '-c2', '-o', '/dev/null'], '#!/bin/sh\nsleep 300\n');
      const running = await c.waitJob(id, 'RUNNING');
      const [node] = Object.keys(running.nodes);
      const r = await c.scancel([String(id)]);
      t.equal(r.rc, 0, r.err);
      await c.waitJob(id, 'CANCELLED');
      const [epi] = await c.waitRecords({ kind: 'epilog', jobId: id, node });
      t.equal(epi.rc, 0);
      newJobs();
    });

    t.test('a prolog failing on one node drains it and holds the job', async (t) => {
      c.setHook('prolog', { sh: '[ "$SLURMD_NODENAME" = n2 ] && exit 7\nexit 0' });
      const id = await c.sbatch(['-N3', '-o', '/dev/null'], '#!/bin/sh\ntrue\n');
      const ns = await c.waitNodes((ns) => ns.n2?.state === 'drained', 30000);
      t.match(ns.n2.reason, /prolog/i, `n2 drained: ${ns.n2.reason}`);
      t.equal(ns.n1.state === 'drained' || ns.n3.state === 'drained', false, 'only n2');
      const held = await c.waitJob(id, (j) => j.state === 'PENDING' && j.restarts >= 1);
      t.equal(held.priority, 0, 'held');
      t.match(held.reason, /held/i, `reason ${held.reason}`);
      const failed = c.records({ kind: 'prolog', jobId: id, node: 'n2' });
      t.ok(failed.some((p) => p.rc === 7), "n2's prolog exit status is in its record");

      c.setHook('prolog', null);
      await c.resume('n2');
      await c.waitNodes((ns) => ns.n2?.state === 'idle');
      t.equal((await c.scancel([String(id)])).rc, 0);
      await c.waitJob(id, 'CANCELLED');
      const r = await c.srun(['-N3', 'true']);
      t.equal(r.rc, 0, `the resumed node runs jobs again: ${r.err}`);
      newJobs();
    });

    t.test('drain and resume by hand', async (t) => {
      await c.drain('n1', 'harness test');
      let ns = await c.waitNodes((ns) => ns.n1?.state === 'drained');
      t.equal(ns.n1.reason, 'harness test');
      const r = await c.srun(['-N3', '--immediate=2', 'true']);
      t.not(r.rc, 0, 'three nodes cannot be had while one is drained');
      await c.resume('n1');
      ns = await c.waitNodes((ns) => ns.n1?.state === 'idle');
      t.equal(ns.n1.state, 'idle');
    });

    t.test('teardown', async (t) => {
      // A job still running when stop() comes is cancelled and drained first.
      const id = await c.sbatch(['-N1', '-o', '/dev/null'], '#!/bin/sh\nsleep 300\n');
      await c.waitJob(id, 'RUNNING');
      const pids = [c.munge.pid, c.ctld.pid, ...Object.values(c.slurmd).map((d) => d.pid)];
      const rep = await c.stop();
      t.comment(`stop: ${rep.ms} ms`);
      t.equal(rep.drained, true, 'jobs drained before the daemons stopped');
      t.same(rep.forced, [], 'every daemon stopped on SIGTERM');
      t.same(rep.strays, [], 'nothing of the cluster was left running');
      t.same(pids.filter(alive), [], 'every daemon is gone');
      t.notOk(existsSync(c.dir), 'the scratch directory is removed');
      t.equal(await c.stop(), rep, 'stop twice is the same stop');
    });
  });
}
