// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the mcp commands share: the pid argument, a ctl write, the status afterwards, and
// the event line format (namespace.md "/mcp/N/events").

import { Args } from '@oclif/core';
import type { Session } from './connect.js';
import { parseKeyed } from './format.js';

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
  cores: string;
  /** /mcp/N/prov: the pcores provisioned. */
  prov: string;
}

export const pidArg = Args.integer({ description: 'process id (as in /mcp/ID)', required: true, min: 1 });

export async function readStatus(s: Session, pid: number): Promise<McpStatus> {
  const [st, cores, prov] = await Promise.all([
    s.read(`/mcp/${pid}/status`), s.read(`/mcp/${pid}/cores`), s.read(`/mcp/${pid}/prov`),
  ]);
  const k = parseKeyed(st);
  const n = (key: string): number => Number(k[key] ?? 0);
  return {
    pid: n('pid'), name: k.name ?? '', user: k.user ?? '', state: k.state ?? '',
    wanted: n('wanted'), granted: n('granted'), provisioned: n('provisioned'), vcores: n('vcores'),
    max_vcores: n('max_vcores'), preempt_pending: n('preempt_pending'), lasterr: k.lasterr ?? '',
    cores: cores.trim(), prov: prov.trim(),
  };
}

export function formatStatus(st: McpStatus): string {
  return `pid ${st.pid}  ${st.state}  wanted ${st.wanted}  granted ${st.granted}  provisioned ${st.provisioned}` +
    `  cores ${st.cores || '-'}  prov ${st.prov || '-'}`;
}

/** Write one ctl command to /mcp/PID/ctl, then read the status back. */
export async function ctl(s: Session, pid: number, command: string): Promise<McpStatus> {
  await s.write(`/mcp/${pid}/ctl`, `${command}\n`, command);
  return readStatus(s, pid);
}

export interface McpEvent {
  seq: number;
  time: number;
  type: string;
  args: Record<string, string>;
}

/** "41 1002000000 EV_PREEMPT_PENDING vcore=3 deadline=1003000000" */
export function parseEvents(text: string): McpEvent[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [seq, time, type, ...kv] = l.trim().split(/\s+/);
    const args: Record<string, string> = {};
    for (const a of kv) {
      const eq = a.indexOf('=');
      if (eq > 0) args[a.slice(0, eq)] = a.slice(eq + 1);
      else args[a] = '';
    }
    return { seq: Number(seq), time: Number(time), type, args };
  });
}
