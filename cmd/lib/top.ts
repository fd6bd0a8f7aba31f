// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros top`: what it reads (gatherTop), the view a user steers (TopView: sort, filter,
// selection, help, prompts) and how a frame is drawn (renderTop). Rendering is a pure
// function of the data, the view and the terminal size, so a test draws frames into a
// fixed-size fake terminal and checks them line by line; top-app.ts turns keys into
// view changes and actions.

import type { Session } from './connect.js';
import { ownerColors, paint, stateColor, visible } from './color.js';
import { parseKeyed } from './format.js';
import { parseCoreMap, readProcs, type CoreRow, type ProcRow } from './machine.js';
import { parseStat } from './mcp.js';
import { parseSim } from './sim.js';
import { fmtClock, fmtDuration } from './units.js';
import { parseCoreUtil, parseSysstat, type Rates } from './usage.js';
import { cpulistFmt } from '../../lib/cpulist.js';

export interface TopCore extends CoreRow {
  /** Busy fraction since the last refresh (0..1), null before the core has any time. */
  util: number | null;
  /** Share of the time since the last refresh that programs did useful work on it
   *  (/core/util; 0..1); null for the LL core or before any time has passed. */
  useful?: number | null;
}

export interface TopProc extends ProcRow {
  /** Cores' worth of running since the last refresh (1.5 = 150%); null if unknown. */
  cpu: number | null;
  /** Total virtual ns run (/mcp/N/stat run_ns); null for a process that is not an MCP. */
  run_ns: number | null;
  /** A core was taken from it (a kernel "revoke") since the last refresh. */
  preempted: boolean;
  /** The workload of the program it runs or last ran (/mcp/N/results), null if none. */
  program?: string | null;
  /** That program's state: running, done, stopped. */
  program_state?: string | null;
  /** Useful ns the program did over all its vcores (/mcp/N/stat prog_useful_ns). */
  useful_ns?: number | null;
  /** Useful share of the core time the program had since the last refresh (0..1). */
  prog_util?: number | null;
}

/** One /dev/kmesg record: `TIME KIND TEXT`. */
export interface TopEvent {
  time: number;
  kind: string;
  text: string;
}

export interface TopData {
  sysname: string;
  /** /sim/status: virtual time and how it moves. */
  clock: { mode: 'running' | 'paused'; now: number; speed: number };
  /** /core/ctl; grace and tick in ns. */
  policy: string;
  grace: number;
  tick: number;
  cores: TopCore[];
  procs: TopProc[];
  /** The newest kernel log records, oldest first. */
  events: TopEvent[];
}

export interface TermSize { cols: number; rows: number }

export function parseLogLine(line: string): TopEvent {
  const m = /^(\d+) (\S+) ?(.*)$/.exec(line);
  return m ? { time: Number(m[1]), kind: m[2], text: m[3] } : { time: 0, kind: '?', text: line };
}

/** The workload and state lines of /mcp/N/results (empty: it never ran a program). */
export function parseProgram(text: string | undefined): { workload: string; state: string } | null {
  const w = text === undefined ? null : /^workload (\S+)/m.exec(text);
  if (!w) return null;
  return { workload: w[1], state: /^state (\S+)/m.exec(text!)?.[1] ?? '?' };
}

/**
 * One refresh's reads: /dev/sysname, /sim/status, /core/ctl, /core/map, /core/sysstat,
 * /core/util, every process (ps's files) and each MCP's /mcp/N/stat and /mcp/N/results. `since` is the virtual time of
 * the previous refresh: a revoke after it marks its process preempted (the first
 * refresh looks back one second).
 */
export async function gatherTop(s: Session, events: TopEvent[], rates: Rates, since?: number): Promise<TopData> {
  const [sysname, sim, ctl, map, sysstat, coreUtil, procs] = await Promise.all([
    s.read('/dev/sysname'), s.read('/sim/status'), s.read('/core/ctl'), s.read('/core/map'),
    s.read('/core/sysstat'), s.readMaybe('/core/util'), readProcs(s),
  ]);
  const st = parseSim(sim), c = parseKeyed(ctl);
  const none = Promise.resolve(undefined);
  const [stats, results] = await Promise.all([
    Promise.all(procs.map((p) => (p.mcp ? s.readMaybe(`/mcp/${p.pid}/stat`) : none))),
    Promise.all(procs.map((p) => (p.mcp ? s.readMaybe(`/mcp/${p.pid}/results`) : none))),
  ]);
  const util = rates.coreRates(parseSysstat(sysstat));
  const useful = rates.coreUseful(coreUtil === undefined ? [] : parseCoreUtil(coreUtil), st.now);
  const from = since ?? st.now - 1e9;
  const revoked = new Set<number>();
  for (const e of events) {
    const m = /\bpid=(\d+)/.exec(e.text);
    if (e.kind === 'revoke' && m && e.time > from) revoked.add(Number(m[1]));
  }
  rates.keepOnly(procs.map((p) => p.pid));
  return {
    sysname: sysname.trim(),
    clock: { mode: st.mode, now: st.now, speed: st.speed },
    policy: c.policy ?? '?', grace: Number(c.grace ?? 0), tick: Number(c.tick ?? 0),
    cores: parseCoreMap(map).map((core) => ({ ...core, util: util.get(core.core) ?? null, useful: useful.get(core.core) ?? null })),
    procs: procs.map((p, i) => {
      const k = stats[i] === undefined ? undefined : parseStat(stats[i]!);
      const run = k?.run_ns ?? null;
      const cpu = run === null ? null : rates.procRate(p.pid, run, st.now, k?.created_at ?? 0);
      const prog = parseProgram(results[i]);
      const u = k?.prog_useful_ns ?? 0;
      const total = u + (k?.prog_spin_ns ?? 0) + (k?.prog_overhead_ns ?? 0) + (k?.prog_noise_ns ?? 0);
      return {
        ...p, cpu, run_ns: run, preempted: revoked.has(p.pid),
        program: prog?.workload ?? null, program_state: prog?.state ?? null,
        useful_ns: prog && k ? u : null,
        prog_util: prog && k ? rates.progUtil(p.pid, { useful_ns: u, total_ns: total }, st.now) : null,
      };
    }),
    events: [...events],
  };
}

/** The columns `<` and `>` step through. */
export const SORT_KEYS = ['pid', 'name', 'user', 'state', 'want', 'grant', 'prov', 'cpu'] as const;
/** Every sort column (--sort; U sorts by util): the program columns are not in the `<` `>` cycle. */
export const ALL_SORT_KEYS = [...SORT_KEYS, 'prog', 'util'] as const;
export type SortKey = typeof ALL_SORT_KEYS[number];

/** What the user has chosen to see. */
export interface TopView {
  sort: SortKey;
  /** Descending instead of ascending. */
  reverse: boolean;
  /** Only processes whose name or user contains this ('' = all). */
  filter: string;
  /** Only this user's processes. */
  user?: string;
  /** The selected process (interactive): its pid. */
  selected?: number;
  help: boolean;
  /** A line being typed (filter) or a question (kill) on the bottom line. */
  prompt?: { kind: 'filter'; text: string } | { kind: 'kill'; pid: number; name: string };
  /** The result of the last action, shown on the bottom line until the next key. */
  message?: string;
  /** Show the selection and the key line (false for --once). */
  interactive: boolean;
}

export function defaultView(interactive = false): TopView {
  return { sort: 'pid', reverse: false, filter: '', help: false, interactive };
}

const sortValue = (p: TopProc, k: SortKey): number | string => {
  switch (k) {
    case 'pid': return p.pid;
    case 'name': return p.name;
    case 'user': return p.user;
    case 'state': return p.state;
    case 'want': return p.wanted ?? -1;
    case 'grant': return p.granted ?? -1;
    case 'prov': return p.provisioned ?? -1;
    case 'cpu': return p.cpu ?? -1;
    case 'prog': return p.program ?? '';
    case 'util': return p.prog_util ?? -1;
  }
};

/** The processes the view shows, in its order. */
export function visibleProcs(d: TopData, v: TopView): TopProc[] {
  const f = v.filter.toLowerCase();
  const rows = d.procs.filter((p) => (v.user === undefined || p.user === v.user) &&
    (f === '' || p.name.toLowerCase().includes(f) || p.user.toLowerCase().includes(f)));
  return rows.sort((a, b) => {
    const x = sortValue(a, v.sort), y = sortValue(b, v.sort);
    const c = x < y ? -1 : x > y ? 1 : a.pid - b.pid;
    return v.reverse ? -c : c;
  });
}

export const HELP_LINES = [
  'akaros top keys',
  '',
  '  Up/Down, PgUp/PgDn, Home/End   select a process',
  '  k                              kill the selected process (asks y/n; writes "kill" to its ctl)',
  '  < >                            sort by the previous/next column',
  '  P  U  N  I                     sort by CPU%, by USE%, by PID; invert the order',
  '  /                              filter by name or user (Enter keeps it, Esc clears it)',
  '  u                              show one user\'s processes (again: the next user, then all)',
  '  ?  h                           this help (any key returns)',
  '  q  Ctrl-C                      quit',
  '',
  'Colours: a core is drawn in its owner\'s colour; a process being warned of a',
  'preemption is yellow, one that just lost a core is red. CPU% is virtual run time over',
  'virtual time since the last refresh (200% = two cores); core % is its busy share.',
  'PROG is the program the MCP runs (mcp(3) run); USE% its useful share of the core time',
  'it had since the last refresh (the rest is spinning, overhead, noise).',
];

const CELL = 14; // " 1 7*     85%" and a space

function cell(c: TopCore): string {
  let t: string;
  if (c.role === 'll') t = 'LL';
  else if (c.state === 'offline') t = 'off';
  else if (c.alloc !== null) t = `${c.alloc}`;
  else t = '.';
  if (c.prov !== null && c.prov !== c.alloc) t += `/p${c.prov}`;
  else if (c.prov !== null) t += '*';
  const u = c.util === null ? '-' : `${Math.round(c.util * 100)}%`;
  return `${String(c.core).padStart(2)} ${t.slice(0, 6).padEnd(6)} ${u.padStart(4)}`;
}

/** Cut to `cols` visible columns (escapes do not count) and close any colour. */
function fit(s: string, cols: number): string {
  if (visible(s) <= cols) return s;
  let out = '', n = 0;
  for (let i = 0; i < s.length && n < cols; i++) {
    const m = /^\x1b\[[0-9;]*m/.exec(s.slice(i));
    if (m) { out += m[0]; i += m[0].length - 1; continue; }
    out += s[i];
    n++;
  }
  return out.includes('\x1b[') ? `${out}\x1b[0m` : out;
}

const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);

/** The header of the process table, each column's width and alignment. */
const COLS: Array<[string, number, 'l' | 'r', SortKey | undefined]> = [
  ['PID', 6, 'r', 'pid'], ['NAME', 10, 'l', 'name'], ['USER', 8, 'l', 'user'], ['STATE', 11, 'l', 'state'],
  ['WANT', 4, 'r', 'want'], ['GRANT', 5, 'r', 'grant'], ['PROV', 4, 'r', 'prov'], ['CPU%', 5, 'r', 'cpu'],
  ['PROG', 6, 'l', 'prog'], ['USE%', 5, 'r', 'util'],
];

/** Where the STATE column starts in a process line. */
const STATE_AT = COLS.slice(0, 3).reduce((a, [, w]) => a + w + 1, 0);

function procLine(cells: string[]): string {
  return COLS.map(([, w, a], i) => (a === 'r' ? cells[i].padStart(w) : cells[i].slice(0, w).padEnd(w))).join(' ') +
    `  ${cells[COLS.length]}`;
}

/** The frame: exactly `size.rows` lines, none wider than `size.cols` visible columns. */
export function renderTop(d: TopData, size: TermSize, color = false, v: TopView = defaultView()): string[] {
  const { cols, rows } = size;
  const out: string[] = [];
  const ll = d.cores.filter((c) => c.role === 'll').length;
  const cgs = d.cores.filter((c) => c.role === 'cg');
  const busy = cgs.filter((c) => c.alloc !== null).length;
  const off = cgs.filter((c) => c.state === 'offline').length;
  const cg = cgs.filter((c) => c.util !== null);
  const avg = cg.length ? cg.reduce((a, c) => a + (c.util ?? 0), 0) / cg.length : null;
  const cgu = cgs.filter((c) => c.useful !== undefined && c.useful !== null);
  const useful = cgu.length ? `, ${pct(cgu.reduce((a, c) => a + (c.useful ?? 0), 0) / cgu.length)} useful` : '';
  out.push(paint(color, '1', fit(`akaros top  ${d.sysname}  virtual ${fmtClock(d.clock.now)} ${d.clock.mode}` +
    ` speed ${d.clock.speed}  ${d.policy} grace ${fmtDuration(d.grace)} tick ${fmtDuration(d.tick)}`, cols)));
  out.push(fit(`${d.cores.length} cores: ${ll} ll, ${cgs.length} cg (${busy} busy, ${cgs.length - busy - off} idle` +
    `${off ? `, ${off} offline` : ''}, ${pct(avg)} busy${useful})   ${d.procs.length} processes, ${d.procs.filter((p) => p.mcp).length} mcp`, cols));
  out.push(fit('cores: PID on it, * provisioned to it, /pN provisioned to N, . idle; % busy', cols));
  const owners = ownerColors(d.cores.map((c) => c.alloc).filter((p): p is number => p !== null));
  const per = Math.max(1, Math.floor((cols + 1) / (CELL + 1)));
  for (let i = 0; i < d.cores.length; i += per) {
    const row = d.cores.slice(i, i + per).map((c) => {
      const text = cell(c);
      if (c.role === 'll') return paint(color, '2', text);
      if (c.state === 'offline') return paint(color, '31', text);
      if (c.alloc === null) return text;
      return paint(color, owners.get(c.alloc) ?? '7', text);
    });
    out.push(fit(row.join(' '), cols));
  }
  out.push('');
  const bottom = v.interactive ? 1 : 0;
  if (v.help) {
    for (const l of HELP_LINES) if (out.length < rows - bottom) out.push(fit(l, cols));
  } else {
    const head = procLine(COLS.map(([h, , , k]) => (k === v.sort ? `${h}${v.reverse ? 'v' : '^'}` : h)).concat('CORES'));
    out.push(paint(color, '7', fit(head, cols).padEnd(Math.min(cols, head.length))));
    const procs = visibleProcs(d, v);
    const evRows = Math.max(3, Math.floor((rows - out.length) / 3));
    const procRoom = Math.max(0, rows - out.length - evRows - 1 - bottom);
    // Keep the selected row on screen.
    const sel = v.interactive ? procs.findIndex((p) => p.pid === v.selected) : -1;
    const room = procs.length > procRoom ? Math.max(0, procRoom - 1) : procRoom;
    const first = sel >= room ? sel - room + 1 : 0;
    const shown = procs.slice(first, first + room);
    for (const p of shown) {
      const mine = d.cores.filter((c) => c.alloc === p.pid).map((c) => c.core);
      const n = (x: number | null): string => (x === null ? '-' : String(x));
      const mark = v.interactive && p.pid === v.selected ? '>' : ' ';
      let line = fit(procLine([`${mark}${String(p.pid).padStart(5)}`, p.name || '-', p.user, p.state,
        n(p.wanted), n(p.granted), n(p.provisioned), pct(p.cpu), p.program ?? '-', pct(p.prog_util ?? null),
        cpulistFmt(mine) || '-']), cols);
      if (color) {
        const code = p.preempted ? '31;1' : p.preempt_pending ? '33;1' : undefined;
        if (mark === '>') line = paint(true, code ? `7;${code}` : '7', line.padEnd(cols));
        else if (code) line = paint(true, code, line);
        else {
          const sc = stateColor(p.state);
          const o = owners.get(p.pid);
          const pid = line.slice(0, 6), rest = line.slice(6, STATE_AT), state = line.slice(STATE_AT, STATE_AT + 11);
          const tail = line.slice(STATE_AT + 11);
          line = `${o ? paint(true, o, pid) : pid}${rest}${sc ? paint(true, sc, state) : state}${tail}`;
        }
      }
      out.push(line);
    }
    if (shown.length < procs.length) out.push(fit(`  ... ${procs.length - shown.length} more${first > 0 ? ` (${first} above)` : ''}`, cols));
    out.push(paint(color, '1', fit(`kernel log (/dev/kmesg), newest last; now ${fmtClock(d.clock.now)}`, cols)));
    const evRoom = rows - out.length - bottom;
    const ev = evRoom > 0 ? d.events.slice(-evRoom) : [];
    for (const e of ev) out.push(fit(`${fmtClock(e.time).padStart(9)} ${e.kind} ${e.text}`, cols));
  }
  while (out.length < rows - bottom) out.push('');
  if (bottom) out.push(paint(color, '7', fit(bottomLine(v), cols).padEnd(color ? cols : 0)));
  return out.slice(0, rows).map((l) => (color ? l : l.trimEnd()));
}

function bottomLine(v: TopView): string {
  if (v.prompt?.kind === 'filter') return `filter: ${v.prompt.text}_   (Enter keep, Esc clear)`;
  if (v.prompt?.kind === 'kill') return `kill ${v.prompt.pid} (${v.prompt.name || '-'})? y/n`;
  if (v.message) return v.message;
  const f = [v.filter ? `filter "${v.filter}"` : '', v.user !== undefined ? `user ${v.user}` : ''].filter(Boolean).join(' ');
  return `q quit  ? help  k kill  </> sort (${v.sort})  / filter  u user${f ? `   [${f}]` : ''}`;
}
