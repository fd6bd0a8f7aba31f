// SPDX-License-Identifier: GPL-2.0-or-later
//
// Constants and shapes shared by the kernel modules and the devices: Akaros's eight
// process states and the legal edges of __proc_set_state() (akaros.md §1.2), the event
// types (§3.1), the config and the row types the reads return.

export const CREATED = 0, RUNNABLE_S = 1, RUNNING_S = 2, WAITING = 3, DYING = 4,
  DYING_ABORT = 5, RUNNABLE_M = 6, RUNNING_M = 7;
export type ProcState = number;
export const STATE_NAMES = ['CREATED', 'RUNNABLE_S', 'RUNNING_S', 'WAITING', 'DYING',
  'DYING_ABORT', 'RUNNABLE_M', 'RUNNING_M'] as const;

/** LEGAL[from] = bitmask of allowed `to` states (akaros.md §1.2). */
export const LEGAL: readonly number[] = (() => {
  const m = new Array<number>(8).fill(0);
  const e = (a: number, ...bs: number[]) => { for (const b of bs) m[a] |= 1 << b; };
  e(CREATED, RUNNABLE_S, DYING);
  e(RUNNABLE_S, RUNNING_S, DYING);
  e(RUNNING_S, RUNNABLE_S, WAITING, RUNNABLE_M, DYING);
  e(WAITING, RUNNING_S, RUNNABLE_S, RUNNABLE_M, DYING);
  e(RUNNABLE_M, RUNNING_M, DYING);
  e(RUNNING_M, RUNNABLE_M, WAITING, RUNNABLE_S, DYING);
  e(DYING, DYING_ABORT);
  return m;
})();

export function isLegal(from: number, to: number): boolean { return (LEGAL[from] & (1 << to)) !== 0; }

export const PID_MAX = 32767;
export const PROGNAME_MAX = 19;
export const DEFAULT_EXITCODE = 1337;
export const SIGCHLD = 17;

export const EV_NONE = 0, EV_PREEMPT_PENDING = 1, EV_GANG_PREMPT_PENDING = 2,
  EV_VCORE_PREEMPT = 3, EV_GANG_RETURN = 4, EV_USER_IPI = 5, EV_PAGE_FAULT = 6,
  EV_ALARM = 7, EV_EVENT = 8, EV_FREE_APPLE_PIE = 9, EV_SYSCALL = 10, EV_CHECK_MSGS = 11,
  EV_POSIX_SIGNAL = 12;
export const MAX_NR_EVENT = 50;
export const EV_NAMES = ['EV_NONE', 'EV_PREEMPT_PENDING', 'EV_GANG_PREMPT_PENDING',
  'EV_VCORE_PREEMPT', 'EV_GANG_RETURN', 'EV_USER_IPI', 'EV_PAGE_FAULT', 'EV_ALARM',
  'EV_EVENT', 'EV_FREE_APPLE_PIE', 'EV_SYSCALL', 'EV_CHECK_MSGS', 'EV_POSIX_SIGNAL'];

export function evName(t: number): string { return EV_NAMES[t] ?? `EV_${t}`; }

/** Event type by name (`EV_ALARM`, `ALARM`, case-insensitive) or number (0..49); -1 if unknown. */
export function evType(x: string | number): number {
  if (typeof x === 'number') return Number.isInteger(x) && x >= 0 && x < MAX_NR_EVENT ? x : -1;
  const s = x.trim().toUpperCase();
  if (/^\d+$/.test(s)) return evType(Number(s));
  const i = EV_NAMES.indexOf(s.startsWith('EV_') ? s : 'EV_' + s);
  if (i >= 0) return i;
  const m = /^EV_(\d+)$/.exec(s);
  return m ? evType(Number(m[1])) : -1;
}

/** ev_q flags (akaros.md §3.2) by their lower-case names without EVENT_. */
export const EVF: Record<string, number> = {
  ipi: 0x001, spam_public: 0x002, indir: 0x004, vcore_private: 0x008, spam_indir: 0x010,
  vcore_must_run: 0x020, nothrottle: 0x040, roundrobin: 0x080, vcore_appro: 0x100,
  wakeup: 0x200,
  /** not an Akaros flag: CEQ coalesces arg2 by ADD instead of OR */
  ceq_add: 0x10000,
};

export type Policy = 'fcfs' | 'packed';
export type MboxKind = 'ucq' | 'bitmap' | 'ceq' | 'off';

export interface Topology { sockets?: number; numa?: number; ht?: boolean }

export interface KernelConfig {
  ncores?: number;
  llCores?: number[];
  topology?: Topology;
  policy?: Policy;
  graceNs?: number;
  tickNs?: number;
  seed?: number;
  hostowner?: string;
  zombieNs?: number;
  logMax?: number;
  /** kernel log bound in characters of formatted records (default 4 MiB) */
  logMaxBytes?: number;
  /** messages a process's UCQ holds before it drops and counts (default 4096) */
  evqMax?: number;
  /** processes (live or not yet reaped) per user; the host owner is exempt (default 1024) */
  nprocMax?: number;
  journal?: boolean;
}

export interface ProcStatus {
  pid: number; name: string; user: string; state: string; wanted: number; granted: number;
  provisioned: number; vcores: number; max_vcores: number; preempt_pending: number; lasterr: string;
}

export interface VcoreRow {
  vcore: number; pcore: number; state: 'online' | 'inactive' | 'preempted';
  preempt_deadline: number; sent: number; done: number;
  /** VCPD flags and notif state: P VC_PREEMPTED, R VC_CAN_RCV_MSG, N notif_pending,
   *  D notif_disabled (in vcore context); '-' for none */
  flags: string;
  /** what the last preemption saved: 'vc' (vcore_ctx), 'uth' (uthread_ctx), '-' nothing */
  ctx: 'vc' | 'uth' | '-';
  run_ns: number;
}

export interface CoreRow { core: number; role: 'll' | 'cg'; state: 'idle' | 'busy' | 'offline'; prov: number; alloc: number; vcore: number }

export interface CoreStatus {
  core: number; role: 'll' | 'cg'; state: 'idle' | 'busy' | 'offline'; proc: number; vcore: number;
  prov: number; socket: number; numa: number; cpu: number;
}

export interface SysstatRow {
  core: number; idle_ns: number; user_ns: number; kernel_ns: number; grants: number;
  preemptions: number; warned: number; yielded_in_time: number; forced: number;
}

export interface WaitRecord { pid: number; code: number; reason: 'killed' | 'exit' }
