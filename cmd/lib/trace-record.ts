// SPDX-License-Identifier: GPL-2.0-or-later
//
// Recording /sim/trace over 9P: one open, read after read, whole lines handed on, until
// Ctrl-C, a number of live records, a virtual time, or a wall-clock limit. The stream
// never ends by itself (the kernel runs on), so one of those is how a recording stops.
// Virtual-time limits are checked on every record and, for a machine where nothing
// happens, by reading /sim/status every quarter second.

import { StringDecoder } from 'node:string_decoder';
import type { Session } from './connect.js';
import { follow } from './follow.js';
import { readSim } from './sim.js';
import { LineSplitter } from './trace-parse.js';

export interface RecordOptions {
  /** Ctrl-C (onInterrupt().signal) */
  signal: AbortSignal;
  /** stop after this many records following the `sync` line */
  records?: number;
  /** stop once virtual time reaches this (absolute ns); later records are dropped */
  until?: number;
  /** stop after this much virtual time from the start (ns) */
  for?: number;
  /** stop after this many ms of wall-clock time */
  wallMs?: number;
  /** every line as it is kept (live output) */
  onLine?(line: string): void;
}

export interface Recording {
  lines: string[];
  /** virtual ns when the recording started and ended */
  start: number;
  end: number;
  ended: 'interrupted' | 'records' | 'until' | 'wall' | 'eof';
}

const T = /^(\d+) /;

export async function recordTrace(s: Session, opts: RecordOptions): Promise<Recording> {
  let o = opts;
  const start = Number((await readSim(s)).now);
  if (o.for !== undefined) o = { ...o, until: Math.min(o.until ?? Infinity, start + o.for) };
  const ac = new AbortController();
  let ended: Recording['ended'] = 'interrupted';
  const stop = (why: Recording['ended']): void => {
    if (!ac.signal.aborted) { ended = why; ac.abort(); }
  };
  const onAbort = (): void => stop('interrupted');
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) stop('interrupted');
  const timers: NodeJS.Timeout[] = [];
  if (o.wallMs !== undefined) timers.push(setTimeout(() => stop('wall'), o.wallMs));
  if (o.until !== undefined) {
    // On the same connection: 9P requests are tagged, the blocked read does not stop it.
    const poll = setInterval(() => {
      readSim(s).then((st) => { if (Number(st.now) >= o.until!) stop('until'); }, () => {});
    }, 250);
    timers.push(poll);
  }
  const lines: string[] = [];
  const split = new LineSplitter();
  const dec = new StringDecoder('utf8');
  let live = -1;
  const keep = (line: string): void => {
    if (ac.signal.aborted && ended !== 'interrupted') return;
    const m = T.exec(line);
    if (o.until !== undefined && m && Number(m[1]) > o.until) { stop('until'); return; }
    lines.push(line);
    o.onLine?.(line);
    if (live >= 0) live++;
    if (line.endsWith(' sync')) live = 0;
    if (o.records !== undefined && live >= o.records) stop('records');
  };
  try {
    const r = await follow(s, '/sim/trace', (b) => { for (const l of split.push(dec.write(b))) keep(l); }, ac.signal);
    if (r.ended === 'eof') ended = 'eof';
  } finally {
    for (const t of timers) clearTimeout(t);
    o.signal.removeEventListener('abort', onAbort);
  }
  for (const l of split.push(dec.end())) keep(l);
  const now = Number((await readSim(s)).now);
  return { lines, start, end: o.until !== undefined ? Math.min(now, Math.max(o.until, start)) : now, ended };
}
