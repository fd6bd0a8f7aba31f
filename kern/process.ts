// SPDX-License-Identifier: GPL-2.0-or-later
//
// The process lifecycle (kern/src/process.c): create, run, change to an MCP, wake up,
// set the cores wanted, yield, destroy and reap; the exit records a `wait` reads.
// Taking and giving single cores is grant.ts (the ksched and preemption need it too);
// this file sits above the ksched because a wakeup pokes it.

import { perr, P9Error } from '../lib/9p/error.js';
import { EAGAIN, EBUSY, EINVAL, ERANGE, ESRCH } from '../lib/9p/errno.js';
import type { KState } from './state.js';
import { Proc } from './proc.js';
import { L_ONLINE, L_BULK, CTX_NONE, CTX_VC, type Vcore } from './vcore.js';
import {
  CREATED, RUNNABLE_S, RUNNING_S, WAITING, DYING, DYING_ABORT, RUNNABLE_M, STATE_NAMES, PROGNAME_MAX,
  PID_MAX, SIGCHLD, EV_POSIX_SIGNAL, RUNNING_M, EV_NONE, EV_CHECK_MSGS, EV_VCORE_PREEMPT, type WaitRecord,
} from './types.js';
import { markNeedy, trackDealloc, placeFree, unmapVcore, startVcore } from './grant.js';
import { poke, scheduleScp, scpCoreFreed, scpCore } from './ksched.js';
import { unprovOne } from './coreadmin.js';
import { provCores } from './prov.js';
import { alarmCancelAll } from './alarm.js';
import { sendEvent, defaultEvqs, postSelf } from './events.js';
import { trace, traceCreate } from './trace.js';

/** Exit records kept after reaping, so a late `wait` still gets its answer. */
export const WAIT_KEEP = 4096;

/** Default processes per user, live or not yet reaped (a zombie counts until it is
 *  reaped, as in Linux's RLIMIT_NPROC); the host owner is exempt. */
export const NPROC_MAX = 1024;
/** Pids only the host owner may take: others get EAGAIN once fewer are free, so a crowd
 *  of users can never lock the operator out (old Linux kept MIN_THREADS_LEFT_FOR_ROOT). */
export const PID_RESERVE = 64;

// C0, DEL and C1 controls: a name is printed in line-oriented files (status, /proc, kmesg).
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

export function checkName(name: string): void {
  if (CONTROL.test(name)) throw perr(EINVAL, `name ${JSON.stringify(name).slice(0, 60)}: control character`);
  if (Buffer.byteLength(name) > PROGNAME_MAX) throw perr(EINVAL, `name ${name}: longer than ${PROGNAME_MAX} bytes`);
}

/** EAGAIN when `user` may not have one more process. */
function checkNproc(s: KState, user: string): void {
  if (user === s.hostowner) return;
  const n = s.userProcs.get(user) ?? 0;
  if (n >= s.nprocMax) throw perr(EAGAIN, `create: ${user} has ${n} processes (limit ${s.nprocMax}; the dead count until reaped)`);
  if (s.procs.size >= PID_MAX - PID_RESERVE) throw perr(EAGAIN, `create: ${s.procs.size} pids in use; the last ${PID_RESERVE} are the host owner's`);
}

/** A core count for `want` / `cores`: 0..max_vcores (ERANGE otherwise). */
export function checkCount(s: KState, op: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > s.maxVcores) throw perr(ERANGE, `${op} ${n}: want 0..${s.maxVcores} (max_vcores)`);
}

/** proc_create; an MCP is also run and changed to M in the same instant, without the LL core. */
export function create(s: KState, user: string, name: string | undefined, ppid: number, mcp: boolean): number {
  if (name !== undefined) checkName(name);
  checkNproc(s, user);
  const pid = s.pidAlloc.alloc((x) => s.procs.has(x));
  if (pid < 0) throw perr(EAGAIN, 'create: no free pid');
  const now = s.clock.now;
  const p = new Proc(pid, user, now);
  p.ppid = ppid;
  p.name = name ?? '';
  s.procs.set(pid, p);
  s.userProcs.set(user, (s.userProcs.get(user) ?? 0) + 1);
  traceCreate(s, p, mcp);
  s.waits.delete(pid);
  defaultEvqs(p, mcp ? 'mcp' : 'scp');
  if (mcp) {
    p.setState(RUNNABLE_S, now); p.setState(RUNNING_S, now); p.setState(RUNNABLE_M, now);
    p.isMcp = true;
    p.mcpSeq = s.mcpSeqNext++;
  }
  s.note('create', `pid=${pid} user=${user} ${mcp ? 'mcp' : 'scp'}`);
  return pid;
}

export function rename(p: Proc, name: string): void {
  checkName(name);
  p.name = name;
}

/** proc_run of a CREATED SCP: runnable, and running at once if the SCP core is free. */
export function run(s: KState, p: Proc): void {
  if (p.state !== CREATED) throw perr(EINVAL, `run ${p.pid}: process is ${STATE_NAMES[p.state]}, not CREATED`);
  p.setState(RUNNABLE_S, s.clock.now);
  s.runnableScps.push(p.pid);
  scheduleScp(s, false);
}

/** proc_change_to_m: the SCP core is freed; no poke, the first core comes at the next pass.
 *  As a parlib program does first (uthread_mcp_init), EV_VCORE_PREEMPT and EV_CHECK_MSGS
 *  get their default registration; amt_wanted 0 becomes 1 (__sched_proc_change_to_m). */
export function changeToM(s: KState, p: Proc): void {
  if (p.state !== RUNNING_S) throw perr(EINVAL, `m ${p.pid}: process is ${STATE_NAMES[p.state]}, not RUNNING_S`);
  const now = s.clock.now;
  defaultEvqs(p, 'm');
  if (p.wanted === 0 && s.maxVcores > 0) { p.wanted = 1; trace(s, 'want', p.pid, 1); }
  s.m.release(scpCore(s), now);
  p.setState(RUNNABLE_M, now);
  p.isMcp = true;
  p.mcpSeq = s.mcpSeqNext++;
  s.note('change-to-m', `pid=${p.pid}`);
  markNeedy(s, p);
  scheduleScp(s, false);
}

/** proc_wakeup: WAITING -> RUNNABLE_S (runnable tail) or RUNNABLE_M (+ poke). */
export function wakeup(s: KState, p: Proc): void {
  if (p.state !== WAITING) return;
  if (p.isMcp) {
    p.setState(RUNNABLE_M, s.clock.now);
    markNeedy(s, p);
    poke(s);
  } else {
    p.setState(RUNNABLE_S, s.clock.now);
    s.runnableScps.push(p.pid);
    scheduleScp(s, false);
  }
}

/** amt_wanted = n and poke; n > 0 wakes a WAITING MCP (a ctl write acts as EVENT_WAKEUP). */
export function want(s: KState, p: Proc, n: number): void {
  checkCount(s, 'want', n);
  p.wanted = n;
  s.note('want', `pid=${p.pid} n=${n}`);
  trace(s, 'want', p.pid, n);
  if (p.isMcp) {
    if (n > 0 && p.state === WAITING) wakeup(s, p);
    markNeedy(s, p);
    poke(s);
  }
}

/** sys_proc_yield: an SCP waits (nice: straight back to runnable); an MCP gives vcore vc up
 *  by Akaros's rules (EAGAIN when it may not). */
export function yieldVcore(s: KState, p: Proc, vc: number, nice: boolean): void {
  const now = s.clock.now, m = s.m;
  if (p.state === RUNNING_S) {
    if (!Number.isInteger(vc) || vc !== 0) throw perr(EINVAL, `yield ${vc}: an SCP has only vcore 0`);
    // Akaros goes WAITING and straight back to RUNNING_S: a returning syscall (a parlib
    // program is vcctx-ready, so notif_pending stays set); a nice yield does not check
    if (!nice && p.scpNotifPending) { p.yieldFails++; throw perr(EAGAIN, `yield 0: notification pending on vcore 0`); }
    p.setState(WAITING, now);
    p.yields++;
    scpCoreFreed(s, p);
    if (nice) wakeup(s, p);
    return;
  }
  const v = Number.isInteger(vc) ? p.vc.vcs[vc] : undefined;
  if (!v || v.list !== L_ONLINE) throw perr(EINVAL, `yield ${vc}: vcore ${vc} of ${p.pid} is not online`);
  const fail = (d: string): never => { p.yieldFails++; throw perr(EAGAIN, d); };
  if (v.sent !== v.done) fail(`yield ${vc}: a preemption is in flight`);
  const pending = v.warned && !v.ppCleared;
  if (nice && !pending) fail(`yield ${vc} nice: no preemption pending on vcore ${vc}`);
  // a pending warning is cleared first and skips the amt_wanted test; notif_pending is
  // checked either way (proc_yield)
  if (pending) v.ppCleared = true;
  else if (p.wanted >= p.numVcores) fail(`yield ${vc}: wanted ${p.wanted} >= granted ${p.numVcores}`);
  if (v.notifPending) fail(`yield ${vc}: notification pending on vcore ${vc}`);
  const warned = v.warned;
  const c = unmapVcore(s, p, v);
  v.notifDisabled = false;
  p.yields++;
  if (warned) { p.yieldedInTime++; m.yieldedInTime[c]++; }
  trackDealloc(s, p, c);
  s.note('yield', `pid=${p.pid} vcore=${vc} pcore=${c}${warned ? ' in-time' : ''}${m.warnFor[c] ? ` to=${m.warnFor[c]}` : ''}`);
  trace(s, 'yield', p.pid, vc, c, warned ? 1 : 0, m.warnFor[c]);
  if (p.numVcores === 0) p.setState(WAITING, now);
  placeFree(s, c);
  markNeedy(s, p);
}

/** proc_destroy: cores back (no preempt events), provisions and alarms dropped, children
 *  orphaned, SIGCHLD to a live parent, mailbox closed, exit listeners run. Listed until reaped. */
export function destroy(s: KState, p: Proc, code: number, reason: WaitRecord['reason']): void {
  const now = s.clock.now;
  if (p.state === RUNNING_S) scpCoreFreed(s, p);
  if (p.state === RUNNABLE_S) s.runnableScps = s.runnableScps.filter((x) => x !== p.pid);
  // __proc_take_allcores(preempt=FALSE): every vcore to inactive
  const freed: number[] = [];
  while (p.vc.online.head >= 0) {
    const v = p.vc.vcs[p.vc.online.head];
    const c = unmapVcore(s, p, v);
    trackDealloc(s, p, c);
    freed.push(c);
  }
  while (p.vc.bulk.head >= 0) { const v = p.vc.vcs[p.vc.bulk.head]; p.vc.bulk.remove(p.vc.vcs, v); p.vc.inactive.pushHead(p.vc.vcs, v); }
  p.setState(DYING, now);
  p.exitcode = code;
  for (const q of s.procs.values()) if (q.ppid === p.pid) q.ppid = 0;
  p.setState(DYING_ABORT, now);
  for (const c of provCores(s.m, p)) unprovOne(s, p, c);
  alarmCancelAll(s, p);
  p.dead = true;
  p.deathT = now;
  s.hooks.exited(p);
  for (const c of freed) placeFree(s, c);
  const rec: WaitRecord = { pid: p.pid, code, reason };
  s.waits.set(p.pid, rec);
  if (s.waits.size > WAIT_KEEP) s.waits.delete(s.waits.keys().next().value!);
  s.note('exit', `pid=${p.pid} code=${code} ${reason}`);
  trace(s, 'exit', p.pid, code, reason);
  p.mbox?.close();
  const parent = p.ppid ? s.procs.get(p.ppid) : undefined;
  if (parent && !parent.dead) sendEvent(s, parent, EV_POSIX_SIGNAL, 0, [SIGCHLD, 0, 0, 0], [['pid', p.pid]]);
  const subs = s.exitSubs.get(p.pid);
  s.exitSubs.delete(p.pid);
  if (subs) for (const f of subs) f(rec);
  if (s.zombieNs > 0) {
    s.clock.schedule(now + s.zombieNs, () => { if (s.procs.get(p.pid) === p) reapProc(s, p); }, `reap ${p.pid}`);
  }
}

/** `reap`: a dead process leaves the listings (its wait record stays). */
export function reap(s: KState, p: Proc): void {
  if (!p.dead) throw perr(EINVAL, `reap ${p.pid}: process is ${STATE_NAMES[p.state]}, not dead`);
  reapProc(s, p);
}

function reapProc(s: KState, p: Proc): void {
  s.procs.delete(p.pid);
  s.hooks.reaped(p);
  const n = (s.userProcs.get(p.user) ?? 1) - 1;
  if (n > 0) s.userProcs.set(p.user, n); else s.userProcs.delete(p.user);
  s.note('reap', `pid=${p.pid}`);
  trace(s, 'reap', p.pid);
}

/** The exit record of pid: undefined while it lives (or if it never existed). */
export function waitRecord(s: KState, pid: number): WaitRecord | undefined {
  const p = s.procs.get(pid);
  if (p && !p.dead) return undefined;
  return s.waits.get(pid);
}

/** Run fn with pid's exit record: now if it has one, else at its death (ESRCH: no such
 *  process). Returns the unsubscribe function. */
export function onExit(s: KState, pid: number, fn: (r: WaitRecord) => void): () => void {
  const rec = waitRecord(s, pid);
  if (rec) { fn(rec); return () => {}; }
  if (!s.procs.has(pid)) throw perr(ESRCH, `${pid}: no such process`);
  let subs = s.exitSubs.get(pid);
  if (!subs) s.exitSubs.set(pid, (subs = new Set()));
  subs.add(fn);
  return () => { subs!.delete(fn); };
}

/** The online vcore vc of p (EINVAL otherwise), for the verbs that act as that vcore. */
function onlineVcore(p: Proc, vc: number, op: string): Vcore {
  const v = Number.isInteger(vc) ? p.vc.vcs[vc] : undefined;
  if (!v || v.list !== L_ONLINE) throw perr(EINVAL, `${op} ${vc}: vcore ${vc} of ${p.pid} is not online`);
  return v;
}

/**
 * sys_change_vcore (proc_change_to_vcore): vcore vc hands its pcore to vcore `to`. The
 * caller goes to inactive's head looking preempted (VC_PREEMPTED; its vcore context saved
 * unless `notif`, enable_my_notif, throws it away), `to` joins online's tail and starts on
 * the pcore; num_vcores and the allocator do not change. EV_CHECK_MSGS (notif) or
 * EV_VCORE_PREEMPT, arg2 = vc, hint `to`. Errors in Akaros's order: EINVAL `to` out of
 * range, EBUSY `to` mapped, EAGAIN not RUNNING_M / preemption in flight, EINVAL the caller
 * is in uthread context (notif_disabled clear); ours: EINVAL vc not online.
 */
export function changeVcore(s: KState, p: Proc, vc: number, to: number, notif: boolean): void {
  if (!Number.isInteger(to) || to < 0 || to >= s.maxVcores) throw perr(EINVAL, `change ${vc} ${to}: vcore ${to} outside 0..${s.maxVcores - 1}`);
  const tv = p.vc.vcs[to];
  if (tv && tv.list === L_ONLINE) throw perr(EBUSY, `change ${vc} ${to}: vcore ${to} is running`);
  if (p.state !== RUNNING_M) throw perr(EAGAIN, `change ${vc} ${to}: process is ${STATE_NAMES[p.state]}, not RUNNING_M`);
  const v = onlineVcore(p, vc, 'change');
  if (v.sent !== v.done) throw perr(EAGAIN, `change ${vc} ${to}: a preemption is in flight`);
  if (!v.notifDisabled) throw perr(EINVAL, `change ${vc} ${to}: vcore ${vc} is in uthread context (notifications enabled)`);
  const now = s.clock.now, m = s.m;
  const nv = p.vc.materialize(to);
  const c = v.pcore;
  s.hooks.vcoreDown(p, v, c);
  if (notif) { v.notifDisabled = false; v.ctx = CTX_NONE; } else v.ctx = CTX_VC;
  v.preempted = true;
  v.runNs += now - v.resumeT;
  p.clearVcoreWarning(v);
  p.vc.online.remove(p.vc.vcs, v);
  p.vc.inactive.pushHead(p.vc.vcs, v);
  v.pcore = -1;
  if (nv.list === L_BULK) p.vc.bulk.remove(p.vc.vcs, nv); else p.vc.inactive.remove(p.vc.vcs, nv);
  p.vc.online.pushTail(p.vc.vcs, nv);
  nv.pcore = c; nv.resumeT = now;
  m.vcore[c] = to;
  const resume = nv.notifDisabled && nv.ctx === CTX_VC;
  startVcore(nv);
  s.hooks.vcoreUp(p, nv);
  s.note('change', `pid=${p.pid} vcore=${vc}->${to} pcore=${c}${notif ? ' notif' : ''}${resume ? ' resume' : ''}`);
  trace(s, 'change', p.pid, vc, to, c);
  sendEvent(s, p, notif ? EV_CHECK_MSGS : EV_VCORE_PREEMPT, to, [0, vc, 0, 0]);
}

/**
 * parlib's enable_notifs (on) / disable_notifs (off) on the online vcore vc. Enabling with
 * notif_pending set re-notifies itself as enable_notifs does (sys_self_notify: EV_NONE in
 * the vcore's private mailbox, which bypasses the registrations, and __notify, which puts
 * the vcore back in vcore context).
 */
export function setNotifs(s: KState, p: Proc, vc: number, on: boolean): void {
  const v = onlineVcore(p, vc, 'notif');
  if (!on) { v.notifDisabled = true; return; }
  v.notifDisabled = false;
  if (v.notifPending) {
    postSelf(s, p, EV_NONE, vc);
    v.notifDisabled = true;
  }
}

/**
 * parlib's vcore_request_total (more: vcore_request_more, n + num_vcores): no-op when n
 * equals amt_wanted; clamped to max_vcores (no ERANGE); amt_wanted only rises; the ksched
 * is poked only when n exceeds the vcores granted. Unlike `want`, it never wakes a WAITING
 * MCP (a waiting program runs no code).
 */
export function request(s: KState, p: Proc, n: number, more: boolean): void {
  if (!Number.isInteger(n) || n < 0) throw perr(ERANGE, `request ${more ? '+' : ''}${n}: want a count >= 0`);
  const total = Math.min(more ? n + p.numVcores : n, s.maxVcores);
  if (total === p.wanted) return;
  if (total > p.wanted) p.wanted = total;
  s.note('request', `pid=${p.pid} n=${total} wanted=${p.wanted}`);
  if (p.wanted === total) trace(s, 'want', p.pid, total);
  if (p.isMcp && total > p.numVcores) { markNeedy(s, p); poke(s); }
}

/**
 * parlib's vcore_yield(nice) on vcore vc: pending messages are handled first, so with
 * notif_pending set nothing happens (EAGAIN: read the events file); else amt_wanted drops
 * by one (not for a nice yield, not below 0), VC_CAN_RCV_MSG is cleared and the kernel
 * yield runs. If the kernel refuses, the call returns as parlib's does: VC_CAN_RCV_MSG set
 * again, the decrement kept, the reason in lasterr and the log (not an error).
 */
export function vcoreYield(s: KState, p: Proc, vc: number, nice: boolean): void {
  const v = onlineVcore(p, vc, 'vcyield');
  if (v.notifPending) { p.yieldFails++; throw perr(EAGAIN, `vcyield ${vc}: messages pending for vcore ${vc}: handle them first`); }
  if (!nice && p.wanted > 0) { p.wanted--; trace(s, 'want', p.pid, p.wanted); }
  v.canRcvMsg = false;
  try {
    yieldVcore(s, p, vc, nice);
  } catch (e) {
    if (!(e instanceof P9Error)) throw e;
    v.canRcvMsg = true;
    p.lasterr = e.detail ?? e.text;
    s.note('vcyield', `pid=${p.pid} vcore=${vc} returned: ${p.lasterr}`);
  }
}
