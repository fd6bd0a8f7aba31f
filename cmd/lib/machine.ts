// SPDX-License-Identifier: GPL-2.0-or-later
//
// The machine as the CLI sees it, read from the files of namespace.md: processes
// (/proc/N/status, /proc/N/user, /mcp/N/status) and cores (/core/map, /core/ctl). Each
// reader reads only the files it needs, concurrently on one connection.

import type { Session } from './connect.js';
import { parseColumns, parseKeyed } from './format.js';
import { cpulist, type Cpulist } from './units.js';

export interface ProcRow {
  pid: number;
  name: string;
  user: string;
  state: string;
  /** Core counts: null for a process that is not an MCP. */
  wanted: number | null;
  granted: number | null;
  provisioned: number | null;
  ppid: number;
  mcp: boolean;
  /** Vcores warned of a preemption and not yet yielded (null: not an MCP). */
  preempt_pending: number | null;
}

export interface CoreRow {
  core: number;
  role: 'll' | 'cg';
  state: string;
  /** Pids, null for none. */
  prov: number | null;
  alloc: number | null;
  vcore: number | null;
}

/** /core/ctl, typed: counts and ns as numbers, cpulists as Cpulist. */
export interface MachineSummary {
  ncores: number;
  ll: Cpulist;
  cg: number;
  max_vcores: number;
  offline: Cpulist;
  /** Length of the idle list. */
  idle: number;
  policy: string;
  /** Preemption grace and ksched tick, virtual ns. */
  grace: number;
  tick: number;
  hostowner: string;
}

const num = (s: string | undefined): number | null => (s === undefined || s === '-' || s === '' ? null : Number(s));

/** Akaros's "%8d %-20s %-10s %6d" status line. */
export function parseAkarosStatus(line: string): { pid: number; name: string; state: string; ppid: number } {
  const l = line.replace(/\n$/, '');
  const m = /^\s*(\d+) (.{20}) (.{10}) \s*(-?\d+)\s*$/.exec(l);
  if (m) return { pid: Number(m[1]), name: m[2].trim(), state: m[3].trim(), ppid: Number(m[4]) };
  const f = l.trim().split(/\s+/); // a longer name broke the widths: fall back to fields
  return { pid: Number(f[0]), name: f.slice(1, -2).join(' '), state: f[f.length - 2] ?? '', ppid: Number(f[f.length - 1]) };
}

const byNumber = (names: string[]): number[] =>
  names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);

export async function listPids(s: Session, dir: 'proc' | 'mcp'): Promise<number[]> {
  return byNumber((await s.ls(`/${dir}`)).map((e) => e.name));
}

export async function readProc(s: Session, pid: number, isMcp: boolean): Promise<ProcRow | undefined> {
  const [status, second] = await Promise.all([
    s.readMaybe(`/proc/${pid}/status`),
    isMcp ? s.readMaybe(`/mcp/${pid}/status`) : s.readMaybe(`/proc/${pid}/user`),
  ]);
  if (status === undefined || second === undefined) return undefined; // gone meanwhile
  const a = parseAkarosStatus(status);
  if (!isMcp) {
    return {
      pid, name: a.name, user: second.trim(), state: a.state,
      wanted: null, granted: null, provisioned: null, ppid: a.ppid, mcp: false, preempt_pending: null,
    };
  }
  const k = parseKeyed(second);
  return {
    pid, name: k.name ?? a.name, user: k.user ?? '', state: k.state ?? a.state,
    wanted: num(k.wanted), granted: num(k.granted), provisioned: num(k.provisioned), ppid: a.ppid, mcp: true,
    preempt_pending: num(k.preempt_pending) ?? 0,
  };
}

/** Every process, by pid. */
export async function readProcs(s: Session): Promise<ProcRow[]> {
  const [pids, mcps] = await Promise.all([listPids(s, 'proc'), listPids(s, 'mcp').catch(() => [] as number[])]);
  const m = new Set(mcps);
  const rows = await Promise.all(pids.map((p) => readProc(s, p, m.has(p))));
  return rows.filter((r): r is ProcRow => r !== undefined);
}

export function parseCoreMap(text: string): CoreRow[] {
  return parseColumns(text).map((r) => ({
    core: Number(r.core), role: r.role as 'll' | 'cg', state: r.state,
    prov: num(r.prov), alloc: num(r.alloc), vcore: num(r.vcore),
  }));
}

export async function readCoreMap(s: Session): Promise<CoreRow[]> {
  return parseCoreMap(await s.read('/core/map'));
}

export function parseSummary(text: string): MachineSummary {
  const k = parseKeyed(text);
  const n = (key: string): number => Number(k[key] ?? 0);
  return {
    ncores: n('ncores'), ll: cpulist(k.ll ?? ''), cg: n('cg'), max_vcores: n('max_vcores'),
    offline: cpulist(k.offline ?? ''), idle: n('idle'), policy: k.policy ?? '',
    grace: n('grace'), tick: n('tick'), hostowner: k.hostowner ?? '',
  };
}

export async function readSummary(s: Session): Promise<MachineSummary> {
  return parseSummary(await s.read('/core/ctl'));
}
