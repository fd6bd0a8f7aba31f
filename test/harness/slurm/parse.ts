// SPDX-License-Identifier: GPL-2.0-or-later
//
// Reading what Slurm's tools print: hostlists (`n[1-3],m5`), `scontrol show job -d`
// (state and the CPU ids per node) and `sinfo` node lines. Pure functions, so the unit
// tests need no Slurm.

import { cpulistParse } from '../../../lib/cpulist.js';

/** More names than any test cluster has: a hostlist claiming more is refused. */
export const MAX_HOSTS = 4096;
/** Slurm's core indexes on our fake nodes stay far below this. */
export const MAX_CPU_ID = 65535;

/** Expands a Slurm hostlist (`n[1-3]`, `n[01-02,7],m5`) into names, in order. Zero
 *  padding is kept (`n[01-02]` gives n01, n02). Throws on malformed text or more than
 *  MAX_HOSTS names. */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  const s = list.trim();
  if (s === '' || s === '(null)') return out;
  // Split at commas outside brackets.
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) throw new Error(`bad hostlist "${list}"`);
    if (c === ',' && depth === 0) {
      items.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new Error(`bad hostlist "${list}"`);
  items.push(s.slice(start));
  for (const item of items) {
    const m = /^([^[\]]*)(?:\[([^\]]+)\]([^[\]]*))?$/.exec(item);
    if (!m || item === '') throw new Error(`bad hostlist item "${item}" in "${list}"`);
    const [, pre, ranges, post] = m;
    if (ranges === undefined) {
      out.push(pre);
    } else {
      for (const r of ranges.split(',')) {
        const rm = /^(\d+)(?:-(\d+))?$/.exec(r);
        if (!rm) throw new Error(`bad range "${r}" in hostlist "${list}"`);
        const a = Number(rm[1]);
        const b = rm[2] === undefined ? a : Number(rm[2]);
        if (b < a) throw new Error(`reversed range "${r}" in hostlist "${list}"`);
        if (out.length + (b - a + 1) > MAX_HOSTS) throw new Error(`hostlist "${list}" names more than ${MAX_HOSTS} hosts`);
        const width = rm[1].length;
        for (let i = a; i <= b; i++) out.push(pre + String(i).padStart(width, '0') + post);
      }
    }
    if (out.length > MAX_HOSTS) throw new Error(`hostlist "${list}" names more than ${MAX_HOSTS} hosts`);
  }
  return out;
}

export interface JobInfo {
  jobId: number;
  /** JobState, e.g. PENDING, CONFIGURING, RUNNING, COMPLETING, COMPLETED, CANCELLED. */
  state: string;
  /** Reason, e.g. None, Resources, launch_failed_requeued_held. */
  reason: string;
  name: string;
  /** NodeList as printed (a hostlist; `(null)` while pending). */
  nodeList: string;
  /** Slurm's core indexes per node, from the `Nodes=... CPU_IDs=...` detail lines; empty
   *  before allocation and again once the job is completing. */
  nodes: Record<string, number[]>;
  /** Restarts (requeues) so far. */
  restarts: number;
  /** Priority 0 means held (by the user or an admin, or after a failed launch). */
  priority: number;
  exitCode: string;
  /** The full text, for assertions this parser does not cover. */
  raw: string;
}

function field(text: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(text);
  return m ? m[1] : undefined;
}

/** One job from `scontrol show job -d ID` (the first if the text holds several). Throws
 *  if there is no JobId. */
export function parseJob(text: string): JobInfo {
  const id = field(text, 'JobId');
  if (id === undefined || !/^\d+$/.test(id)) throw new Error(`no JobId in scontrol output: ${text.slice(0, 200)}`);
  // Only the first job's block.
  const next = text.indexOf('JobId=', text.indexOf('JobId=') + 1);
  const block = next > 0 ? text.slice(0, next) : text;
  const nodes: Record<string, number[]> = {};
  for (const m of block.matchAll(/(?:^|\s)Nodes=(\S+)\s+CPU_IDs=(\S+)/g)) {
    const ids = cpulistParse(m[2], MAX_CPU_ID);
    for (const n of expandHostlist(m[1])) nodes[n] = [...(nodes[n] ?? []), ...ids].sort((a, b) => a - b);
  }
  return {
    jobId: Number(id),
    state: field(block, 'JobState') ?? '',
    reason: field(block, 'Reason') ?? '',
    name: field(block, 'JobName') ?? '',
    nodeList: field(block, 'NodeList') ?? '',
    nodes,
    restarts: Number(field(block, 'Restarts') ?? 0),
    priority: Number(field(block, 'Priority') ?? 0),
    exitCode: field(block, 'ExitCode') ?? '',
    raw: block,
  };
}

export interface NodeInfo {
  /** sinfo's long state without its flag suffix (`*` not responding, `~` powered down,
   *  ...): idle, allocated, mixed, completing, drained, draining, down, unknown. */
  state: string;
  /** The state as sinfo printed it. */
  rawState: string;
  /** The drain/down reason, or 'none'. */
  reason: string;
}

/** Lines of `sinfo -h -N -o '%N|%T|%E'` into node → info. A node in several partitions
 *  is listed once per partition; the first line wins. */
export function parseSinfo(text: string): Record<string, NodeInfo> {
  const out: Record<string, NodeInfo> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [name, rawState = '', ...rest] = line.split('|');
    if (name in out) continue;
    out[name] = { state: rawState.replace(/[*~#!%$@^+-]+$/, ''), rawState, reason: rest.join('|').trim() };
  }
  return out;
}
