// SPDX-License-Identifier: GPL-2.0-or-later
//
// The results file of an experiment (results.json, written by `akaros sim run`, read by
// `akaros plot`). Workloads (the programs an MCP runs) add their samples under
// `workloads`; two kinds are plotted:
//
//   { "kind": "latency", "mcp": "A", "name": "rpc", "samples": [ns, ...] }
//       one latency per operation, in virtual ns (plotted as a CDF)
//   { "kind": "ftq", "mcp": "B", "name": "ftq", "start_ns": 0, "interval_ns": 1000000,
//     "samples": [work, ...] }
//       fixed time quantum: sample i is the work done in
//       [start_ns + i*interval_ns, start_ns + (i+1)*interval_ns) (plotted against time)
//
// Any other kind is kept and ignored by the plots. `mcps` holds each MCP's final
// /mcp/N/status and /mcp/N/stat as numbers where they are numbers.

import { usage } from './connect.js';

export interface LatencyResult { kind: 'latency'; mcp: string; name: string; samples: number[] }
export interface FtqResult { kind: 'ftq'; mcp: string; name: string; start_ns: number; interval_ns: number; samples: number[] }
export type WorkloadResult = LatencyResult | FtqResult | { kind: string; mcp: string; name: string; [k: string]: unknown };

export interface McpResult {
  id: string;
  pid: number;
  name: string;
  status: Record<string, string | number>;
  stat: Record<string, string | number>;
}

export interface Results {
  experiment: string;
  seed: number;
  /** virtual ns the experiment ran for */
  duration_ns: number;
  mcps: McpResult[];
  workloads: WorkloadResult[];
  /** what the experiment file asked to check, and whether it held */
  checks?: { what: string; ok: boolean; got: string }[];
}

const isNums = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));

/** A parsed results file, checked enough to plot (usage error naming the bad part otherwise). */
export function checkResults(x: unknown, where = 'results'): Results {
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw usage(`${where}: not a results object`);
  const r = x as Partial<Results>;
  if (!Array.isArray(r.workloads)) throw usage(`${where}: no "workloads" array`);
  r.workloads.forEach((w, i) => {
    if (!w || typeof w !== 'object') throw usage(`${where}: workloads[${i}] is not an object`);
    if (w.kind === 'latency' && !isNums((w as LatencyResult).samples)) throw usage(`${where}: workloads[${i}] (latency): "samples" must be numbers`);
    if (w.kind === 'ftq') {
      const f = w as FtqResult;
      if (!isNums(f.samples) || !(f.interval_ns > 0) || typeof f.start_ns !== 'number') {
        throw usage(`${where}: workloads[${i}] (ftq): needs "samples" (numbers), "start_ns" and "interval_ns" > 0`);
      }
    }
  });
  return { experiment: '', seed: 0, duration_ns: 0, mcps: [], ...r } as Results;
}

export function latencyResults(r: Results): LatencyResult[] {
  return r.workloads.filter((w): w is LatencyResult => w.kind === 'latency');
}

export function ftqResults(r: Results): FtqResult[] {
  return r.workloads.filter((w): w is FtqResult => w.kind === 'ftq');
}
