// SPDX-License-Identifier: GPL-2.0-or-later
//
// The scheduling trace: every decision of the kernel (a core granted, yielded, warned,
// revoked; a provision; a want; a process's state; an event sent...) as a typed record
// with its virtual time, in a bounded ring that readers follow with their own cursors
// (devs/sim/trace.ts serves it as /sim/trace).
//
// Observability, not state: the Tracer is not a field of KState (tracerOf keys it on the
// state object), so a snapshot neither sees nor restores it. It records only while
// someone holds it open; otherwise a hook costs one call and one test of a module-level
// counter, so the ksched's hot paths do not pay for it. The hooks are one line each at
// the decision points, next to the kernel log's notes; this file imports nothing of the
// kernel but the state names, so any file of kern/ may call it (no cycle).

import { perr } from '../lib/9p/error.js';
import { EBUSY, ERANGE } from '../lib/9p/errno.js';
import { STATE_NAMES } from './types.js';

export type TraceValue = number | string;

/** One decision: `seq` (0, 1, ... per kernel), `t` (virtual ns), `kind`, then the kind's
 *  fields (TRACE_FIELDS) in order. */
export interface TraceRecord {
  seq: number;
  t: number;
  kind: string;
  [field: string]: TraceValue;
}

/** The fields of each record kind, in the order the hooks pass them and readers print them.
 *  `mcp`, `in_time`: 0 or 1; `for`, `to`: a pid, 0 for none; states by name
 *  (RUNNING_M...), event types by name (EV_PREEMPT_PENDING...). */
export const TRACE_FIELDS = {
  create: ['pid', 'user', 'mcp', 'name'],
  name: ['pid', 'name'],
  state: ['pid', 'from', 'to'],
  want: ['pid', 'n'],
  prov: ['pid', 'pcore'],
  unprov: ['pid', 'pcore'],
  grant: ['pid', 'vcore', 'pcore'],
  change: ['pid', 'vcore', 'to', 'pcore'],
  yield: ['pid', 'vcore', 'pcore', 'in_time', 'to'],
  warn: ['pid', 'vcore', 'pcore', 'for', 'deadline'],
  revoke: ['pid', 'vcore', 'pcore', 'for'],
  withdraw: ['pcore', 'for'],
  event: ['pid', 'type', 'vcore', 'a1', 'a2', 'a3', 'a4'],
  exit: ['pid', 'code', 'reason'],
  reap: ['pid'],
  scp: ['pid', 'pcore'],
  offline: ['pcore'],
  online: ['pcore'],
  policy: ['policy'],
  grace: ['ns'],
  tick: ['ns'],
  phase: ['pid', 'name'],
} as const satisfies Record<string, readonly string[]>;

export type TraceKind = keyof typeof TRACE_FIELDS;

/** What the hooks need of the kernel state (structural, so this file imports no state). */
export interface TraceHost {
  readonly clock: { readonly now: number };
  readonly procs: ReadonlyMap<number, { readonly pid: number }>;
}

/** Default ring size (records); a reader further behind than this loses records. */
export const TRACE_MAX = 65536;

/** Tracers that have a reader, process-wide: the one test a disabled hook makes. */
let live = 0;
const tracers = new WeakMap<object, Tracer>();
/** Processes of a traced kernel, for the state hook (a Proc does not know its kernel). */
const procTracer = new WeakMap<object, Tracer>();

export class Tracer {
  private ring: (TraceRecord | undefined)[];
  private cap: number;
  /** seq of the next record */
  next = 0;
  /** seq of the first record of the current recording (the ring is emptied between two) */
  private base = 0;
  private refs = 0;
  private readonly subs = new Set<() => void>();

  constructor(private readonly host: TraceHost, capacity = TRACE_MAX) {
    this.cap = checkCapacity(capacity);
    this.ring = new Array<TraceRecord | undefined>(this.cap);
  }

  /** Records are being kept (someone holds the trace open). */
  get on(): boolean { return this.refs > 0; }

  get capacity(): number { return this.cap; }

  /** The oldest seq still held. */
  get oldest(): number { return Math.max(this.base, this.next - this.cap); }

  /** A reader starts: recording begins with the first one. */
  open(): void {
    if (this.refs++ > 0) return;
    live++;
    this.base = this.next;
    for (const p of this.host.procs.values()) procTracer.set(p, this);
  }

  /** A reader is done: with the last one recording stops and the ring is let go. */
  close(): void {
    if (this.refs === 0) return;
    if (--this.refs > 0) return;
    live--;
    this.ring.fill(undefined);
  }

  /** Ring size in records; only while nobody reads (EBUSY otherwise). */
  setCapacity(n: number): void {
    if (this.refs > 0) throw perr(EBUSY, `trace capacity ${n}: ${this.refs} readers hold the trace open`);
    this.cap = checkCapacity(n);
    this.ring = new Array<TraceRecord | undefined>(this.cap);
  }

  /** The record with this seq, if still held. */
  at(seq: number): TraceRecord | undefined {
    if (seq < this.oldest || seq >= this.next) return undefined;
    return this.ring[seq % this.cap];
  }

  /** fn runs after every record (synchronously, inside the kernel operation). */
  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => { this.subs.delete(fn); };
  }

  /** Append a record of `kind` now, its fields in TRACE_FIELDS order (a workload's
   *  `phase`, or anything else above the kernel that belongs in the same stream). */
  emit(kind: TraceKind, ...vals: TraceValue[]): void {
    if (this.on) this.push(this.host.clock.now, kind, vals);
  }

  /** Register a process created while recording (the state hook finds it). */
  adopt(p: object): void { procTracer.set(p, this); }

  /** `extra`: fields after the kind's own, named `x_KEY` (an event's extensions). */
  push(t: number, kind: TraceKind, vals: readonly (TraceValue | undefined)[], extra?: readonly [string, TraceValue][]): void {
    const r: TraceRecord = { seq: this.next, t, kind };
    const names = TRACE_FIELDS[kind];
    for (let i = 0; i < names.length; i++) r[names[i]] = vals[i] ?? 0;
    if (extra) for (const [k, v] of extra) r[`x_${k}`] = v;
    this.ring[this.next % this.cap] = r;
    this.next++;
    for (const fn of this.subs) fn();
  }
}

function checkCapacity(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1 << 24) throw perr(ERANGE, `trace capacity ${n}: want 1..${1 << 24}`);
  return n;
}

/** The tracer of a kernel state (made on first use). */
export function tracerOf(s: TraceHost): Tracer {
  let t = tracers.get(s);
  if (!t) tracers.set(s, (t = new Tracer(s)));
  return t;
}

/** The hook: record a decision of `kind` at the state's current time, if anyone reads. */
export function trace(s: TraceHost, kind: TraceKind, a?: TraceValue, b?: TraceValue, c?: TraceValue,
  d?: TraceValue, e?: TraceValue, f?: TraceValue, g?: TraceValue): void {
  if (live === 0) return;
  const tr = tracers.get(s);
  if (tr && tr.on) tr.push(s.clock.now, kind, [a, b, c, d, e, f, g]);
}

/** The event hook: `event pid type vcore a1 a2 a3 a4`, then the event's extension fields
 *  as `x_KEY` (x_deadline, x_pcore, x_pid...), as /mcp/N/events prints them. */
export function traceEvent(s: TraceHost, pid: number, type: string, vcore: number,
  args: readonly [number, number, number, number], x?: readonly [string, number][]): void {
  if (live === 0) return;
  const tr = tracers.get(s);
  if (tr && tr.on) tr.push(s.clock.now, 'event', [pid, type, vcore, args[0], args[1], args[2], args[3]], x);
}

/** The creation hook: the `create` record, and the process becomes known to the state hook. */
export function traceCreate(s: TraceHost, p: { pid: number; user: string; name: string }, mcp: boolean): void {
  if (live === 0) return;
  const tr = tracers.get(s);
  if (!tr || !tr.on) return;
  tr.adopt(p);
  tr.push(s.clock.now, 'create', [p.pid, p.user, mcp ? 1 : 0, p.name]);
}

/** The state hook (Proc.setState): `state pid from to`. */
export function traceState(p: { pid: number }, from: number, to: number, now: number): void {
  if (live === 0) return;
  const tr = procTracer.get(p);
  if (tr && tr.on) tr.push(now, 'state', [p.pid, STATE_NAMES[from], STATE_NAMES[to]]);
}
