// SPDX-License-Identifier: GPL-2.0-or-later
//
// The reads: rows and records the devices format, and the debugging snapshot. Nothing
// here changes state; a pid that names no listed process is ESRCH, a bad core ENXIO.

import { perr } from '../lib/9p/error.js';
import { ESRCH } from '../lib/9p/errno.js';
import type { KState } from './state.js';
import type { Proc } from './proc.js';
import { L_ONLINE, L_BULK, CTX_VC, CTX_UTH } from './vcore.js';
import { STATE_NAMES, EVF, type Policy, type ProcStatus, type VcoreRow, type CoreRow, type CoreStatus, type SysstatRow } from './types.js';
import { provCores } from './prov.js';
import { checkCore } from './coreadmin.js';

export interface ProcInfo { pid: number; ppid: number; name: string; user: string; state: string; isMcp: boolean; exitcode: number; dead: boolean }
export interface MachineInfo { ncores: number; ll: number[]; policy: Policy; graceNs: number; tickNs: number; maxVcores: number; hostowner: string }
export interface TimeInfo { sec: number; nsec: number; ticks: number; freq: number }
export interface AlarmRow { id: number; at: number; period: number; count: number }

/** The listed process pid (alive or dead-not-reaped); ESRCH otherwise. */
export function procOf(s: KState, pid: number): Proc {
  const p = s.procs.get(pid);
  if (!p) throw perr(ESRCH, `${pid}: no such process`);
  return p;
}

export function timeInfo(s: KState): TimeInfo {
  const t = s.clock.now;
  return { sec: Math.floor(t / 1e9), nsec: t % 1e9, ticks: t, freq: 1e9 };
}

export function machineInfo(s: KState): MachineInfo {
  return { ncores: s.m.n, ll: [...s.m.ll], policy: s.policy, graceNs: s.graceNs, tickNs: s.tickNs, maxVcores: s.maxVcores, hostowner: s.hostowner };
}

export function pids(s: KState): number[] { return [...s.procs.keys()].sort((a, b) => a - b); }

export function procInfo(s: KState, pid: number): ProcInfo {
  const p = procOf(s, pid);
  return { pid, ppid: p.ppid, name: p.name, user: p.user, state: STATE_NAMES[p.state], isMcp: p.isMcp, exitcode: p.exitcode, dead: p.dead };
}

export function status(s: KState, pid: number): ProcStatus {
  const p = procOf(s, pid);
  return { pid, name: p.name, user: p.user, state: STATE_NAMES[p.state], wanted: p.wanted, granted: p.numVcores,
    provisioned: p.provisioned, vcores: p.numVcores, max_vcores: s.maxVcores, preempt_pending: p.warnedVcores, lasterr: p.lasterr };
}

export function granted(s: KState, pid: number): number[] {
  const p = procOf(s, pid);
  return p.vc.online.ids(p.vc.vcs).map((v) => p.vc.vcs[v].pcore).sort((a, b) => a - b);
}

export function provList(s: KState, pid: number): number[] { return provCores(s.m, procOf(s, pid)).sort((a, b) => a - b); }

export function vcoreRows(s: KState, pid: number): VcoreRow[] {
  const p = procOf(s, pid), now = s.clock.now;
  return p.vc.vcs.map((v) => ({
    vcore: v.id, pcore: v.pcore,
    state: v.list === L_ONLINE ? 'online' : v.list === L_BULK || v.preempted ? 'preempted' : 'inactive',
    preempt_deadline: v.warned && !v.ppCleared ? v.preemptPending : 0, sent: v.sent, done: v.done,
    flags: (v.preempted ? 'P' : '') + (v.canRcvMsg ? 'R' : '') + (v.notifPending ? 'N' : '') + (v.notifDisabled ? 'D' : '') || '-',
    ctx: v.ctx === CTX_VC ? 'vc' as const : v.ctx === CTX_UTH ? 'uth' as const : '-' as const,
    run_ns: v.runNs + (v.pcore >= 0 ? now - v.resumeT : 0),
  }));
}

export function procStat(s: KState, pid: number): Record<string, number> {
  const p = procOf(s, pid), now = s.clock.now;
  const out: Record<string, number> = { created_at: p.createdT };
  STATE_NAMES.forEach((name, i) => { out[`${name.toLowerCase()}_ns`] = p.stateNs[i] + (p.state === i ? now - p.stateSince : 0); });
  const run = vcoreRows(s, pid).reduce((a, r) => a + r.run_ns, 0);
  Object.assign(out, { run_ns: run, grants: p.grants, revokes: p.revokes, yields: p.yields, yield_fails: p.yieldFails,
    warned: p.warned, yielded_in_time: p.yieldedInTime, forced: p.forced, events: p.events,
    events_lost: p.mbox?.lostTotal ?? 0 });
  return out;
}

function coreState(s: KState, c: number): 'idle' | 'busy' | 'offline' {
  return s.m.offline[c] ? 'offline' : s.m.alloc[c] ? 'busy' : 'idle';
}

export function coreRows(s: KState): CoreRow[] {
  const m = s.m, out: CoreRow[] = [];
  for (let c = 0; c < m.n; c++) out.push({ core: c, role: m.isLL[c] ? 'll' : 'cg', state: coreState(s, c), prov: m.prov[c], alloc: m.alloc[c], vcore: m.vcore[c] });
  return out;
}

export function coreStatus(s: KState, c: number): CoreStatus {
  const m = s.m;
  checkCore(s, c, 'core');
  return { core: c, role: m.isLL[c] ? 'll' : 'cg', state: coreState(s, c), proc: m.alloc[c], vcore: m.vcore[c],
    prov: m.prov[c], socket: m.socket[c], numa: m.numa[c], cpu: m.cpu[c] };
}

export function sysstat(s: KState): SysstatRow[] {
  const m = s.m, now = s.clock.now, out: SysstatRow[] = [];
  for (let c = 0; c < m.n; c++) {
    const d = m.offline[c] ? 0 : now - m.since[c];
    out.push({ core: c, idle_ns: m.idleNs[c] + (m.alloc[c] ? 0 : d), user_ns: m.userNs[c] + (m.alloc[c] ? d : 0), kernel_ns: 0,
      grants: m.grants[c], preemptions: m.preempts[c], warned: m.warned[c], yielded_in_time: m.yieldedInTime[c], forced: m.forced[c] });
  }
  return out;
}

export function alarmRow(s: KState, pid: number, id: number): AlarmRow | undefined {
  const a = s.procs.get(pid)?.alarms?.list.get(id);
  return a ? { id: a.id, at: a.at, period: a.period, count: a.count } : undefined;
}

export interface EvqRow { type: number; mbox: string; flags: string[]; vcore: number }

/** The registrations, by type: the mailbox kind, the flag names, ev_vcore. */
export function evqRows(s: KState, pid: number): EvqRow[] {
  const p = procOf(s, pid);
  if (!p.evq) return [];
  return [...p.evq.entries()].sort((a, b) => a[0] - b[0]).map(([type, c]) => ({
    type, mbox: c.kind, vcore: c.vcore,
    flags: Object.entries(EVF).filter(([, bit]) => c.flags & bit).map(([name]) => name),
  }));
}

export function alarmRows(s: KState, pid: number): AlarmRow[] {
  const p = procOf(s, pid);
  return p.alarms ? [...p.alarms.list.values()].map(({ id, at, period, count }) => ({ id, at, period, count })) : [];
}

/** Plain JSON of the whole state, for debugging and tests (not yet restorable). */
export function snapshot(s: KState): Record<string, unknown> {
  const m = s.m;
  return {
    now: s.clock.now, policy: s.policy, graceNs: s.graceNs, tickNs: s.tickNs, rng: s.rng.state,
    pidCursor: s.pidAlloc.state, mcpSeqNext: s.mcpSeqNext, evSeq: s.evSeq, logNext: s.log.next,
    cores: coreRows(s).map((r, c) => ({ ...r, offline: m.offline[c], warnFor: m.warnFor[c] })),
    idle: m.idleList(), runnableScps: [...s.runnableScps],
    procs: pids(s).map((pid) => ({ ...status(s, pid), ppid: s.procs.get(pid)!.ppid, vcores: vcoreRows(s, pid),
      prov: provList(s, pid), stat: procStat(s, pid) })),
    pending: s.clock.pendingTags(),
  };
}
