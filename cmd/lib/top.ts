// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros top`: what it reads (gatherTop) and how it draws it (renderTop). Rendering is
// a pure function of the data and the terminal size, so a test draws one frame into a
// fixed-size fake terminal and checks it line by line.

import type { Session } from './connect.js';
import { parseKeyed } from './format.js';
import { parseCoreMap, readProcs, type CoreRow, type ProcRow } from './machine.js';
import { cpulistFmt } from '../../lib/cpulist.js';

export interface TopData {
  sysname: string;
  /** /sim/status */
  clock: { mode: string; now: number; speed: number };
  /** /core/ctl */
  policy: string;
  grace: number;
  cores: CoreRow[];
  procs: ProcRow[];
  /** The newest kernel log lines (/dev/kmesg), oldest first. */
  events: string[];
}

export interface TermSize { cols: number; rows: number }

/** One refresh's reads: /dev/sysname, /sim/status, /core/ctl, /core/map and the processes. */
export async function gatherTop(s: Session, events: string[]): Promise<TopData> {
  const [sysname, sim, ctl, map, procs] = await Promise.all([
    s.read('/dev/sysname'), s.read('/sim/status'), s.read('/core/ctl'), s.read('/core/map'), readProcs(s),
  ]);
  const k = parseKeyed(sim), c = parseKeyed(ctl);
  return {
    sysname: sysname.trim(),
    clock: { mode: k.mode ?? '?', now: Number(k.now ?? 0), speed: Number(k.speed ?? 1) },
    policy: c.policy ?? '?', grace: Number(c.grace ?? 0),
    cores: parseCoreMap(map), procs, events: [...events],
  };
}

/** Virtual ns as a short human time: 1.250s, 12.000ms, 500us. */
export function fmtTime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)}s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)}ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)}us`;
  return `${ns}ns`;
}

// Background colours for owners (pid mod 6), black text; LL cores dim, idle plain.
const PALETTE = [42, 44, 45, 43, 46, 41];
const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

const CELL = 10;

function cell(c: CoreRow): string {
  let t: string;
  if (c.role === 'll') t = 'LL';
  else if (c.state === 'offline') t = 'off';
  else if (c.alloc !== null) t = `${c.alloc}`;
  else t = '.';
  if (c.prov !== null && c.prov !== c.alloc) t += `/p${c.prov}`;
  else if (c.prov !== null) t += '*';
  return `${String(c.core).padStart(2)} ${t}`.slice(0, CELL - 1).padEnd(CELL - 1);
}

function fit(s: string, cols: number): string {
  return s.length > cols ? s.slice(0, cols) : s;
}

/** The frame: exactly `size.rows` lines, none wider than `size.cols` visible columns. */
export function renderTop(d: TopData, size: TermSize, color = false): string[] {
  const { cols, rows } = size;
  const out: string[] = [];
  const ll = d.cores.filter((c) => c.role === 'll').length;
  const busy = d.cores.filter((c) => c.alloc !== null).length;
  out.push(paint(color, '1', fit(`akaros top  ${d.sysname}  ${fmtTime(d.clock.now)} ${d.clock.mode}` +
    `${d.clock.speed !== 1 ? ` x${d.clock.speed}` : ''}  ${d.cores.length} cores ${ll} ll ${busy} busy` +
    `  ${d.policy} grace ${fmtTime(d.grace)}`, cols)));
  out.push(fit('cores: PID running on it, * provisioned to it, /pN provisioned to N, . idle', cols));
  const per = Math.max(1, Math.floor((cols + 1) / CELL));
  for (let i = 0; i < d.cores.length; i += per) {
    const row = d.cores.slice(i, i + per).map((c) => {
      const text = cell(c);
      if (c.role === 'll') return paint(color, '2', text);
      if (c.alloc === null) return text;
      return paint(color, `30;${PALETTE[c.alloc % PALETTE.length]}`, text);
    });
    out.push(row.join(' '));
  }
  out.push('');
  const head = `${'PID'.padStart(6)} ${'NAME'.padEnd(10)} ${'USER'.padEnd(8)} ${'STATE'.padEnd(10)} WANT GRANT PROV  CORES`;
  out.push(paint(color, '7', fit(head, cols).padEnd(Math.min(cols, head.length))));
  const evRows = Math.max(3, Math.floor((rows - out.length) / 3));
  const procRoom = Math.max(0, rows - out.length - evRows - 1);
  const procs = d.procs.filter((p) => p.state !== 'DYING');
  const shown = procs.length > procRoom ? procs.slice(0, Math.max(0, procRoom - 1)) : procs;
  for (const p of shown) {
    const cores = d.cores.filter((c) => c.alloc === p.pid).map((c) => c.core);
    const n = (x: number | null, w: number): string => (x === null ? '-' : String(x)).padStart(w);
    out.push(fit(`${String(p.pid).padStart(6)} ${(p.name || '-').slice(0, 10).padEnd(10)} ${p.user.slice(0, 8).padEnd(8)} ` +
      `${p.state.padEnd(10)} ${n(p.wanted, 4)} ${n(p.granted, 5)} ${n(p.provisioned, 4)}  ${compact(cores)}`, cols));
  }
  if (shown.length < procs.length) out.push(fit(`  ... ${procs.length - shown.length} more`, cols));
  out.push(paint(color, '1', fit('recent events (/dev/kmesg)', cols)));
  const room = rows - out.length;
  const ev = room > 0 ? d.events.slice(-room) : [];
  for (const e of ev) out.push(fit(e, cols));
  while (out.length < rows) out.push('');
  return out.slice(0, rows).map((l) => (color ? l : l.trimEnd()));
}

function compact(cores: number[]): string {
  return cpulistFmt(cores) || '-';
}
