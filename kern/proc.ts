// SPDX-License-Identifier: GPL-2.0-or-later
//
// struct proc, reduced to what the simulation observes; the pid allocator (round robin
// over 1..PID_MAX from a moving cursor, 0 reserved); setState, which throws on any edge
// __proc_set_state() would panic on. Plain data plus the few methods that keep a
// per-process count in step with the vcores it counts.

import { VcoreSet, type Vcore } from './vcore.js';
import { isLegal, STATE_NAMES, CREATED, DEFAULT_EXITCODE, PID_MAX, type ProcState } from './types.js';
import type { Mailbox } from './mailbox.js';
import { traceState } from './trace.js';

export interface EvqCfg { kind: 'ucq' | 'bitmap' | 'ceq' | 'off'; flags: number; vcore: number; alert: boolean }

/** One #alarm alarm (alarm.ts runs them): wake-up time (0 = disarmed), period (0 = one-shot),
 *  firings since the last count read or timer write; `handle` is its pending clock event
 *  (-1 none); `closed` once released. */
export interface Alarm { id: number; at: number; period: number; count: number; handle: number; closed: boolean }

/** A process's alarms: ids 0, 1, ... never reused. */
export interface AlarmSet { nextId: number; list: Map<number, Alarm> }

/** PACKED's per-process counts of allocated cores per cpu / socket / NUMA node. */
export interface TopoCounts { n: number; cpu: Map<number, number>; socket: Map<number, number>; numa: Map<number, number> }

/**
 * What a device may see of a process: who it is and where it is in its life. The kernel
 * hands out its own object (so a pid handed out again is a different object), typed so
 * that nothing outside kern/ changes it.
 */
export interface ProcView {
  readonly pid: number;
  readonly user: string;
  readonly name: string;
  readonly ppid: number;
  readonly state: ProcState;
  readonly isMcp: boolean;
  readonly dead: boolean;
}

export class Proc implements ProcView {
  ppid = 0;
  name = '';
  state: ProcState = CREATED;
  isMcp = false;
  wanted = 0;
  exitcode = DEFAULT_EXITCODE;
  dead = false;
  deathT = 0;
  vc = new VcoreSet();
  /** res_grant[RES_CORES] == num_vcores */
  numVcores = 0;
  // provisioning (prov.ts): intrusive lists over the machine's pPrev/pNext
  provAllocHead = -1; provAllocTail = -1; nProvAlloc = 0;
  provNotHead = -1; provNotTail = -1; nProvNot = 0;
  /** cores being taken back (warned) on this proc's behalf */
  incoming = 0;
  /** number of this proc's vcores carrying a pending warning */
  warnedVcores = 0;
  // ksched
  queued = false;
  mcpSeq = 0;
  // accounting
  stateSince = 0;
  stateNs = new Float64Array(8);
  grants = 0; revokes = 0; yields = 0; yieldFails = 0; warned = 0; yieldedInTime = 0;
  forced = 0; events = 0;
  /** kept by the PACKED allocator only (null under FCFS) */
  topo: TopoCounts | null = null;
  mbox: Mailbox | null = null;
  evq: Map<number, EvqCfg> | null = null;
  alarms: AlarmSet | null = null;
  lasterr = '';
  /** an SCP's VCPD 0 notif_pending (an MCP's are per vcore) */
  scpNotifPending = false;
  constructor(readonly pid: number, readonly user: string, readonly createdT: number) {
    this.stateSince = createdT;
  }

  setState(to: ProcState, now: number): void {
    if (!isLegal(this.state, to)) {
      throw new Error(`illegal transition pid ${this.pid}: ${STATE_NAMES[this.state]} -> ${STATE_NAMES[to]}`);
    }
    traceState(this, this.state, to, now);
    this.stateNs[this.state] += now - this.stateSince;
    this.stateSince = now;
    this.state = to;
  }

  get provisioned(): number { return this.nProvAlloc + this.nProvNot; }

  /** vcoremap preempt_pending = deadline on v; warnedVcores follows. */
  warnVcore(v: Vcore, deadline: number): void {
    if (!v.warned) this.warnedVcores++;
    v.warned = true;
    v.ppCleared = false;
    v.preemptPending = deadline;
  }

  /** Drop v's pending warning, if it has one; warnedVcores follows. */
  clearVcoreWarning(v: Vcore): void {
    if (!v.warned) return;
    v.warned = false;
    v.ppCleared = false;
    v.preemptPending = 0;
    this.warnedVcores--;
  }
}

/** Round-robin pid cursor over 1..PID_MAX; skips pids still in use. */
export class PidAllocator {
  private cursor = 0;
  alloc(inUse: (pid: number) => boolean): number {
    for (let i = 0; i < PID_MAX; i++) {
      this.cursor = this.cursor % PID_MAX + 1;
      if (!inUse(this.cursor)) return this.cursor;
    }
    return -1;
  }
  get state(): number { return this.cursor; }
}
