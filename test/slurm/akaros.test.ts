// SPDX-License-Identifier: GPL-2.0-or-later
//
// Slurm as the cluster OS (contrib/slurm): one real Slurm cluster (munged, slurmctld,
// three slurmd on loopback, from test/harness/slurm) whose node prolog and epilog are
// contrib/slurm's scripts, each node with its own `akaros serve --state DIR` on a unix
// socket. Five scenarios on the same cluster: a 3-node srun, a burst larger than the
// cluster sampled throughout, scancel, a node's server killed -9 and restarted from its
// state, and a node whose server is down. Without Slurm this skips (fails under CI).

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needSlurm, startCluster, type Cluster } from '../harness/slurm/cluster.js';
import { Session } from '../../cmd/lib/connect.js';
import { parseColumns, parseKeyed } from '../../cmd/lib/format.js';
import { cpulistParse } from '../../lib/cpulist.js';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');
const HOOK_BIN = join(PROJECT_ROOT, 'bin', 'akaros-slurm.js');
const CONTRIB = join(PROJECT_ROOT, 'contrib', 'slurm');
const NODES = ['n1', 'n2', 'n3'];
/** Slurm's CPUs per node; each server has one more core, core 0 the LL core. */
const CPUS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server { node: string; sock: string; state: string; p: ChildProcess | null; log: string }

function startServer(s: Server): Promise<void> {
  const p = spawn(process.execPath, [BIN, 'serve', '--state', s.state, '--listen', `unix!${s.sock}`, '--cores', String(CPUS + 1), '--hostowner', 'root'],
    { env: { ...process.env, AKAROS_NO_BUILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  s.p = p;
  let out = '';
  p.stderr!.on('data', (b: Buffer) => { s.log = (s.log + b.toString()).slice(-4000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${s.node}: serve did not listen within 30 s: ${s.log}`)), 30000);
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/serving 9P on/.test(out)) { clearTimeout(timer); resolve(); }
    });
    p.once('close', (code) => { clearTimeout(timer); s.p = null; reject(new Error(`${s.node}: serve exited ${code}: ${s.log}`)); });
  });
}

async function stopServer(s: Server, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const p = s.p;
  if (!p || p.exitCode !== null) return;
  const done = new Promise((r) => p.once('close', r));
  p.kill(sig);
  const k = setTimeout(() => p.kill('SIGKILL'), 10000);
  await done;
  clearTimeout(k);
  s.p = null;
}

interface Mcp { pid: number; name: string; user: string; state: string; granted: number; prov: number[] }

/** The node's processes named slurm-* and its core map. */
async function look(s: Server): Promise<{ mcps: Mcp[]; map: Record<string, string>[] }> {
  const ses = await Session.open({ address: `unix!${s.sock}`, user: 'root', dialect: '9P2000.L' });
  try {
    const pids = (await ses.ls('/mcp')).map((e) => e.name).filter((n) => /^\d+$/.test(n));
    const mcps = (await Promise.all(pids.map(async (p) => {
      const st = await ses.readMaybe(`/mcp/${p}/status`);
      const prov = await ses.readMaybe(`/mcp/${p}/prov`);
      if (st === undefined || prov === undefined) return null;
      const k = parseKeyed(st);
      return { pid: Number(p), name: k.name ?? '', user: k.user ?? '', state: k.state ?? '', granted: Number(k.granted), prov: cpulistParse(prov) };
    }))).filter((m): m is Mcp => m !== null && m.name.startsWith('slurm-'));
    return { mcps, map: parseColumns(await ses.read('/core/map')) };
  } finally {
    ses.close();
  }
}

/** Slurm CPU id i is core i + 1 (core 0 is the LL core): the hooks' default map. */
const toCores = (ids: number[]): number[] => ids.map((i) => i + 1);

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30000, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
    await sleep(every);
  }
}

/** A job script that runs until its release file appears (at most 60 s). */
const held = (dir: string): string => `#!/bin/sh\nfor i in $(seq 600); do [ -e ${dir}/release.$SLURM_JOB_ID ] && exit 0; sleep 0.1; done\n`;

if (needSlurm(t)) {
  const dir = mkdtempSync(join(tmpdir(), 'akslurm-'));
  chmodSync(dir, 0o755);
  const servers: Server[] = NODES.map((n) => ({ node: n, sock: join(dir, `${n}.sock`), state: join(dir, `state-${n}`), p: null, log: '' }));
  const conf = join(dir, 'hooks.conf');
  writeFileSync(conf, [`spool ${join(dir, 'spool')}`, `log ${join(dir, 'hooks.log')}`,
    ...servers.map((s) => `node ${s.node} unix!${s.sock}`)].join('\n') + '\n');
  let c: Cluster | undefined;
  t.teardown(async () => {
    // The cluster first: its epilogs still talk to the servers.
    await c?.stop();
    for (const s of servers) await stopServer(s);
    rmSync(dir, { recursive: true, force: true });
  });
  const release = (id: number) => writeFileSync(join(dir, `release.${id}`), '');
  const byNode = async () => Object.fromEntries(await Promise.all(servers.map(async (s) => [s.node, await look(s)] as const)));
  const allIdle = async () => {
    const v = await byNode();
    return NODES.every((n) => v[n].mcps.length === 0 && v[n].map.every((r) => r.prov === '-' && r.alloc === '-')) ? v : undefined;
  };

  t.before(async () => {
    await Promise.all(servers.map(startServer));
    c = await startCluster({
      cpusPerNode: CPUS,
      recordCpuIds: false,
      // A job requeued after a failed prolog waits cred_expire before it may start again.
      credExpireS: 10,
      hookEnv: { AKAROS_SLURM_CONF: conf, AKAROS_SLURM: `${process.execPath} ${HOOK_BIN}` },
      hooks: {
        prolog: { path: join(CONTRIB, 'prolog.sh') },
        epilog: { path: join(CONTRIB, 'epilog.sh') },
        taskprolog: { path: join(CONTRIB, 'task-prolog.sh') },
      },
      extraConf: ['SchedulerParameters=batch_sched_delay=0,nohold_on_prolog_fail'],
    });
    t.comment(`cluster up in ${c.upMs} ms`);
  });

  t.test('1. srun -N3 -c4: each node has slurm-JOBID with exactly Slurm\'s CPUs; the job sees its MCP', async (t) => {
    const cl = c!;
    const view = `echo VIEW $SLURMD_NODENAME $AKAROS_MCP $AKAROS_ADDRESS; ${process.execPath} ${BIN} -a "$AKAROS_ADDRESS" write /mcp/$AKAROS_MCP/ctl "notify EV_USER_IPI 7" && ` +
      `${process.execPath} ${BIN} -a "$AKAROS_ADDRESS" mcp events $AKAROS_MCP --timeout 5s; while [ ! -e ${dir}/release.$SLURM_JOB_ID ]; do sleep 0.1; done`;
    const srun = cl.srun(['-N3', '-c4', '-t', '2', 'sh', '-c', view], { timeoutMs: 90000 });
    const id = await until('the srun job is running', async () => (await cl.squeue()).find((j) => j.state === 'RUNNING')?.jobId);
    const job = await cl.waitJob(id, (j) => j.state === 'RUNNING' && Object.keys(j.nodes).length === 3);
    const v = await until('every node has the job\'s MCP', async () => {
      const v = await byNode();
      return NODES.every((n) => v[n].mcps.some((m) => m.name === `slurm-${id}`)) ? v : undefined;
    });
    for (const n of NODES) {
      const m = v[n].mcps.find((x) => x.name === `slurm-${id}`)!;
      t.equal(m.granted, 4, `${n}: granted 4`);
      t.equal(m.user, 'root', `${n}: owned by the job's user`);
      t.same(m.prov, toCores(job.nodes[n]), `${n}: prov ${m.prov} is Slurm's CPU_IDs ${job.nodes[n]} (+1)`);
    }
    release(id);
    const r = await srun;
    t.equal(r.rc, 0, `srun: ${r.err}`);
    const seen = [...r.out.matchAll(/^VIEW (\S+) (\d+) (\S+)$/gm)].map((m) => [m[1], Number(m[2])]);
    t.same(seen.sort(), NODES.map((n) => [n, v[n].mcps.find((x) => x.name === `slurm-${id}`)!.pid]), 'each task got AKAROS_MCP of its node');
    t.equal([...r.out.matchAll(/EV_USER_IPI arg1=7/g)].length, 3, 'each task read an event from its own /mcp/N/events');
    await until('the cores are idle again', allIdle);
  });

  t.test('2. a burst larger than the cluster, sampled throughout', async (t) => {
    const cl = c!;
    const shapes = [...Array(5).fill(['-N1', '-c4']), ['-N2', '-c3'], ['-N3', '-c2'], ['-N1', '-c8']];
    const ids: number[] = [];
    for (const a of shapes) ids.push(await cl.sbatch([...a, '-t', '2', '-o', '/dev/null'], held(dir)));
    const verified = new Set<number>();
    let samples = 0, violations = 0;
    const deadline = Date.now() + 120000;
    while (Date.now() < deadline) {
      const [v, q] = await Promise.all([byNode(), cl.squeue()]);
      samples++;
      for (const n of NODES) {
        const { mcps, map } = v[n];
        const granted = mcps.reduce((a, m) => a + m.granted, 0);
        if (granted > CPUS) { violations++; t.fail(`${n}: ${granted} cores granted, more than ${CPUS}`); }
        const owners = new Map<number, number>();
        for (const m of mcps) for (const core of m.prov) {
          if (owners.has(core)) { violations++; t.fail(`${n}: core ${core} provisioned to ${owners.get(core)} and ${m.pid}`); }
          owners.set(core, m.pid);
        }
        for (const r of map) {
          if (r.alloc !== '-' && r.prov !== r.alloc) { violations++; t.fail(`${n}: core ${r.core} runs ${r.alloc} but is provisioned to ${r.prov}`); }
        }
      }
      for (const j of q.filter((x) => x.state === 'RUNNING' && !verified.has(x.jobId))) {
        const info = await cl.job(j.jobId);
        if (!info || info.state !== 'RUNNING' || Object.keys(info.nodes).length === 0) continue;
        const ok = Object.entries(info.nodes).every(([n, cpus]) => {
          const m = v[n]?.mcps.find((x) => x.name === `slurm-${j.jobId}`);
          return m !== undefined && m.granted === cpus.length && m.prov.join() === toCores(cpus).join();
        });
        // Slurm's view and the nodes' must agree once every prolog has run; a mismatch in
        // which the MCP exists is a failure, an MCP not there yet is a prolog still running.
        for (const [n, cpus] of Object.entries(info.nodes)) {
          const m = v[n]?.mcps.find((x) => x.name === `slurm-${j.jobId}`);
          if (m && m.prov.join() !== toCores(cpus).join()) { violations++; t.fail(`job ${j.jobId} on ${n}: prov ${m.prov} but Slurm says ${cpus}`); }
        }
        if (ok) { verified.add(j.jobId); release(j.jobId); }
      }
      if (q.length === 0) break;
      await sleep(100);
    }
    t.same([...verified].sort((a, b) => a - b), ids, `every job was seen running with its cores on every node (${samples} samples)`);
    t.equal(violations, 0, 'no core given twice, never more granted than a node has');
    await until('the cores are idle again', allIdle);
  });

  t.test('3. scancel releases a running job\'s cores; a pending job never touched a node', async (t) => {
    const cl = c!;
    const a = await cl.sbatch(['-N3', '-c8', '-t', '2', '-o', '/dev/null'], held(dir));
    await cl.waitJob(a, 'RUNNING');
    await until('job A has its MCPs', async () => {
      const v = await byNode();
      return NODES.every((n) => v[n].mcps.some((m) => m.name === `slurm-${a}` && m.granted === CPUS));
    });
    const b = await cl.sbatch(['-N1', '-c4', '-t', '2', '-o', '/dev/null'], held(dir));
    const pb = await cl.waitJob(b, 'PENDING');
    t.equal(pb.state, 'PENDING', `B waits (${pb.reason})`);
    await cl.scancel([String(b)]);
    await cl.scancel([String(a)]);
    const v = await until('every core is idle', allIdle);
    for (const n of NODES) t.notOk(v[n].mcps.some((m) => m.name === `slurm-${a}`), `${n}: A's MCP is gone`);
    await cl.waitRecords({ kind: 'epilog', jobId: a }, 3);
    t.same(cl.records({ jobId: b }).filter((r) => r.kind === 'prolog' || r.kind === 'epilog'), [], 'B never ran a hook on any node');
    const log = readFileSync(join(dir, 'hooks.log'), 'utf8');
    t.notMatch(log, new RegExp(`job ${b} `), 'nor touched a server');
  });

  t.test('4. a node\'s server killed -9 and restarted from its state keeps the job\'s MCP', async (t) => {
    const cl = c!;
    const id = await cl.sbatch(['-N3', '-c2', '-t', '2', '-o', '/dev/null'], held(dir));
    const job = await cl.waitJob(id, (j) => j.state === 'RUNNING' && Object.keys(j.nodes).length === 3);
    const before = await until('the MCPs are there', async () => {
      const v = await byNode();
      return NODES.every((n) => v[n].mcps.some((m) => m.name === `slurm-${id}`)) ? v : undefined;
    });
    const n2 = servers[1];
    const was = before.n2.mcps.find((m) => m.name === `slurm-${id}`)!;
    await stopServer(n2, 'SIGKILL');
    await startServer(n2);
    const after = await look(n2);
    const m = after.mcps.find((x) => x.name === `slurm-${id}`);
    t.ok(m, 'the MCP survived the crash');
    t.equal(m?.pid, was.pid, 'same pid');
    t.same(m?.prov, toCores(job.nodes.n2), 'same cores, Slurm\'s');
    t.equal(m?.granted, 2, 'still granted');
    release(id);
    await cl.waitJob(id, 'COMPLETED');
    await until('the epilog released the cores on every node', allIdle);
    t.match(readFileSync(join(dir, 'hooks.log'), 'utf8'), new RegExp(`epilog job ${id} node n2: pid ${was.pid} cores \\S+ released`));
  });

  t.test('5. a node whose server is down: the prolog fails, Slurm drains it, the job runs elsewhere', async (t) => {
    const cl = c!;
    await stopServer(servers[0]);
    t.notOk(existsSync(servers[0].sock), 'n1 has no server');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await cl.sbatch(['-N1', '-c8', '-t', '2', '-o', '/dev/null'], '#!/bin/sh\nsleep 0.2\n'));
    const ns = await cl.waitNodes((x) => x.n1.state === 'drained' || x.n1.state === 'draining', 60000);
    t.match(ns.n1.reason, /Prolog/, 'n1 drained for its prolog');
    const failed = (await cl.waitRecords({ kind: 'prolog', node: 'n1' })).find((r) => ids.includes(r.jobId));
    t.ok(failed && failed.rc !== 0, 'the prolog on n1 failed');
    for (const id of ids) {
      const j = await cl.waitJob(id, 'COMPLETED', 90000);
      t.notMatch(j.nodeList, /n1/, `job ${id} ran on ${j.nodeList}`);
    }
    t.match(readFileSync(join(dir, 'hooks.log'), 'utf8'), /prolog job \d+ node n1 user root: FAILED: .*n1\.sock/, 'the hooks log says why');
    await until('n2 and n3 idle again', async () => {
      const v = await Promise.all(servers.slice(1).map(look));
      return v.every((x) => x.mcps.length === 0);
    });
  });
}
