// SPDX-License-Identifier: GPL-2.0-or-later
//
// Run an experiment (cmd/lib/experiment.ts) in fast virtual time on a kernel built in
// this process: the same stack `akaros serve` boots (kernel, devices, namespace, 9P
// server) with no real-time driver, so virtual time moves only when the script steps it.
// Everything the script does goes through the user's files over 9P (an in-memory
// connection per user): `cat /mcp/clone`, `echo cores 4 > /mcp/N/ctl`, `echo step 10ms >
// /sim/ctl` as the host owner. The one thing taken from the kernel directly is the trace:
// the runner holds it open from boot and keeps every record (a /sim/trace reader could
// fall behind while a long step runs; this one cannot), formatted exactly as /sim/trace
// formats them. The whole trace is kept in memory, bounded by MAX_RECORDS.
//
// Like cmd/boot.ts this file may reach every layer (test/layers/graph.ts IN_PROCESS).

import { Kernel } from '../kern/index.js';
import { makeDevices } from '../devs/index.js';
import { cpulistParse, parseDuration } from '../devs/dev.js';
import { formatTrace, traceSnapshot } from '../devs/sim/trace.js';
import { createNamespaceServer } from '../ns/server.js';
import { Server } from '../srv/server.js';
import { Client } from '../lib/9p/client.js';
import { duplexPair } from '../lib/9p/duplex.js';
import { NONUNAME, OTRUNC, OWRITE } from '../lib/9p/const.js';
import { P9Error } from '../lib/9p/error.js';
import { parseKeyed } from '../lib/keyed.js';
import { parseTopology } from './boot.js';
import { CliError, usage } from './lib/connect.js';
import { judge, substitute, type Experiment } from './lib/experiment.js';
import { parseTrace } from './lib/trace-parse.js';
import type { McpResult, Results, WorkloadResult } from './lib/results.js';

/** A run keeps at most this many trace records (about 1 GB of lines would be far past it). */
export const MAX_RECORDS = 5_000_000;

/** A workload an MCP can run; the programs work registers its kinds here. */
export interface Workload {
  /** Called once the MCP exists; `emit` adds a record (e.g. a `phase`) to the trace. */
  start(ctx: WorkloadContext): void | Promise<void>;
  /** Called when the run ends: the samples for results.json. */
  finish(): WorkloadResult[] | Promise<WorkloadResult[]>;
}

export interface WorkloadContext {
  id: string;
  pid: number;
  kernel: Kernel;
  spec: Record<string, unknown>;
}

export const WORKLOADS = new Map<string, (spec: Record<string, unknown>) => Workload>();

export interface WriteRecord { at: number; user: string; path: string; text: string; ok: boolean; error?: string }

export interface ExperimentRun {
  results: Results;
  /** the trace, one /sim/trace line each */
  lines: string[];
  /** virtual ns at the end */
  end: number;
  pids: Map<string, number>;
  writes: WriteRecord[];
}

class Conn {
  constructor(readonly c: Client, readonly user: string) {}

  async read(path: string): Promise<string> {
    return (await this.c.readFile(path.replace(/^\/+/, ''))).toString();
  }

  /** echo TEXT > PATH; a refusal carries /dev/errstr's detail. */
  async write(path: string, text: string): Promise<void> {
    const f = await this.c.root!.walk(path.split('/').filter(Boolean));
    try {
      await f.open(OWRITE | OTRUNC);
      await f.write(0n, Buffer.from(text.endsWith('\n') ? text : `${text}\n`));
    } catch (e) {
      if (e instanceof P9Error) {
        const detail = (await this.read('/dev/errstr').catch(() => '')).trim();
        throw new CliError(`${this.user}: ${text.trim()} > ${path}: ${detail || e.message}`, 1, e.errno, e.ename);
      }
      throw e;
    } finally {
      await f.clunk().catch(() => {});
    }
  }
}

const numeric = (m: Map<string, string>): Record<string, string | number> =>
  Object.fromEntries([...m].map(([k, v]) => [k, /^-?\d+$/.test(v) ? Number(v) : v]));

export async function runExperiment(exp: Experiment): Promise<ExperimentRun> {
  const mc = exp.machine;
  const hostowner = mc.hostowner ?? 'eve';
  let kernel: Kernel;
  try {
    kernel = new Kernel({
      ncores: mc.cores,
      llCores: cpulistParse(mc.ll, mc.cores - 1),
      topology: mc.topology ? parseTopology(mc.topology) : undefined,
      policy: mc.policy,
      graceNs: Number(parseDuration(mc.grace)),
      tickNs: mc.tick ? Number(parseDuration(mc.tick)) : undefined,
      seed: exp.seed,
      hostowner,
    });
  } catch (e) {
    throw usage(`machine: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lines: string[] = [];
  const tr = kernel.trace;
  tr.open();
  let seen = tr.next;
  let overflow = false;
  // Every record as it is made (nothing is ever waiting in the ring); past MAX_RECORDS the
  // run is failed after the step that went over, never from inside the kernel.
  const unsub = tr.subscribe(() => {
    for (; seen < tr.next; seen++) {
      const r = tr.at(seen);
      if (r && !overflow) lines.push(formatTrace(r));
    }
    if (lines.length > MAX_RECORDS) overflow = true;
  });
  lines.push(...traceSnapshot(kernel));

  const devs = makeDevices({ kernel, hostowner, realtime: false, seed: exp.seed });
  const ns = createNamespaceServer({ devices: devs.devices, hostowner });
  const server = new Server({ ns, hostowner });
  const conns = new Map<string, Conn>();
  const as = async (user: string): Promise<Conn> => {
    let c = conns.get(user);
    if (!c) {
      const [a, b] = duplexPair();
      server.serve(a);
      const client = await Client.connect(b, { dialect: '9P2000.L' });
      await client.attach({ uname: user, aname: '', nUname: NONUNAME });
      conns.set(user, (c = new Conn(client, user)));
    }
    return c;
  };
  const host = await as(hostowner);
  const stepTo = async (t: number): Promise<void> => {
    const now = kernel.now();
    if (t > now) await host.write('/sim/ctl', `step ${t - now}`);
    if (overflow) throw new CliError(`experiment ${exp.name}: more than ${MAX_RECORDS} trace records by ${kernel.now()}ns`);
  };

  const pids = new Map<string, number>();
  const writes: WriteRecord[] = [];
  const running: { id: string; w: Workload }[] = [];
  try {
    for (const m of exp.mcps) {
      if (m.workload && !WORKLOADS.has(m.workload.kind)) {
        throw usage(`mcps ${m.id}: no workload kind "${m.workload.kind}" (known: ${[...WORKLOADS.keys()].join(', ') || 'none yet'})`);
      }
    }
    for (const m of exp.mcps) {
      const c = await as(m.user ?? exp.user);
      const pid = Number((await c.read('/mcp/clone')).trim());
      pids.set(m.id, pid);
      if (m.name) await c.write(`/mcp/${pid}/ctl`, `name ${m.name}`);
    }
    for (const m of exp.mcps) {
      if (!m.workload) continue;
      const w = WORKLOADS.get(m.workload.kind)!(m.workload);
      running.push({ id: m.id, w });
      await w.start({ id: m.id, pid: pids.get(m.id)!, kernel, spec: m.workload });
    }
    for (const s of exp.script) {
      await stepTo(s.at);
      const user = s.user ?? exp.user;
      const path = substitute(s.path, pids), text = substitute(s.text, pids);
      try {
        await (await as(user)).write(path, text);
        writes.push({ at: kernel.now(), user, path, text, ok: true });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        writes.push({ at: kernel.now(), user, path, text, ok: false, error: msg });
        if (!s.mayFail) throw e instanceof CliError ? e : new CliError(msg);
      }
    }
    await stepTo(exp.duration);

    const mcps: McpResult[] = [];
    const status = new Map<string, Record<string, string | number>>();
    for (const m of exp.mcps) {
      const pid = pids.get(m.id)!;
      const st = await host.read(`/mcp/${pid}/status`).catch(() => '');
      const stat = await host.read(`/mcp/${pid}/stat`).catch(() => '');
      const rec: McpResult = { id: m.id, pid, name: m.name ?? '', status: numeric(parseKeyed(st)), stat: numeric(parseKeyed(stat)) };
      mcps.push(rec);
      status.set(m.id, rec.status);
    }
    const workloads: WorkloadResult[] = [];
    for (const r of running) workloads.push(...await r.w.finish());
    const results: Results = {
      experiment: exp.name, seed: exp.seed, duration_ns: exp.duration, mcps, workloads,
      checks: judge(exp, parseTrace(lines.join('\n')), pids, status),
    };
    return { results, lines, end: kernel.now(), pids, writes };
  } finally {
    unsub();
    tr.close();
    for (const c of conns.values()) c.c.close();
    devs.close();
    await server.close();
  }
}
