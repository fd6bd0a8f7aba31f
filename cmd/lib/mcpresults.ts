// SPDX-License-Identifier: GPL-2.0-or-later
//
// /mcp/N/results (mcp(3) "Programs") as the --json shape of cmd/schemas/mcp-results.json:
// every numeric value a number, the per-vcore `vcore.N` lines as objects.

import { parseKeyed } from './format.js';

export interface ResultsVcore { vcore: number; pcore: number | null; useful_ns: number; spin_ns: number; overhead_ns: number; noise_ns: number }

export interface McpResults {
  pid: number;
  /** false: the process never ran a program (the file is empty) */
  ran: boolean;
  values: Record<string, number | string>;
  vcores: ResultsVcore[];
}

export function parseResults(pid: number, text: string): McpResults {
  const k = parseKeyed(text);
  const values: Record<string, number | string> = {};
  const vcores: ResultsVcore[] = [];
  for (const [key, v] of Object.entries(k)) {
    const m = /^vcore\.(\d+)$/.exec(key);
    if (m) {
      const [pc, u, sp, ov, no] = v.split(' ');
      vcores.push({ vcore: Number(m[1]), pcore: pc === '-' ? null : Number(pc), useful_ns: Number(u), spin_ns: Number(sp), overhead_ns: Number(ov), noise_ns: Number(no) });
      continue;
    }
    values[key] = key !== 'args' && key !== 'last' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return { pid, ran: text.length > 0, values, vcores };
}
