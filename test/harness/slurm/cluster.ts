// SPDX-License-Identifier: GPL-2.0-or-later
//
// A real Slurm cluster for a test: a private munged, one slurmctld and N slurmd in
// multiple-slurmd mode on loopback, everything in one scratch directory, every daemon a
// child we hold the pid of. See README.md here for use and for what CI must install.

import { mkdtempSync, mkdirSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startMunge, type Munge } from './munge.js';
import { slurmConf } from './conf.js';
import { installHooks, setUserHook, readRecords, HOOK_KINDS, type HookKind, type HookSpec, type HookRecord } from './hooks.js';
import { parseJob, parseSinfo, type JobInfo, type NodeInfo } from './parse.js';
import { startDaemon, findTool, findMarked, run, searchPath, signal, alive, sleep, tail, type Daemon, type RunResult } from './proc.js';

export type { HookKind, HookSpec, HookRecord, JobInfo, NodeInfo, RunResult, Munge };
export { startMunge };

/** What has to be on the machine: the daemons, the clients, munge. */
export const SLURM_TOOLS = ['slurmctld', 'slurmd', 'srun', 'sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo', 'munged', 'munge', 'unmunge'];

/** Missing tools, plus 'root' when we are not root (slurmd must be): empty when a
 *  cluster can start here. */
export function slurmMissing(): string[] {
  const missing = SLURM_TOOLS.filter((c) => findTool(c) === null);
  if (process.getuid?.() !== 0) missing.push('root');
  return missing;
}

/** The structural slice of tap's Test the harness uses. */
export interface TapLike {
  teardown(fn: () => unknown): void;
  fail(msg: string): unknown;
  test(name: string, opts: { skip: string }, fn: () => void): unknown;
}

/** True when a cluster can start; otherwise fails the test under CI (where .ci/run must
 *  have installed Slurm) and skips it elsewhere, with the reason. */
export function needSlurm(t: TapLike): boolean {
  const missing = slurmMissing();
  if (missing.length === 0) return true;
  const msg = `Slurm harness cannot run: missing ${missing.join(', ')} ` +
    '(as root: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)';
  if (process.env.CI) t.fail(msg);
  else t.test(msg, { skip: msg }, () => {});
  return false;
}

export interface ClusterOptions {
  /** slurmd count (default 3), named `${nodePrefix}1`...; each claims cpusPerNode
   *  fake cores (default 16) and realMemoryMb (default 4000). */
  nodes?: number;
  nodePrefix?: string;
  cpusPerNode?: number;
  realMemoryMb?: number;
  clusterName?: string;
  /** The test's own hooks. Prolog, Epilog and TaskProlog always run the recorder; the
   *  controller's hooks are configured only when given here or with ctldHooks. */
  hooks?: Partial<Record<HookKind, HookSpec>>;
  ctldHooks?: boolean;
  /** Exported into every hook (e.g. where a node's agent listens). */
  hookEnv?: Record<string, string>;
  /** The node prolog asks scontrol for the job's CPU ids (default true). */
  recordCpuIds?: boolean;
  /** Extra slurm.conf lines. */
  extraConf?: string[];
  prologEpilogTimeoutS?: number;
  /** AuthInfo's cred_expire, seconds (Slurm's default: 120); a job requeued after a failed
   *  prolog waits this long before it may start again. */
  credExpireS?: number;
  /** Bound on start → all nodes idle (default 60 s). */
  startTimeoutMs?: number;
  /** Parent of the scratch directory (default $SLURM_HARNESS_TMPDIR, else os.tmpdir());
   *  it must allow executing files and be searchable by the munge user. */
  tmpdir?: string;
  /** Keep the scratch directory after stop (also SLURM_HARNESS_KEEP=1). */
  keep?: boolean;
  /** A tap test: stop() is registered as its teardown before anything starts. */
  t?: Pick<TapLike, 'teardown'>;
}

export interface StopReport {
  ms: number;
  /** False if jobs were still queued or completing when the wait for them gave up. */
  drained: boolean;
  /** Daemons that needed SIGKILL. */
  forced: string[];
  /** Stray processes of this cluster (job steps, hooks, clients) found once the daemons
   *  were down, and killed by pid: SIGTERM, SIGKILL after 1 s. */
  strays: number[];
}

export interface RunOptions { timeoutMs?: number; input?: string; env?: Record<string, string> }

export interface Cluster {
  dir: string;
  /** SLURM_CONF for this cluster. */
  conf: string;
  host: string;
  nodeNames: string[];
  ctldPort: number;
  nodePorts: Record<string, number>;
  munge: Munge;
  ctld: Daemon;
  slurmd: Record<string, Daemon>;
  /** Environment for running Slurm tools yourself (SLURM_CONF set, outer SLURM_* gone). */
  env: NodeJS.ProcessEnv;
  /** Start → every node idle, ms. */
  upMs: number;

  run(tool: string, args: string[], o?: RunOptions): Promise<RunResult>;
  srun(args: string[], o?: RunOptions): Promise<RunResult>;
  /** Submits with --parsable; the script is `script` on stdin if given. Throws on
   *  failure; returns the job id. */
  sbatch(args: string[], script?: string): Promise<number>;
  scancel(args: string[]): Promise<RunResult>;
  scontrol(args: string[]): Promise<RunResult>;
  /** Jobs squeue lists (completing ones too). */
  squeue(): Promise<{ jobId: number; state: string }[]>;
  /** `scontrol show job -d`, parsed; null once Slurm has forgotten the job. */
  job(jobId: number): Promise<JobInfo | null>;
  /** Polls until the job is in one of `want` (or `want(job)` holds). A job that ends in
   *  another terminal state, or the deadline (default 30 s), throws with what was seen. */
  waitJob(jobId: number, want: string | string[] | ((j: JobInfo) => boolean), timeoutMs?: number): Promise<JobInfo>;
  nodes(): Promise<Record<string, NodeInfo>>;
  waitNodes(want: (n: Record<string, NodeInfo>) => boolean, timeoutMs?: number): Promise<Record<string, NodeInfo>>;
  drain(node: string, reason: string): Promise<void>;
  resume(node: string): Promise<void>;
  /** Replaces the test's hook for `kind` (null removes it) from the next run on. */
  setHook(kind: HookKind, spec: HookSpec | null): void;
  records(filter?: Partial<Pick<HookRecord, 'kind' | 'node' | 'jobId'>>): HookRecord[];
  /** Waits for `count` finished records matching `filter` (default 1). */
  waitRecords(filter: Partial<Pick<HookRecord, 'kind' | 'node' | 'jobId'>>, count?: number, timeoutMs?: number): Promise<HookRecord[]>;
  /** Tails of every log, for failure messages. */
  logs(lines?: number): string;
  /** Cancels every job and waits for them to drain, stops the slurmd, then slurmctld,
   *  kills strays by pid, stops munged, removes the directory. Safe to call twice. */
  stop(): Promise<StopReport>;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY']);

function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const one = (): Promise<number> => new Promise((res, rej) => {
    const s = net.createServer();
    servers.push(s);
    s.once('error', rej);
    s.listen(0, () => res((s.address() as net.AddressInfo).port));
  });
  const all = async (): Promise<number[]> => {
    const out: number[] = [];
    // Held open together, so the ports are distinct.
    for (let i = 0; i < n; i++) out.push(await one());
    return out;
  };
  return all().finally(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SLURM')) env[k] = v;
  return { ...env, PATH: searchPath(), ...extra };
}

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const missing = slurmMissing();
  if (missing.length) throw new Error(`Slurm harness: missing ${missing.join(', ')}`);
  const t0 = Date.now();
  const count = o.nodes ?? 3;
  const nodeNames = Array.from({ length: count }, (_, i) => `${o.nodePrefix ?? 'n'}${i + 1}`);
  const host = hostname().split('.')[0];
  const parent = o.tmpdir ?? process.env.SLURM_HARNESS_TMPDIR ?? tmpdir();
  // slurmd makes a Unix socket per job step in its spool directory.
  const longest = join(parent, 'slurm-harness-XXXXXX', 'state', `slurmd-${nodeNames[count - 1]}`, `${nodeNames[count - 1]}_4294967294.4294967294`);
  if (longest.length > 107) throw new Error(`Slurm harness: ${parent} is too deep for slurmd's step sockets; set SLURM_HARNESS_TMPDIR`);
  const dir = mkdtempSync(join(parent, 'slurm-harness-'));
  chmodSync(dir, 0o755);
  const conf = join(dir, 'etc', 'slurm.conf');
  const marker = `SLURM_HARNESS_DIR=${dir}`;
  const keep = o.keep ?? process.env.SLURM_HARNESS_KEEP === '1';

  let munge: Munge | null = null;
  let ctld: Daemon | null = null;
  const slurmd: Record<string, Daemon> = {};
  const env = cleanEnv({ SLURM_CONF: conf, SLURM_HARNESS_DIR: dir });
  const daemonEnv: NodeJS.ProcessEnv = { PATH: searchPath(), LANG: 'C', HOME: process.env.HOME ?? '/root', SLURM_CONF: conf, SLURM_HARNESS_DIR: dir };
  const tool = (name: string): string => {
    const p = findTool(name);
    if (!p) throw new Error(`Slurm harness: ${name} not found`);
    return p;
  };
  const runTool = (name: string, args: string[], ro: RunOptions = {}): Promise<RunResult> =>
    run(tool(name), args, ro.env ? { ...env, ...ro.env } : env, ro.timeoutMs ?? 30000, ro.input);

  const logs = (lines = 15): string => {
    const files = [join(dir, 'log', 'slurmctld.log'), join(dir, 'log', 'slurmctld.out'),
      ...nodeNames.flatMap((n) => [join(dir, 'log', `slurmd-${n}.log`), join(dir, 'log', `slurmd-${n}.out`)]),
      join(dir, 'munge', 'munged.log')];
    return files.map((f) => `==> ${f} <==\n${tail(f, lines)}`).join('\n');
  };

  // Last resort if the process exits without stop(): SIGKILL what is still ours.
  const onExit = (): void => {
    for (const d of [...Object.values(slurmd), ctld, munge?.daemon]) if (d && !d.exited()) signal(d.pid, 'SIGKILL');
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const squeue = async (timeoutMs = 30000): Promise<{ jobId: number; state: string }[]> => {
    const r = await runTool('squeue', ['-h', '-o', '%A|%T'], { timeoutMs });
    if (r.rc !== 0) throw new Error(`squeue failed (${r.rc}): ${r.err}`);
    return r.out.split('\n').filter(Boolean).map((l) => {
      const [id, state] = l.split('|');
      return { jobId: Number(id), state };
    });
  };
  const nodes = async (timeoutMs = 30000): Promise<Record<string, NodeInfo>> => {
    const r = await runTool('sinfo', ['-h', '-N', '-o', '%N|%T|%E'], { timeoutMs });
    if (r.rc !== 0) throw new Error(`sinfo failed (${r.rc}): ${r.err}`);
    return parseSinfo(r.out);
  };
  const ctldUp = (): boolean => ctld !== null && !ctld.exited();

  const stopAll = async (): Promise<StopReport> => {
    const s0 = Date.now();
    const forced: string[] = [];
    let drained = true;
    process.off('exit', onExit);
    if (ctldUp()) {
      // Jobs first: slurmd leaves a running job's slurmstepd behind, and an epilog that
      // talks to a stopping slurmctld hangs.
      drained = false;
      const deadline = Date.now() + 20000;
      let cancelled = false;
      while (Date.now() < deadline && ctldUp()) {
        let q: { jobId: number; state: string }[];
        let ns: Record<string, NodeInfo>;
        try {
          q = await squeue(10000);
          ns = await nodes(10000);
        } catch {
          break; // the controller is not answering: nothing more to drain through it
        }
        const completing = Object.values(ns).some((n) => n.state.startsWith('completing'));
        if (q.length === 0 && !completing) { drained = true; break; }
        if (!cancelled && q.length) {
          await runTool('scancel', q.map((j) => String(j.jobId)), { timeoutMs: 10000 });
          cancelled = true;
        }
        await sleep(100);
      }
    }
    const ds = await Promise.all(Object.values(slurmd).map(async (d) => ((await d.stop(10000)) ? d.name : '')));
    forced.push(...ds.filter(Boolean));
    if (ctld && (await ctld.stop(10000))) forced.push(ctld.name);
    const mungePid = munge?.pid;
    const strays = findMarked(marker, dir).filter((p) => p !== mungePid);
    if (strays.length) {
      for (const p of strays) signal(p, 'SIGTERM');
      for (let i = 0; i < 20 && strays.some(alive); i++) await sleep(50);
      for (const p of strays) signal(p, 'SIGKILL');
    }
    if (munge && (await munge.stop())) forced.push('munged');
    if (!keep) rmSync(dir, { recursive: true, force: true });
    return { ms: Date.now() - s0, drained, forced, strays };
  };
  let stopping: Promise<StopReport> | null = null;
  const stop = (): Promise<StopReport> => (stopping ??= stopAll());
  o.t?.teardown(stop);

  try {
    for (const d of ['etc', 'state/ctld', 'run', 'log', 'hooks', ...nodeNames.map((n) => `state/slurmd-${n}`)]) {
      mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
    }
    // TaskProlog runs as the job's user, who may not be root.
    mkdirSync(join(dir, 'log', 'hooks'), { mode: 0o1777 });
    chmodSync(join(dir, 'log', 'hooks'), 0o1777);

    // slurmd executes the hooks and slurmstepd the batch scripts from this directory.
    const probe = join(dir, 'hooks', 'exec-probe');
    writeFileSync(probe, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const pr = await run(probe, [], env, 10000);
    if (pr.rc !== 0) throw new Error(`Slurm harness: cannot execute files in ${dir} (noexec mount?); set SLURM_HARNESS_TMPDIR: ${pr.err}`);
    rmSync(probe);

    munge = await startMunge(join(dir, 'munge'));

    const ports = await freePorts(count + 1);
    const ctldPort = ports[0];
    const nodePorts: Record<string, number> = {};
    nodeNames.forEach((n, i) => { nodePorts[n] = ports[i + 1]; });

    const hookKinds = HOOK_KINDS.filter((k) => !k.endsWith('ctld') || o.ctldHooks || o.hooks?.[k]);
    const wrappers = installHooks(dir, {
      PATH: searchPath(),
      SLURM_CONF: conf,
      SLURM_HARNESS_DIR: dir,
      SLURM_HARNESS_SCONTROL: o.recordCpuIds === false ? '0' : '1',
      ...o.hookEnv,
    }, hookKinds);
    for (const [k, spec] of Object.entries(o.hooks ?? {})) if (spec) setUserHook(dir, k as HookKind, spec);

    writeFileSync(conf, slurmConf({
      clusterName: o.clusterName ?? 'harness',
      host,
      dir,
      mungeSocket: munge.socket,
      credExpireS: o.credExpireS,
      ctldPort,
      nodes: nodeNames.map((name) => ({ name, port: nodePorts[name] })),
      cpusPerNode: o.cpusPerNode ?? 16,
      realMemoryMb: o.realMemoryMb ?? 4000,
      hooks: wrappers,
      prologEpilogTimeoutS: o.prologEpilogTimeoutS ?? 60,
      extra: o.extraConf ?? [],
    }));

    const startTimeout = o.startTimeoutMs ?? 60000;
    const deadline = t0 + startTimeout;
    const fail = (why: string): Error => new Error(`Slurm harness: ${why}\n${logs()}`);
    ctld = startDaemon('slurmctld', tool('slurmctld'), ['-D', '-f', conf], { env: daemonEnv, log: join(dir, 'log', 'slurmctld.out'), cwd: dir });
    // slurmd registers at start; a controller not yet listening only delays that.
    while (!(await canConnect(ctldPort))) {
      if (ctld.exited()) throw fail('slurmctld exited at start');
      if (Date.now() > deadline) throw fail(`slurmctld did not listen on ${ctldPort} within ${startTimeout} ms`);
      await sleep(50);
    }
    for (const n of nodeNames) {
      slurmd[n] = startDaemon(`slurmd-${n}`, tool('slurmd'), ['-D', '-f', conf, '-N', n], { env: daemonEnv, log: join(dir, 'log', `slurmd-${n}.out`), cwd: dir });
    }
    for (;;) {
      const dead = [ctld, ...Object.values(slurmd)].find((d) => d.exited());
      if (dead) throw fail(`${dead.name} exited at start`);
      let ns: Record<string, NodeInfo> = {};
      try {
        ns = await nodes();
      } catch (e) {
        if (Date.now() > deadline) throw fail(`sinfo never answered: ${(e as Error).message}`);
      }
      if (nodeNames.every((n) => ns[n]?.state === 'idle')) break;
      if (Date.now() > deadline) {
        throw fail(`nodes not idle within ${startTimeout} ms: ${nodeNames.map((n) => `${n}=${ns[n]?.rawState ?? '?'}`).join(' ')}`);
      }
      await sleep(100);
    }
    const upMs = Date.now() - t0;

    const job = async (jobId: number): Promise<JobInfo | null> => {
      const r = await runTool('scontrol', ['show', 'job', '-d', String(jobId)]);
      if (r.rc !== 0) {
        if (/Invalid job id/i.test(r.err + r.out)) return null;
        throw new Error(`scontrol show job ${jobId} failed (${r.rc}): ${r.err}`);
      }
      return parseJob(r.out);
    };
    const update = async (args: string[]): Promise<void> => {
      const r = await runTool('scontrol', ['update', ...args]);
      if (r.rc !== 0) throw new Error(`scontrol update ${args.join(' ')} failed (${r.rc}): ${r.err}`);
    };
    const matches = (r: HookRecord, f: Partial<Pick<HookRecord, 'kind' | 'node' | 'jobId'>>): boolean =>
      (f.kind === undefined || r.kind === f.kind) && (f.node === undefined || r.node === f.node) &&
      (f.jobId === undefined || r.jobId === f.jobId);

    const c: Cluster = {
      dir, conf, host, nodeNames, ctldPort, nodePorts, munge, ctld, slurmd, env, upMs,
      run: runTool,
      srun: (args, ro) => runTool('srun', args, { timeoutMs: 60000, ...ro }),
      async sbatch(args, script) {
        const r = await runTool('sbatch', ['--parsable', ...args], { input: script });
        const m = /^(\d+)/.exec(r.out.trim());
        if (r.rc !== 0 || !m) throw new Error(`sbatch ${args.join(' ')} failed (${r.rc}): ${r.err}${r.out}`);
        return Number(m[1]);
      },
      scancel: (args) => runTool('scancel', args),
      scontrol: (args) => runTool('scontrol', args),
      squeue: () => squeue(),
      job,
      async waitJob(jobId, want, timeoutMs = 30000) {
        const ok = typeof want === 'function' ? want : (j: JobInfo) => ([] as string[]).concat(want).includes(j.state);
        const end = Date.now() + timeoutMs;
        let last: JobInfo | null = null;
        for (;;) {
          last = await job(jobId);
          if (last && ok(last)) return last;
          if (last && typeof want !== 'function' && TERMINAL.has(last.state)) {
            throw new Error(`job ${jobId} ended ${last.state}, not ${String(want)}:\n${last.raw}`);
          }
          if (Date.now() > end) throw new Error(`job ${jobId} not ${typeof want === 'function' ? 'as wanted' : String(want)} within ${timeoutMs} ms:\n${last?.raw ?? '(unknown to slurmctld)'}`);
          await sleep(100);
        }
      },
      nodes: () => nodes(),
      async waitNodes(want, timeoutMs = 30000) {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const ns = await nodes();
          if (want(ns)) return ns;
          if (Date.now() > end) throw new Error(`nodes not as wanted within ${timeoutMs} ms: ${JSON.stringify(ns)}`);
          await sleep(100);
        }
      },
      drain: (node, reason) => update([`NodeName=${node}`, 'State=DRAIN', `Reason=${reason}`]),
      resume: (node) => update([`NodeName=${node}`, 'State=RESUME']),
      setHook: (kind, spec) => {
        if (!hookKinds.includes(kind)) throw new Error(`hook ${kind} is not configured (ctldHooks: true configures the controller's)`);
        setUserHook(dir, kind, spec);
      },
      records: (filter = {}) => readRecords(dir).filter((r) => matches(r, filter)),
      async waitRecords(filter, n = 1, timeoutMs = 30000) {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const rs = readRecords(dir).filter((r) => matches(r, filter) && r.end !== null);
          if (rs.length >= n) return rs;
          if (Date.now() > end) throw new Error(`${n} finished ${JSON.stringify(filter)} hook records not seen within ${timeoutMs} ms (have ${rs.length})`);
          await sleep(50);
        }
      },
      logs,
      stop,
    };
    return c;
  } catch (e) {
    await stop();
    throw e;
  }
}
