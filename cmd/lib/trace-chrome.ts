// SPDX-License-Identifier: GPL-2.0-or-later
//
// A timeline as Chrome trace-event JSON (the format chrome://tracing and Perfetto's
// ui.perfetto.dev open as-is): `{ traceEvents: [...] }` with timestamps in microseconds.
//
//   process 1 "cores"           one thread per pcore ("core 3"): a complete slice ('X')
//                               per tenure, named for the MCP; a nested "grace" slice
//                               from each warning to its end; instants ('i') "warn" and
//                               "preempt" (a forced revoke) on the core
//   process 100000+PID "mcp PID NAME"
//                               counters ('C') "cores": wanted, granted, provisioned;
//                               instants on its "events" thread: each kernel event sent
//                               to it, workload phases, its exit
//   a global instant "lost N records" where a reader fell behind
//
// Names and sort order come from metadata events ('M': process_name, thread_name,
// process_sort_index, thread_sort_index).

import type { Timeline } from './trace-model.js';

export interface ChromeEvent {
  name: string;
  ph: 'X' | 'i' | 'C' | 'M';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  s?: 'g' | 'p' | 't';
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns' | 'ms';
  otherData: Record<string, string | number>;
}

export const CORES_PID = 1;
export const MCP_PID_BASE = 100000;
const EVENTS_TID = 1;

/** Virtual ns -> trace µs. */
const us = (ns: number): number => ns / 1000;

export function procLabel(tl: Timeline, pid: number): string {
  const m = tl.procs.get(pid);
  return m?.name ? `mcp ${pid} ${m.name}` : `mcp ${pid}`;
}

export function toChrome(tl: Timeline, info: Record<string, string | number> = {}): ChromeTrace {
  const ev: ChromeEvent[] = [];
  const meta = (name: string, pid: number, tid: number, args: Record<string, unknown>): void => {
    ev.push({ name, ph: 'M', pid, tid, ts: 0, args });
  };
  meta('process_name', CORES_PID, 0, { name: 'cores' });
  meta('process_sort_index', CORES_PID, 0, { sort_index: 0 });
  for (let c = 0; c < tl.ncores; c++) {
    meta('thread_name', CORES_PID, c + 1, { name: `core ${c}${tl.ll.includes(c) ? ' (ll)' : ''}` });
    meta('thread_sort_index', CORES_PID, c + 1, { sort_index: c });
  }
  const pids = new Set<number>([...tl.counters.keys(), ...tl.instants.map((i) => i.pid).filter((p) => p > 0)]);
  for (const pid of [...pids].sort((a, b) => a - b)) {
    meta('process_name', MCP_PID_BASE + pid, 0, { name: procLabel(tl, pid) });
    meta('process_sort_index', MCP_PID_BASE + pid, 0, { sort_index: pid });
    meta('thread_name', MCP_PID_BASE + pid, EVENTS_TID, { name: 'events' });
  }

  for (const x of tl.tenures) {
    ev.push({
      name: procLabel(tl, x.pid), cat: 'tenure', ph: 'X', pid: CORES_PID, tid: x.pcore + 1, ts: us(x.t0), dur: us(x.t1 - x.t0),
      args: { pid: x.pid, vcore: x.vcore, end: x.end, ...(x.before ? { held_before_trace: true } : {}) },
    });
  }
  for (const w of tl.warnings) {
    const args = { pid: w.pid, vcore: w.vcore, for: w.for, deadline_ns: w.deadline, outcome: w.outcome };
    ev.push({ name: 'warn', cat: 'preempt', ph: 'i', s: 't', pid: CORES_PID, tid: w.pcore + 1, ts: us(w.t), args });
    if (w.end > w.t) ev.push({ name: 'grace', cat: 'grace', ph: 'X', pid: CORES_PID, tid: w.pcore + 1, ts: us(w.t), dur: us(w.end - w.t), args });
  }
  for (const r of tl.revokes) {
    ev.push({ name: 'preempt', cat: 'preempt', ph: 'i', s: 't', pid: CORES_PID, tid: r.pcore + 1, ts: us(r.t),
      args: { pid: r.pid, vcore: r.vcore, for: r.for } });
  }
  for (const [pid, samples] of tl.counters) {
    for (const c of samples) {
      ev.push({ name: 'cores', ph: 'C', pid: MCP_PID_BASE + pid, tid: 0, ts: us(c.t),
        args: { wanted: c.wanted, granted: c.granted, provisioned: c.provisioned } });
    }
  }
  for (const i of tl.instants) {
    if (i.pid <= 0) continue;
    ev.push({ name: i.name, cat: i.kind, ph: 'i', s: 't', pid: MCP_PID_BASE + i.pid, tid: EVENTS_TID, ts: us(i.t), args: i.args });
  }
  for (const l of tl.lost) {
    ev.push({ name: `lost ${l.n} records`, cat: 'lost', ph: 'i', s: 'g', pid: CORES_PID, tid: 0, ts: us(l.t), args: { n: l.n } });
  }
  return {
    traceEvents: ev,
    displayTimeUnit: 'ns',
    otherData: { source: 'akaros /sim/trace', clock: 'virtual', start_ns: tl.t0, end_ns: tl.t1, ...info },
  };
}
