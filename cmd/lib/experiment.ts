// SPDX-License-Identifier: GPL-2.0-or-later
//
// The experiment file `akaros sim run` reads (examples/README.md shows it in full):
//
//   { "name": "lend-and-reclaim",
//     "machine": { "cores": 16, "ll": "0", "topology": "sockets=2", "policy": "fcfs",
//                  "grace": "10ms", "tick": "10ms", "hostowner": "eve" },
//     "seed": 1, "duration": "600ms", "user": "glenda",
//     "mcps": [ { "id": "A", "name": "spin" }, { "id": "B", "user": "glenda", "workload": {...} } ],
//     "script": [ { "at": "0", "mcp": "A", "ctl": "cores 4" },
//                 { "at": "300ms", "path": "/core/ctl", "write": "grace 200ms", "user": "eve" } ],
//     "expect": [ { "at": "510ms", "record": "revoke pid=$B pcore=1" },
//                 { "mcp": "A", "status": { "granted": 4 } } ] }
//
// Times are durations (lib/duration: 250, 10us, 2ms, 1.5s) of virtual time from boot.
// `$ID` in a path, a ctl line or an expected record is the pid of that MCP. This file only
// reads and checks the file and judges the expectations; cmd/experiment.ts runs it.

import { parseDuration } from '../../lib/duration.js';
import { usage } from './connect.js';
import type { TraceRec } from './trace-parse.js';
import { parseTraceLine } from './trace-parse.js';

export interface MachineSpec {
  cores?: number;
  ll?: string;
  topology?: string;
  policy?: 'fcfs' | 'packed';
  grace?: string;
  tick?: string;
  hostowner?: string;
}

export interface McpSpec {
  id: string;
  name?: string;
  user?: string;
  /** what the MCP runs (the programs work adds the kinds); omitted: it only holds cores */
  workload?: { kind: string; [k: string]: unknown };
}

export interface Step {
  /** virtual ns from boot */
  at: number;
  /** the file written: /mcp/PID/ctl for an `mcp` step */
  path: string;
  text: string;
  /** who writes it (default: the MCP's user for an mcp step, else the experiment's user) */
  user?: string;
  /** a refusal is recorded in the results instead of ending the run */
  mayFail: boolean;
}

export interface Expectation {
  /** a trace record `KIND key=value...` (a subset of its fields) at virtual time `at` */
  record?: string;
  at?: number;
  /** final /mcp/PID/status fields of MCP `mcp` */
  mcp?: string;
  status?: Record<string, string | number>;
}

export interface Experiment {
  name: string;
  description: string;
  machine: Required<Pick<MachineSpec, 'cores' | 'll' | 'policy' | 'grace'>> & MachineSpec;
  seed: number;
  duration: number;
  user: string;
  mcps: McpSpec[];
  script: Step[];
  expect: Expectation[];
}

const obj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

function dur(x: unknown, where: string): number {
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
  if (typeof x !== 'string') throw usage(`${where}: want a duration such as "10ms"`);
  try {
    return Number(parseDuration(x));
  } catch {
    throw usage(`${where}: bad duration "${x}"`);
  }
}

function strOpt(x: unknown, where: string): string | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== 'string') throw usage(`${where}: want a string`);
  return x;
}

/** A parsed experiment file, every field checked (usage error naming the bad one). */
export function parseExperiment(x: unknown, fallbackName = 'experiment'): Experiment {
  if (!obj(x)) throw usage('experiment: not a JSON object');
  const m = x.machine === undefined ? {} : x.machine;
  if (!obj(m)) throw usage('machine: want an object');
  const cores = m.cores ?? 16;
  if (typeof cores !== 'number' || !Number.isInteger(cores) || cores < 2 || cores > 65536) throw usage(`machine.cores: ${String(cores)}: want 2..65536`);
  const policy = m.policy ?? 'fcfs';
  if (policy !== 'fcfs' && policy !== 'packed') throw usage(`machine.policy: "${String(policy)}": fcfs or packed`);
  const machine = {
    cores, policy: policy as 'fcfs' | 'packed',
    ll: strOpt(m.ll, 'machine.ll') ?? '0',
    grace: strOpt(m.grace, 'machine.grace') ?? '0',
    tick: strOpt(m.tick, 'machine.tick'),
    topology: strOpt(m.topology, 'machine.topology'),
    hostowner: strOpt(m.hostowner, 'machine.hostowner'),
  };
  dur(machine.grace, 'machine.grace');
  if (machine.tick !== undefined) dur(machine.tick, 'machine.tick');
  const seed = x.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw usage(`seed: ${String(seed)}: want 0..2^32-1`);
  const user = strOpt(x.user, 'user') ?? 'glenda';

  const mcpsIn = x.mcps ?? [];
  if (!Array.isArray(mcpsIn)) throw usage('mcps: want an array');
  const ids = new Set<string>();
  const mcps: McpSpec[] = mcpsIn.map((e, i) => {
    if (!obj(e) || typeof e.id !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.id)) throw usage(`mcps[${i}]: want { "id": NAME } (letters, digits, _)`);
    if (ids.has(e.id)) throw usage(`mcps[${i}]: id "${e.id}" used twice`);
    ids.add(e.id);
    if (e.workload !== undefined && (!obj(e.workload) || typeof e.workload.kind !== 'string')) throw usage(`mcps[${i}].workload: want { "kind": ... }`);
    return { id: e.id, name: strOpt(e.name, `mcps[${i}].name`), user: strOpt(e.user, `mcps[${i}].user`), workload: e.workload as McpSpec['workload'] };
  });

  const scriptIn = x.script ?? [];
  if (!Array.isArray(scriptIn)) throw usage('script: want an array');
  const script: Step[] = scriptIn.map((e, i) => {
    const where = `script[${i}]`;
    if (!obj(e)) throw usage(`${where}: want an object`);
    const at = dur(e.at ?? 0, `${where}.at`);
    const mayFail = e.mayFail === true;
    const who = strOpt(e.user, `${where}.user`);
    if (e.mcp !== undefined) {
      if (typeof e.mcp !== 'string' || !ids.has(e.mcp)) throw usage(`${where}.mcp: "${String(e.mcp)}" is not an MCP id of this experiment`);
      if (typeof e.ctl !== 'string') throw usage(`${where}: an "mcp" step needs "ctl": "COMMAND"`);
      const spec = mcps.find((p) => p.id === e.mcp)!;
      return { at, path: `/mcp/$${e.mcp}/ctl`, text: e.ctl, user: who ?? spec.user, mayFail };
    }
    if (typeof e.path !== 'string' || typeof e.write !== 'string') throw usage(`${where}: want "mcp" + "ctl", or "path" + "write"`);
    return { at, path: e.path, text: e.write, user: who, mayFail };
  });
  // stable: steps at the same time keep the file's order
  script.sort((a, b) => a.at - b.at);

  const duration = dur(x.duration ?? '1s', 'duration');
  if (script.length && script[script.length - 1].at > duration) throw usage(`duration: ${duration}ns ends before the last step (${script[script.length - 1].at}ns)`);

  const expIn = x.expect ?? [];
  if (!Array.isArray(expIn)) throw usage('expect: want an array');
  const expect: Expectation[] = expIn.map((e, i) => {
    const where = `expect[${i}]`;
    if (!obj(e)) throw usage(`${where}: want an object`);
    if (typeof e.record === 'string') {
      parseTraceLine(`0 ${e.record}`);
      return { record: e.record, at: e.at === undefined ? undefined : dur(e.at, `${where}.at`) };
    }
    if (typeof e.mcp === 'string' && obj(e.status)) {
      if (!ids.has(e.mcp)) throw usage(`${where}.mcp: "${e.mcp}" is not an MCP id of this experiment`);
      return { mcp: e.mcp, status: e.status as Record<string, string | number> };
    }
    throw usage(`${where}: want { "record": "KIND key=value...", "at"?: TIME } or { "mcp": ID, "status": {...} }`);
  });

  return {
    name: strOpt(x.name, 'name') ?? fallbackName,
    description: strOpt(x.description, 'description') ?? '',
    machine, seed, duration, user, mcps, script, expect,
  };
}

/** `$A` -> the pid of MCP A (an unknown id is left as it is). */
export function substitute(s: string, pids: ReadonlyMap<string, number>): string {
  return s.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, id: string) => (pids.has(id) ? String(pids.get(id)) : all));
}

export interface CheckResult { what: string; ok: boolean; got: string }

/** Does a record of the trace match `KIND key=value...` (every field given equal)? */
export function matches(r: TraceRec, want: TraceRec): boolean {
  if (r.kind !== want.kind) return false;
  for (const [k, v] of Object.entries(want.f)) if (String(r.f[k]) !== String(v)) return false;
  return true;
}

/** Judge the expectations against the trace and the final status of each MCP. */
export function judge(exp: Experiment, recs: TraceRec[], pids: ReadonlyMap<string, number>,
  status: ReadonlyMap<string, Record<string, string | number>>): CheckResult[] {
  return exp.expect.map((e) => {
    if (e.record !== undefined) {
      const text = substitute(e.record, pids);
      const want = parseTraceLine(`0 ${text}`)!;
      const what = `${e.at !== undefined ? `at ${e.at}: ` : ''}${text}`;
      const hits = recs.filter((r) => matches(r, want));
      const ok = hits.some((r) => e.at === undefined || r.t === e.at);
      return { what, ok, got: hits.length ? `at ${hits.map((r) => r.t).join(', ')}` : 'no such record' };
    }
    const st = status.get(e.mcp!) ?? {};
    const bad = Object.entries(e.status!).filter(([k, v]) => String(st[k]) !== String(v));
    const what = `mcp ${e.mcp} status ${Object.entries(e.status!).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    return { what, ok: bad.length === 0, got: Object.keys(e.status!).map((k) => `${k}=${st[k] ?? '-'}`).join(' ') };
  });
}
