// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the mcp commands share: the pid argument, a ctl write, the status afterwards, the
// whole picture of one process (mcp status), and the event line format (mcp(3)
// "events"). Types here are the --json shapes of cmd/schemas/mcp-*.json.

import { Args } from '@oclif/core';
import type { Session } from './connect.js';
import { parseColumns, parseKeyed } from './format.js';
import { cpulist, intOrText, type Cpulist } from './units.js';

export interface McpStatus {
  pid: number;
  name: string;
  user: string;
  state: string;
  wanted: number;
  granted: number;
  provisioned: number;
  vcores: number;
  max_vcores: number;
  preempt_pending: number;
  lasterr: string;
  /** /mcp/N/cores: the pcores granted now. */
  granted_cores: Cpulist;
  /** /mcp/N/prov: the pcores provisioned to it. */
  provisioned_cores: Cpulist;
}

export const pidArg = Args.integer({ description: 'process id (as in /mcp/ID)', required: true, min: 1 });

export function parseStatus(st: string, cores: string, prov: string): McpStatus {
  const k = parseKeyed(st);
  const n = (key: string): number => Number(k[key] ?? 0);
  return {
    pid: n('pid'), name: k.name ?? '', user: k.user ?? '', state: k.state ?? '',
    wanted: n('wanted'), granted: n('granted'), provisioned: n('provisioned'), vcores: n('vcores'),
    max_vcores: n('max_vcores'), preempt_pending: n('preempt_pending'), lasterr: k.lasterr ?? '',
    granted_cores: cpulist(cores), provisioned_cores: cpulist(prov),
  };
}

export async function readStatus(s: Session, pid: number): Promise<McpStatus> {
  // status first: a missing process is reported as /mcp/N/status, whatever else is read.
  const st = await s.read(`/mcp/${pid}/status`);
  const [cores, prov] = await Promise.all([s.read(`/mcp/${pid}/cores`), s.read(`/mcp/${pid}/prov`)]);
  return parseStatus(st, cores, prov);
}

export function formatStatus(st: McpStatus): string {
  return `pid ${st.pid}  ${st.state}  wanted ${st.wanted}  granted ${st.granted}  provisioned ${st.provisioned}` +
    `  cores ${st.granted_cores.text || '-'}  prov ${st.provisioned_cores.text || '-'}`;
}

/** Write one ctl command to /mcp/PID/ctl, then read the status back. */
export async function ctl(s: Session, pid: number, command: string): Promise<McpStatus> {
  await s.write(`/mcp/${pid}/ctl`, `${command}\n`, command);
  return readStatus(s, pid);
}

/** One row of /mcp/N/vcores. */
export interface VcoreRow {
  vcore: number;
  /** null when unmapped. */
  pcore: number | null;
  state: string;
  /** Virtual ns by which a warned vcore must yield; 0 none. */
  preempt_deadline: number;
  sent: number;
  done: number;
  run_ns: number;
}

export function parseVcores(text: string): VcoreRow[] {
  return parseColumns(text).map((r) => ({
    vcore: Number(r.vcore), pcore: r.pcore === '-' || r.pcore === undefined ? null : Number(r.pcore), state: r.state,
    preempt_deadline: Number(r.preempt_deadline ?? 0), sent: Number(r.sent ?? 0), done: Number(r.done ?? 0),
    run_ns: Number(r.run_ns ?? 0),
  }));
}

/** /mcp/N/stat: every key is a count or virtual ns. */
export type McpStat = Record<string, number>;

export function parseStat(text: string): McpStat {
  const out: McpStat = {};
  for (const [k, v] of Object.entries(parseKeyed(text))) if (/^-?\d+$/.test(v)) out[k] = Number(v);
  return out;
}

/** `mcp status ID`: everything about one process (kubectl describe). */
export interface McpDescribe {
  status: McpStatus;
  vcores: VcoreRow[];
  stat: McpStat;
}

export async function describe(s: Session, pid: number): Promise<McpDescribe> {
  const status = await readStatus(s, pid);
  const [vcores, stat] = await Promise.all([s.read(`/mcp/${pid}/vcores`), s.read(`/mcp/${pid}/stat`)]);
  return { status, vcores: parseVcores(vcores), stat: parseStat(stat) };
}

export interface McpEvent {
  seq: number;
  /** Virtual ns. */
  time: number;
  type: string;
  /** Decimal values as numbers (vcore, pcore, deadline...), names as text. */
  args: Record<string, number | string>;
}

/** "41 1002000000 EV_PREEMPT_PENDING arg1=3 arg2=0 arg3=0 arg4=0 x_deadline=1003000000"; also "42 1002000000 EV_OVERFLOW lost=7" */
export function parseEvents(text: string): McpEvent[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [seq, time, type, ...kv] = l.trim().split(/\s+/);
    const args: Record<string, number | string> = {};
    for (const a of kv) {
      const eq = a.indexOf('=');
      if (eq > 0) args[a.slice(0, eq)] = intOrText(a.slice(eq + 1));
      else args[a] = '';
    }
    return { seq: Number(seq), time: Number(time), type, args };
  });
}

/**
 * Undo a process this command created: kill it, then read its wait file, which as its
 * owner reaps it (mcp(3) "wait"), so it leaves /mcp and /proc at once instead of
 * lingering as DYING_ABORT until the kernel reaps it (60 s of virtual time, never on a
 * paused clock). Best effort: the error being reported matters more.
 */
export async function killAndReap(s: Session, pid: number): Promise<boolean> {
  try {
    await s.write(`/mcp/${pid}/ctl`, 'kill\n');
    const f = await s.openRead(`/mcp/${pid}/wait`);
    try {
      await f.read(0n, 256, AbortSignal.timeout(2000));
    } finally {
      await f.clunk().catch(() => {});
    }
    return true;
  } catch {
    return false; // already gone, or the server went away: nothing left to undo
  }
}
