// SPDX-License-Identifier: GPL-2.0-or-later
//
// Slurm's node prolog and epilog as akaros clients (contrib/slurm/README.md): the prolog
// makes the job's cores on this node an MCP named slurm-JOBID, owned by the job's user
// and provisioned exactly the CPUs Slurm allocated here; the epilog kills it, reaps it
// and checks that its cores came back. The hooks configuration (which server each node
// has, how Slurm's CPU ids map to our cores, where the job's view is written) is one small
// file, /etc/akaros/slurm.conf by default.
//
// Two entry points share this file: `akaros slurm prolog|epilog` (oclif, for people) and
// cmd/slurm-hook.ts (bin/akaros-slurm, what contrib/slurm's scripts run). Slurm runs a
// hook on every node of every job, so this file must not import @oclif/core: starting the
// full CLI costs several times the hook's own work.

import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpulistFmt, cpulistParse } from '../../lib/cpulist.js';
import { CliError, Session } from './connect.js';
import { parseColumns, parseKeyed } from './format.js';

export const DEFAULT_CONF = '/etc/akaros/slurm.conf';
export const DEFAULT_SPOOL = '/run/akaros/slurm';
/** The prefix of a job's MCP name: slurm-JOBID (at most 19 bytes: a job id of ≤ 13 digits). */
export const MCP_PREFIX = 'slurm-';

export interface NodeEntry {
  /** The node's akaros server. */
  address: string;
  /** Slurm CPU id i → our core map[i]; undefined: the i-th CG core (LL cores excluded). */
  map?: number[];
}

export interface HooksConf {
  file: string;
  spool: string;
  auth: 'none' | 'munge';
  /** A file each hook run appends one line to (undefined: none). */
  log?: string;
  /** Node name → entry; '*' is any node not listed. */
  nodes: Map<string, NodeEntry>;
}

function confError(file: string, line: number, msg: string): CliError {
  return new CliError(`${file}:${line}: ${msg}`, 2);
}

/**
 * The hooks configuration: one setting per line, `#` starts a comment.
 *   spool DIR                      where the job's view is written (default /run/akaros/slurm)
 *   auth none|munge                how the hooks attach (default none)
 *   log FILE                       one line per hook run: what it did, or why it failed
 *   node NAME ADDRESS [map=LIST]   NAME's akaros server; `*` for any other node
 */
export function parseHooksConf(text: string, file: string): HooksConf {
  const c: HooksConf = { file, spool: DEFAULT_SPOOL, auth: 'none', nodes: new Map() };
  text.split('\n').forEach((raw, i) => {
    const f = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (f.length === 0) return;
    const n = i + 1;
    switch (f[0]) {
      case 'spool':
        if (f.length !== 2) throw confError(file, n, 'spool DIR');
        c.spool = f[1];
        break;
      case 'auth':
        if (f.length !== 2 || (f[1] !== 'none' && f[1] !== 'munge')) throw confError(file, n, 'auth none|munge');
        c.auth = f[1];
        break;
      case 'log':
        if (f.length !== 2) throw confError(file, n, 'log FILE');
        c.log = f[1];
        break;
      case 'node': {
        if (f.length < 3 || f.length > 4) throw confError(file, n, 'node NAME ADDRESS [map=LIST]');
        const e: NodeEntry = { address: f[2] };
        if (f[3] !== undefined) {
          const m = /^map=(.+)$/.exec(f[3]);
          if (!m) throw confError(file, n, `"${f[3]}": want map=LIST`);
          // The map lists our cores in Slurm CPU id order, so it is read in order, not as a set.
          e.map = m[1].split(',').flatMap((part) => {
            const r = /^(\d+)(?:-(\d+))?$/.exec(part);
            if (!r) throw confError(file, n, `bad map "${m[1]}"`);
            const a = Number(r[1]), b = r[2] === undefined ? a : Number(r[2]);
            if (b < a || b - a > 65535) throw confError(file, n, `bad range "${part}" in map`);
            return Array.from({ length: b - a + 1 }, (_, k) => a + k);
          });
          if (new Set(e.map).size !== e.map.length) throw confError(file, n, `map "${m[1]}" names a core twice`);
        }
        if (c.nodes.has(f[1])) throw confError(file, n, `node ${f[1]} listed twice`);
        c.nodes.set(f[1], e);
        break;
      }
      default:
        throw confError(file, n, `unknown setting "${f[0]}"`);
    }
  });
  return c;
}

export function loadHooksConf(file: string): HooksConf {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, 2);
  }
  return parseHooksConf(text, file);
}

export function nodeEntry(c: HooksConf, node: string): NodeEntry {
  const e = c.nodes.get(node) ?? c.nodes.get('*');
  if (!e) throw new CliError(`${c.file}: no "node ${node}" line (and no "node *")`, 2);
  return e;
}

/** Slurm hostlist expression → names: `n[1-3,05]`, `a1,b[2-3]`, `r[1-2]-n[1-2]`. */
export function expandHostlist(s: string): string[] {
  const out: string[] = [];
  // Split on commas outside brackets.
  let depth = 0, start = 0;
  const parts: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']') depth--;
    else if (s[i] === ',' && depth === 0) { parts.push(s.slice(start, i)); start = i + 1; }
  }
  parts.push(s.slice(start));
  for (const p of parts) {
    let names = [''];
    for (const tok of p.split(/(\[[^\]]*\])/).filter((x) => x !== '')) {
      if (!tok.startsWith('[')) { names = names.map((n) => n + tok); continue; }
      const alts = tok.slice(1, -1).split(',').flatMap((r) => {
        const m = /^(\d+)(?:-(\d+))?$/.exec(r);
        if (!m) throw new CliError(`bad hostlist "${s}"`);
        if (m[2] === undefined) return [m[1]];
        const a = Number(m[1]), b = Number(m[2]);
        if (b < a || b - a > 100000) throw new CliError(`bad hostlist range "${r}" in "${s}"`);
        return Array.from({ length: b - a + 1 }, (_, k) => String(a + k).padStart(m[1].length, '0'));
      });
      names = names.flatMap((n) => alts.map((x) => n + x));
    }
    out.push(...names);
  }
  return out.filter((n) => n !== '');
}

/** This node's CPU_IDs in `scontrol show job -d` output (null: the node is not in it). */
export function cpuIdsOf(scontrol: string, node: string): number[] | null {
  let found: number[] | null = null;
  for (const m of scontrol.matchAll(/\bNodes=(\S+)\s+CPU_IDs=(\S+)/g)) {
    if (expandHostlist(m[1]).includes(node)) found = [...(found ?? []), ...cpulistParse(m[2], 1 << 20)];
  }
  return found === null ? null : [...new Set(found)].sort((a, b) => a - b);
}

/** Asks scontrol for the job's CPU ids on `node`. */
export function slurmCpuIds(jobId: string, node: string, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile('scontrol', ['show', 'job', '-d', jobId], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) { reject(new CliError(`scontrol show job -d ${jobId}: ${stderr.trim() || err.message}`)); return; }
      const ids = cpuIdsOf(stdout, node);
      if (ids === null || ids.length === 0) reject(new CliError(`scontrol show job -d ${jobId}: no CPU_IDs for node ${node}`));
      else resolve(ids);
    });
  });
}

/** The machine's shape, from /core/ctl. */
export interface Shape { ncores: number; ll: number[]; cg: number[] }

export async function readShape(s: Session): Promise<Shape> {
  const k = parseKeyed(await s.read('/core/ctl'));
  const ncores = Number(k.ncores);
  const ll = cpulistParse(k.ll ?? '');
  const cg = Array.from({ length: ncores }, (_, i) => i).filter((i) => !ll.includes(i));
  return { ncores, ll, cg };
}

/** Slurm CPU ids → our cores: through the node's map, else the i-th CG core. */
export function mapCpus(ids: number[], entry: NodeEntry, shape: Shape): number[] {
  const table = entry.map ?? shape.cg;
  return ids.map((i) => {
    const core = table[i];
    if (core === undefined) {
      throw new CliError(`Slurm CPU ${i}: ${entry.map ? 'not in the node\'s map' : `the machine has ${shape.cg.length} CG cores`} (${cpulistFmt(table)})`);
    }
    if (shape.ll.includes(core)) throw new CliError(`Slurm CPU ${i} maps to core ${core}, an LL core`);
    return core;
  });
}

export const mcpName = (jobId: string): string => `${MCP_PREFIX}${jobId}`;

export interface JobMcp { pid: number; user: string; state: string }

/** Every process named slurm-JOBID (normally none or one). */
export async function findJobMcps(s: Session, jobId: string): Promise<JobMcp[]> {
  const name = mcpName(jobId);
  const pids = (await s.ls('/mcp')).map((e) => e.name).filter((n) => /^\d+$/.test(n));
  const found = await Promise.all(pids.map(async (p) => {
    const st = await s.readMaybe(`/mcp/${p}/status`);
    if (st === undefined) return null;
    const k = parseKeyed(st);
    return k.name === name ? { pid: Number(p), user: k.user ?? '', state: k.state ?? '' } : null;
  }));
  return found.filter((x): x is JobMcp => x !== null);
}

/** Kill (unless dead already), then read its wait file: as the owner or the host owner
 *  that reaps it. Resolves with the wait record. */
export async function killAndWait(s: Session, pid: number, timeoutMs: number): Promise<string> {
  try {
    await s.write(`/mcp/${pid}/ctl`, 'kill\n');
  } catch (e) {
    // A process that died by itself answers ESRCH to every verb; its wait record is still there.
    if (!(e instanceof CliError && e.ename === 'ESRCH')) throw e;
  }
  const f = await s.openRead(`/mcp/${pid}/wait`);
  try {
    return (await f.read(0n, 256, AbortSignal.timeout(timeoutMs))).toString().trim();
  } finally {
    await f.clunk().catch(() => undefined);
  }
}

/** Cores /core/map still shows provisioned to or running `pid`. */
export async function coresHeldBy(s: Session, pid: number): Promise<number[]> {
  const rows = parseColumns(await s.read('/core/map'));
  return rows.filter((r) => r.prov === String(pid) || r.alloc === String(pid)).map((r) => Number(r.core));
}

/** The job's view: spool/JOBID.NODE, `NAME=value` lines the TaskProlog exports. */
export function viewFile(spool: string, jobId: string, node: string): string {
  return join(spool, `${jobId}.${node}`);
}

export function writeView(spool: string, jobId: string, node: string, vars: Record<string, string>): string {
  mkdirSync(spool, { recursive: true, mode: 0o755 });
  const f = viewFile(spool, jobId, node);
  const tmp = `${f}.tmp${process.pid}`;
  writeFileSync(tmp, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o644 });
  renameSync(tmp, f);
  return f;
}

export function removeView(spool: string, jobId: string, node: string): void {
  rmSync(viewFile(spool, jobId, node), { force: true });
}

/** What a hook knows of the job: Slurm's environment, or flags. */
export interface JobContext { jobId: string; user: string; node: string }

export function jobContext(env: NodeJS.ProcessEnv, flags: { job?: string; 'job-user'?: string; node?: string }): JobContext {
  const jobId = flags.job ?? env.SLURM_JOB_ID;
  const user = flags['job-user'] ?? env.SLURM_JOB_USER;
  const node = flags.node ?? env.SLURMD_NODENAME;
  const missing = [!jobId && 'SLURM_JOB_ID (--job)', !user && 'SLURM_JOB_USER (--job-user)', !node && 'SLURMD_NODENAME (--node)'].filter(Boolean);
  if (missing.length) throw new CliError(`not run by slurmd: no ${missing.join(', ')}`, 2);
  if (!/^\d{1,13}$/.test(jobId!)) throw new CliError(`job id "${jobId}": want a number of at most 13 digits`, 2);
  return { jobId: jobId!, user: user!, node: node! };
}

export interface PrologResult {
  job: string; node: string; user: string; address: string; pid: number;
  slurm_cpus: string; cores: string; replaced: number[];
}

export interface PrologOptions {
  ctx: JobContext; conf: HooksConf; address?: string;
  /** Slurm's CPU ids on this node; undefined: ask scontrol. */
  cpus?: number[];
  timeoutMs: number;
}

/**
 * The prolog, acting as the job's user: any process left named slurm-JOBID (a prolog of
 * the same job whose epilog never ran) is killed and reaped, then a new MCP is created,
 * named, provisioned exactly the mapped cores and guaranteed their count, in one ctl
 * write; if that write fails the new process is killed and reaped.
 */
export async function prolog(o: PrologOptions): Promise<PrologResult> {
  const entry = nodeEntry(o.conf, o.ctx.node);
  const address = o.address ?? entry.address;
  // scontrol (a fork and an RPC to slurmctld) runs while the 9P session is set up.
  const asked = o.cpus !== undefined ? Promise.resolve(o.cpus) : slurmCpuIds(o.ctx.jobId, o.ctx.node, o.timeoutMs);
  asked.catch(() => undefined); // awaited below; a dial failure first must not leave it unhandled
  const s = await Session.open({ address, user: o.ctx.user, dialect: '9P2000.L', auth: o.conf.auth, speakFor: true });
  try {
    const [slurm, shape, stale] = await Promise.all([asked, readShape(s), findJobMcps(s, o.ctx.jobId)]);
    const cores = mapCpus(slurm, entry, shape);
    for (const m of stale) await killAndWait(s, m.pid, o.timeoutMs);
    const pid = Number((await s.read('/mcp/clone')).trim());
    try {
      await s.write(`/mcp/${pid}/ctl`, `name ${mcpName(o.ctx.jobId)}\nprov ${cpulistFmt(cores)}\ncores ${cores.length}\n`);
    } catch (e) {
      await killAndWait(s, pid, o.timeoutMs).catch(() => undefined);
      throw e;
    }
    writeView(o.conf.spool, o.ctx.jobId, o.ctx.node, { AKAROS_MCP: String(pid), AKAROS_ADDRESS: address });
    return {
      job: o.ctx.jobId, node: o.ctx.node, user: o.ctx.user, address, pid,
      slurm_cpus: cpulistFmt(slurm), cores: cpulistFmt(cores), replaced: stale.map((m) => m.pid),
    };
  } finally {
    s.close();
  }
}

export interface EpilogResult { job: string; node: string; address: string; killed: Array<{ pid: number; cores: string; wait: string }> }

/**
 * The epilog, as the job's user: every process named slurm-JOBID is killed and reaped,
 * and the cores it held must be neither provisioned to it nor running it afterwards.
 * None found is success (the job's MCP is already gone).
 */
export async function epilog(o: { ctx: JobContext; conf: HooksConf; address?: string; timeoutMs: number }): Promise<EpilogResult> {
  const address = o.address ?? nodeEntry(o.conf, o.ctx.node).address;
  const s = await Session.open({ address, user: o.ctx.user, dialect: '9P2000.L', auth: o.conf.auth, speakFor: true });
  const killed: EpilogResult['killed'] = [];
  try {
    for (const m of await findJobMcps(s, o.ctx.jobId)) {
      const held = await coresHeldBy(s, m.pid);
      const wait = await killAndWait(s, m.pid, o.timeoutMs);
      const still = await coresHeldBy(s, m.pid);
      if (still.length) throw new CliError(`pid ${m.pid} (${mcpName(o.ctx.jobId)}) still holds cores ${cpulistFmt(still)} after it died`);
      killed.push({ pid: m.pid, cores: cpulistFmt(held), wait });
    }
  } finally {
    s.close();
  }
  removeView(o.conf.spool, o.ctx.jobId, o.ctx.node);
  return { job: o.ctx.jobId, node: o.ctx.node, address, killed };
}

/** One line in the configured log (best effort: a full disk must not fail the job). */
export function hookLog(conf: HooksConf | undefined, line: string): void {
  if (!conf?.log) return;
  try {
    appendFileSync(conf.log, `${new Date().toISOString()} ${line}\n`);
  } catch (e) {
    process.stderr.write(`akaros: ${conf.log}: ${(e as Error).message}\n`);
  }
}

/** The options both hooks take (the oclif flags and bin/akaros-slurm's are built from
 *  this); Slurm's environment supplies the job. */
export interface HookOption { summary: string; type: 'string' | 'integer'; default?: string | number; env?: string }
export const HOOK_OPTIONS: Record<string, HookOption> = {
  conf: { type: 'string', env: 'AKAROS_SLURM_CONF', default: DEFAULT_CONF, summary: 'The hooks configuration (nodes, spool, auth, log).' },
  job: { type: 'string', summary: 'Job id (default: $SLURM_JOB_ID).' },
  'job-user': { type: 'string', summary: 'The job\'s user (default: $SLURM_JOB_USER).' },
  node: { type: 'string', summary: 'This node\'s Slurm name (default: $SLURMD_NODENAME).' },
  server: { type: 'string', summary: 'This node\'s akaros server (default: its "node" line in --conf).' },
  'hook-timeout': { type: 'integer', default: 20, summary: 'Give up (exit 1) after this many seconds.' },
};
/** The prolog's one more option. */
export const CPUS_OPTION: HookOption = { type: 'string', summary: 'Slurm\'s CPU ids for this node, a cpulist (default: ask scontrol show job -d).' };

export interface HookFlags {
  conf: string; job?: string; 'job-user'?: string; node?: string; server?: string;
  'hook-timeout': number; cpus?: string;
}

/** One prolog run as a hook: the job from Slurm's environment (or flags), the result
 *  logged in the configured log either way. Resolves with the log line. */
export async function runProlog(flags: HookFlags, env: NodeJS.ProcessEnv): Promise<{ line: string; result: PrologResult }> {
  let conf: HooksConf | undefined;
  const ctx = jobContext(env, flags);
  try {
    conf = loadHooksConf(flags.conf);
    const cpus = flags.cpus === undefined ? undefined : cpulistParse(flags.cpus, 1 << 20);
    const ms = flags['hook-timeout'] * 1000;
    const r = await within(ms, `prolog of job ${ctx.jobId}`, prolog({ ctx, conf, address: flags.server, cpus, timeoutMs: ms }));
    const line = `prolog job ${r.job} node ${r.node} user ${r.user}: pid ${r.pid} slurm cpus ${r.slurm_cpus} cores ${r.cores}` +
      (r.replaced.length ? ` (killed stale ${r.replaced.join(',')})` : '');
    hookLog(conf, line);
    return { line, result: r };
  } catch (e) {
    hookLog(conf, `prolog job ${ctx.jobId} node ${ctx.node} user ${ctx.user}: FAILED: ${(e as Error).message}`);
    throw e;
  }
}

/** One epilog run as a hook, logged like runProlog. */
export async function runEpilog(flags: HookFlags, env: NodeJS.ProcessEnv): Promise<{ line: string; result: EpilogResult }> {
  let conf: HooksConf | undefined;
  const ctx = jobContext(env, flags);
  try {
    conf = loadHooksConf(flags.conf);
    const ms = flags['hook-timeout'] * 1000;
    const r = await within(ms, `epilog of job ${ctx.jobId}`, epilog({ ctx, conf, address: flags.server, timeoutMs: ms }));
    const line = `epilog job ${r.job} node ${r.node}: ` +
      (r.killed.length ? r.killed.map((k) => `pid ${k.pid} cores ${k.cores || '-'} released (${k.wait})`).join('; ') : 'no MCP (already gone)');
    hookLog(conf, line);
    return { line, result: r };
  } catch (e) {
    hookLog(conf, `epilog job ${ctx.jobId} node ${ctx.node}: FAILED: ${(e as Error).message}`);
    throw e;
  }
}

/** Rejects after `ms` (the hook then exits non-zero and Slurm drains the node). */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new CliError(`${what}: no answer within ${ms / 1000} s`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
