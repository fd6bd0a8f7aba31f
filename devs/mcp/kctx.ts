// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the kernel devices (#mcp, #core, #proc, #sim) need from kern/, and the little
// context they share: the kernel, the clock driver's sync() (so a command in real-time
// mode happens at the current virtual time), and the identity to act as.
//
// KernelApi is a structural subset of kern's Kernel (kern/README.md): the devices are
// written against this shape so they compile and test against anything that has it.

import { P9Error, perr } from '../../lib/9p/error.js';
import { ESRCH } from '../../lib/9p/errno.js';
import type { Caller } from '../types.js';

export interface ProcStatusRow {
  pid: number; name: string; user: string; state: string; wanted: number; granted: number;
  provisioned: number; vcores: number; max_vcores: number; preempt_pending: number; lasterr: string;
}

export interface ProcInfoRow {
  pid: number; ppid: number; name: string; user: string; state: string; isMcp: boolean;
  exitcode: number; dead: boolean;
}

export interface VcoreRowT {
  vcore: number; pcore: number; state: string; preempt_deadline: number; sent: number;
  done: number; run_ns: number;
}

export interface CoreRowT { core: number; role: string; state: string; prov: number; alloc: number; vcore: number }

export interface CoreStatusT {
  core: number; role: string; state: string; proc: number; vcore: number; prov: number;
  socket: number; numa: number; cpu: number;
}

export interface SysstatRowT {
  core: number; idle_ns: number; user_ns: number; kernel_ns: number; grants: number;
  preemptions: number; warned: number; yielded_in_time: number; forced: number;
}

export interface WaitRec { pid: number; code: number; reason: string }

export interface EventMsgLike { seq: number; t: number; type: number }

export interface MailboxLike<M = any> {
  take(max?: number): M[];
  readonly size: number;
  readonly closed: boolean;
  subscribe(fn: () => void): () => void;
}

export interface KernelLogLike {
  since(cursor: number): { seq: number; t: number; kind: string; text: string }[];
  readonly next: number;
  subscribe(fn: (r: any) => void): () => void;
  add(t: number, kind: string, text: string): void;
}

export interface ClockLike {
  now: number;
  eventsRun: number;
  schedule(at: number, fn: () => void, tag?: string | null): number;
  cancel(h: number): boolean;
  nextTime(): number;
  runUntil(t: number): void;
}

export interface KernelApi {
  now(): number;
  timeInfo(): { sec: number; nsec: number; ticks: number; freq: number };
  machine(): { ncores: number; ll: number[]; policy: string; graceNs: number; tickNs: number; maxVcores: number; hostowner: string };
  pids(): number[];
  mcpPids(): number[];
  has(pid: number): boolean;
  procInfo(pid: number): ProcInfoRow;
  status(pid: number): ProcStatusRow;
  granted(pid: number): number[];
  provList(pid: number): number[];
  vcoreRows(pid: number): VcoreRowT[];
  procStat(pid: number): Record<string, number>;
  coreRows(): CoreRowT[];
  idleList(): number[];
  coreStatus(c: number): CoreStatusT;
  sysstat(): SysstatRowT[];
  mailbox(pid: number): MailboxLike;
  waitRecord(pid: number): WaitRec | undefined;
  onExit(pid: number, fn: (rec: WaitRec) => void): () => void;
  setLasterr(pid: number, detail: string): void;
  readonly log: KernelLogLike;
  readonly clock: ClockLike;

  createMcp(user: string, name?: string): number;
  createScp(user: string, name?: string, ppid?: number): number;
  run(user: string, pid: number): void;
  changeToM(user: string, pid: number): void;
  kill(user: string, pid: number, code?: number): void;
  setName(user: string, pid: number, name: string): void;
  cores(user: string, pid: number, n: number): void;
  want(user: string, pid: number, n: number): void;
  prov(user: string, pid: number, cores: number[], force?: boolean): void;
  unprov(user: string, pid: number, cores: number[] | 'all'): void;
  yield(user: string, pid: number, vcore: number, nice?: boolean): void;
  notify(user: string, pid: number, type: string | number, args?: number[]): void;
  ev(user: string, pid: number, type: string | number, mbox: any, flags?: string[] | string): void;
  reap(user: string, pid: number): void;
  /** The one entry point (kern/commands.ts Command); used for verbs without a wrapper. */
  apply(cmd: { op: string; user: string } & Record<string, unknown>): number | undefined;
  coreOffline(user: string, c: number): void;
  coreOnline(user: string, c: number): void;
  coreProv(user: string, c: number, pid: number): void;
  coreUnprov(user: string, c: number): void;
  setPolicy(user: string, p: any): void;
  setGrace(user: string, ns: number): void;
  setTick(user: string, ns: number): void;
  step(user: string, ns: number): void;
  seed(user: string, n: number): void;
}

/** The driver surface #sim uses (kern's ClockDriver). */
export interface DriverLike {
  pause(): void;
  resume(): void;
  setSpeed(x: number): void;
  step(ns: number): void;
  sync(): void;
  status(): { mode: 'paused' | 'running'; speed: number; now: number; lag: number; eventsRun: number };
}

/** A process as the devices hold it: the kernel's own object when it has one (so a pid
 *  handed out again names a new object, hence a new qid), else a handle made here. */
export interface ProcRef { readonly pid: number }

/** Errors thrown by the kernel (it has already set lasterr and logged them). */
const kernelErrors = new WeakSet<object>();

export class KCtx {
  private readonly refs = new Map<number, { ref: ProcRef; created: number }>();

  constructor(readonly k: KernelApi, readonly driver: DriverLike | undefined, readonly hostowner: string) {}

  /** Bring virtual time up to real time (running mode) before looking or acting. */
  sync(): void {
    this.driver?.sync();
  }

  /** The name the kernel knows the caller by: the host owner acts as the kernel's. */
  user(caller: Caller): string {
    return caller.hostowner ? this.k.machine().hostowner : caller.user;
  }

  /** Runs a kernel command at the current virtual time; its errors are marked as the
   *  kernel's (lasterr and the log are already done). */
  act<T>(fn: (k: KernelApi) => T): T {
    this.sync();
    try {
      return fn(this.k);
    } catch (e) {
      if (e instanceof P9Error) kernelErrors.add(e);
      throw e;
    }
  }

  /** ctlError for per-process ctl files: parse errors of the device go to lasterr and the
   *  kernel log too (the kernel's own errors already did). */
  recordError(pid: number, err: P9Error): void {
    if (kernelErrors.has(err)) return;
    try {
      if (this.k.has(pid)) this.k.setLasterr(pid, err.detail ?? err.text);
    } catch { /* the process went away meanwhile */ }
  }

  /** The live process object for `pid`, or undefined. The kernel's Proc when it exposes
   *  its table, so identity follows the process and not the pid. */
  lookup(pid: number): ProcRef | undefined {
    if (!this.k.has(pid)) return undefined;
    const procs = (this.k as unknown as { procs?: Map<number, ProcRef> }).procs;
    const p = procs instanceof Map ? procs.get(pid) : undefined;
    if (p) return p;
    // No table: a handle per (pid, creation time).
    let created = 0;
    try { created = this.k.procStat(pid).created_at ?? 0; } catch { return undefined; }
    const r = this.refs.get(pid);
    if (r && r.created === created) return r.ref;
    const ref = { pid };
    this.refs.set(pid, { ref, created });
    return ref;
  }

  /** Throws ESRCH unless `ref` is still the process its pid names (it may have been
   *  reaped, and the pid handed out again). */
  live(ref: ProcRef): number {
    if (this.lookup(ref.pid) !== ref) throw perr(ESRCH, `process ${ref.pid} is gone`);
    return ref.pid;
  }
}
