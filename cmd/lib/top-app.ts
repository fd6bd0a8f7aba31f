// SPDX-License-Identifier: GPL-2.0-or-later
//
// The interactive top: the kernel log as it streams in, refreshes, and keys turned into
// view changes (sort, filter, selection, help) or actions (k: kill the selected process
// by writing "kill" to its ctl). It draws through a Terminal, so a test drives it with a
// fake one: refresh, key, and read the frame.

import type { Session } from './connect.js';
import { follow } from './follow.js';
import {
  SORT_KEYS, defaultView, gatherTop, parseLogLine, renderTop, visibleProcs,
  type TermSize, type SortKey, type TopData, type TopEvent, type TopView,
} from './top.js';
import { Rates } from './usage.js';

/** Log records kept for the bottom of the screen (the rest scroll away). */
export const KEEP = 500;

export interface Terminal {
  size(): TermSize;
  color: boolean;
  draw(frame: string[]): void;
}

export type Key =
  | 'up' | 'down' | 'pgup' | 'pgdn' | 'home' | 'end' | 'enter' | 'escape' | 'backspace' | 'ctrl-c'
  | { ch: string };

/** Split what a terminal sent into keys (escape sequences for arrows and pages). */
export function parseKeys(input: Buffer | string): Key[] {
  const s = input.toString();
  const out: Key[] = [];
  const seqs: Array<[string, Key]> = [
    ['\x1b[A', 'up'], ['\x1bOA', 'up'], ['\x1b[B', 'down'], ['\x1bOB', 'down'], ['\x1b[5~', 'pgup'],
    ['\x1b[6~', 'pgdn'], ['\x1b[H', 'home'], ['\x1b[1~', 'home'], ['\x1bOH', 'home'], ['\x1b[F', 'end'],
    ['\x1b[4~', 'end'], ['\x1bOF', 'end'],
  ];
  let i = 0;
  outer: while (i < s.length) {
    for (const [seq, k] of seqs) {
      if (s.startsWith(seq, i)) { out.push(k); i += seq.length; continue outer; }
    }
    const c = s[i++];
    if (c === '\x1b') {
      // An unknown sequence: skip it whole rather than reading its letters as keys.
      const m = /^\[[0-9;]*[~A-Za-z]/.exec(s.slice(i));
      if (m) { i += m[0].length; continue; }
      out.push('escape');
    } else if (c === '\r' || c === '\n') out.push('enter');
    else if (c === '\x7f' || c === '\b') out.push('backspace');
    else if (c === '\x03') out.push('ctrl-c');
    else out.push({ ch: c });
  }
  return out;
}

export class TopApp {
  view: TopView = defaultView(true);
  data?: TopData;
  private events: TopEvent[] = [];
  private partial = '';
  private readonly rates = new Rates();
  private lastNow?: number;

  constructor(private readonly s: Session, private readonly term: Terminal) {}

  /** Bytes from /dev/kmesg: whole lines become events, the newest KEEP kept. */
  onLog(b: Buffer): void {
    const lines = (this.partial + b.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) if (l !== '') this.events.push(parseLogLine(l));
    if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
  }

  /** The log records held now, oldest first. */
  eventsNow(): TopEvent[] {
    return [...this.events];
  }

  /** Follow /dev/kmesg into onLog until `signal` aborts. */
  followLog(signal: AbortSignal): Promise<unknown> {
    return follow(this.s, '/dev/kmesg', (b) => this.onLog(b), signal).catch(() => undefined);
  }

  /** Read everything, keep the selection on a process that still exists, draw. */
  async refresh(): Promise<void> {
    this.data = await gatherTop(this.s, this.events, this.rates, this.lastNow);
    this.lastNow = this.data.clock.now;
    const procs = visibleProcs(this.data, this.view);
    if (!procs.some((p) => p.pid === this.view.selected)) this.view.selected = procs[0]?.pid;
    this.draw();
  }

  draw(): void {
    if (this.data) this.term.draw(renderTop(this.data, this.term.size(), this.term.color, this.view));
  }

  /** One key. Returns 'quit' when top should end. */
  async key(k: Key): Promise<'quit' | undefined> {
    const v = this.view;
    const ch = typeof k === 'object' ? k.ch : undefined;
    v.message = undefined;
    if (k === 'ctrl-c') return 'quit';
    if (v.prompt?.kind === 'filter') {
      if (k === 'enter') v.prompt = undefined;
      else if (k === 'escape') { v.prompt = undefined; v.filter = ''; }
      else if (k === 'backspace') v.prompt.text = v.prompt.text.slice(0, -1);
      else if (ch !== undefined && ch >= ' ') v.prompt.text += ch;
      if (v.prompt) v.filter = v.prompt.text;
      this.reselect();
      this.draw();
      return undefined;
    }
    if (v.prompt?.kind === 'kill') {
      const { pid } = v.prompt;
      v.prompt = undefined;
      if (ch === 'y' || ch === 'Y') {
        await this.kill(pid);
        await this.refresh();
      } else {
        v.message = `kill ${pid}: cancelled`;
        this.draw();
      }
      return undefined;
    }
    if (v.help) {
      v.help = false;
      this.draw();
      return undefined;
    }
    if (ch === 'q') return 'quit';
    const procs = this.data ? visibleProcs(this.data, v) : [];
    const at = Math.max(0, procs.findIndex((p) => p.pid === v.selected));
    const page = Math.max(1, this.term.size().rows - 12);
    const select = (i: number): void => { v.selected = procs[Math.max(0, Math.min(procs.length - 1, i))]?.pid; };
    switch (k) {
      case 'up': select(at - 1); break;
      case 'down': select(at + 1); break;
      case 'pgup': select(at - page); break;
      case 'pgdn': select(at + page); break;
      case 'home': select(0); break;
      case 'end': select(procs.length - 1); break;
      default:
        switch (ch) {
          case '?': case 'h': v.help = true; break;
          case 'k': {
            const p = procs.find((x) => x.pid === v.selected);
            if (p) v.prompt = { kind: 'kill', pid: p.pid, name: p.name };
            else v.message = 'no process selected';
            break;
          }
          case '<': case '>': {
            // From a column outside the cycle (PROG, USE%), as if from just after CPU%.
            const at = (SORT_KEYS as readonly SortKey[]).indexOf(v.sort);
            const i = (at < 0 ? SORT_KEYS.length : at) + (ch === '>' ? 1 : -1);
            v.sort = SORT_KEYS[(i + SORT_KEYS.length) % SORT_KEYS.length];
            break;
          }
          case 'P': v.sort = 'cpu'; v.reverse = true; break;
          case 'U': v.sort = 'util'; v.reverse = true; break;
          case 'N': v.sort = 'pid'; v.reverse = false; break;
          case 'I': v.reverse = !v.reverse; break;
          case '/': v.prompt = { kind: 'filter', text: v.filter }; break;
          case 'u': {
            const users = [...new Set((this.data?.procs ?? []).map((p) => p.user))].sort();
            const i = v.user === undefined ? 0 : users.indexOf(v.user) + 1;
            v.user = users[i];
            this.reselect();
            break;
          }
          default: break;
        }
    }
    this.draw();
    return undefined;
  }

  private reselect(): void {
    if (!this.data) return;
    const procs = visibleProcs(this.data, this.view);
    if (!procs.some((p) => p.pid === this.view.selected)) this.view.selected = procs[0]?.pid;
  }

  /** `echo kill > /mcp/PID/ctl` (or /proc/PID/ctl for a process that is not an MCP). */
  private async kill(pid: number): Promise<void> {
    const p = this.data?.procs.find((x) => x.pid === pid);
    const path = p?.mcp === false ? `/proc/${pid}/ctl` : `/mcp/${pid}/ctl`;
    try {
      await this.s.write(path, 'kill\n', 'kill');
      this.view.message = `killed ${pid}`;
    } catch (e) {
      this.view.message = `kill ${pid}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}

/**
 * The kernel log as it is now, for one frame (--once, --json): read /dev/kmesg from the
 * start until a read would wait (none answers within `quiet` ms: the backlog is drained),
 * keeping the newest KEEP records. A busy log is cut off after `budget` ms.
 */
export async function drainLog(s: Session, quiet = 150, budget = 3000): Promise<TopEvent[]> {
  const app = new TopApp(s, { size: () => ({ cols: 80, rows: 24 }), color: false, draw: () => undefined });
  const f = await s.openRead('/dev/kmesg');
  const end = Date.now() + budget;
  let off = 0n;
  try {
    while (Date.now() < end) {
      let b: Buffer;
      try {
        b = await f.read(off, s.client.msize, AbortSignal.timeout(quiet));
      } catch {
        break; // nothing more within `quiet`: caught up (or the log went away)
      }
      if (b.length === 0) break;
      off += BigInt(b.length);
      app.onLog(b);
    }
  } finally {
    await f.clunk().catch(() => {});
  }
  return app.eventsNow();
}
