// SPDX-License-Identifier: GPL-2.0-or-later
//
// struct proc, reduced to what the simulation observes; the pid allocator (round robin
// over 1..PID_MAX from a moving cursor, 0 reserved); setState, which throws on any edge
// __proc_set_state() would panic on.

import { VcoreSet } from './vcore.js';
import { isLegal, STATE_NAMES, CREATED, DEFAULT_EXITCODE, PID_MAX } from './types.js';
import type { Mailbox } from './mailbox.js';
import type { AlarmSet } from './alarm.js';

export interface EvqCfg { kind: 'ucq' | 'bitmap' | 'ceq' | 'off'; flags: number; vcore: number; alert: boolean }

export class Proc {
  ppid = 0;
  name = '';
  state = CREATED;
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
  /** cores being preempted (warned) on this proc's behalf */
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
  /** PACKED: allocated cores per cpu / socket / numa node (only kept under PACKED) */
  topo: { n: number; cpu: Map<number, number>; socket: Map<number, number>; numa: Map<number, number> } | null = null;
  mbox: Mailbox | null = null;
  evq: Map<number, EvqCfg> | null = null;
  alarms: AlarmSet | null = null;
  lasterr = '';
  constructor(readonly pid: number, readonly user: string, readonly createdT: number) {
    this.stateSince = createdT;
  }

  setState(to: number, now: number): void {
    if (!isLegal(this.state, to)) {
      throw new Error(`illegal transition pid ${this.pid}: ${STATE_NAMES[this.state]} -> ${STATE_NAMES[to]}`);
    }
    this.stateNs[this.state] += now - this.stateSince;
    this.stateSince = now;
    this.state = to;
  }

  get provisioned(): number { return this.nProvAlloc + this.nProvNot; }
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
