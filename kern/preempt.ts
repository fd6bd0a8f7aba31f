// SPDX-License-Identifier: GPL-2.0-or-later
//
// Preemption with warning. Akaros warns (EV_PREEMPT_PENDING, vcoremap preempt_pending =
// deadline) and revokes in the same critical section (akaros.md §1.9). Here the victim
// gets until deadline = now + grace: a `yield VC [nice]` before then hands the core to
// the proc it is taken for at once (no EV_VCORE_PREEMPT); at the deadline the core is
// revoked (EV_VCORE_PREEMPT to a surviving vcore, if any) and handed over. grace 0 is
// Akaros's immediate mode. A warning is withdrawn (no revoke) if by the deadline the core
// is no longer provisioned to the taker or the taker no longer needs it.

import type { KState } from './state.js';
import type { Proc } from './proc.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';
import { EV_PREEMPT_PENDING, EV_VCORE_PREEMPT, RUNNING_M, RUNNABLE_M, STATE_NAMES } from './types.js';
import { CTX_UTH, CTX_VC, type Vcore } from './vcore.js';
import { trackAlloc, trackDealloc, giveCores, unmapVcore, markNeedy, need, clearTake, placeFree } from './grant.js';
import { sendEvent } from './events.js';
import { trace } from './trace.js';

/**
 * Take core c (allocated to another MCP) back for taker b. Returns true when the core was
 * revoked at once (grace 0) and is free for b; false when a warning is now pending.
 */
export function warnCore(s: KState, b: Proc, c: number): boolean {
  const m = s.m;
  const victim = s.procs.get(m.alloc[c])!;
  const v = victim.vc.vcs[m.vcore[c]];
  const deadline = s.clock.now + s.graceNs;
  victim.warnVcore(v, deadline);
  victim.warned++; m.warned[c]++;
  s.note('warn', `pid=${victim.pid} vcore=${v.id} pcore=${c} for=${b.pid} deadline=${deadline}`);
  trace(s, 'warn', victim.pid, v.id, c, b.pid, deadline);
  sendEvent(s, victim, EV_PREEMPT_PENDING, v.id, [v.id, 0, 0, 0], [['deadline', deadline]]);
  if (s.graceNs === 0) {
    revokeCore(s, victim, c, b.pid);
    return true;
  }
  m.warnFor[c] = b.pid;
  b.incoming++;
  m.warnHandle[c] = s.clock.schedule(deadline, () => deadlineExpired(s, c), `deadline ${c}`);
  s.hooks.warned(victim, v);
  return false;
}

/**
 * __proc_preempt_core: unmap the vcore on c, push it on inactive's head, count it, and
 * tell a surviving vcore. The core is left unplaced for the caller.
 */
export function revokeCore(s: KState, p: Proc, c: number, forPid: number): void {
  const m = s.m;
  const v = p.vc.vcs[m.vcore[c]];
  v.sent++;
  unmapVcore(s, p, v);
  preempted(v);
  p.revokes++; p.forced++;
  m.preempts[c]++; m.forced[c]++;
  trackDealloc(s, p, c);
  s.note('revoke', `pid=${p.pid} vcore=${v.id} pcore=${c}` + (forPid ? ` for=${forPid}` : ''));
  trace(s, 'revoke', p.pid, v.id, c, forPid);
  if (p.vc.online.len > 0) sendEvent(s, p, EV_VCORE_PREEMPT, 0, [0, v.id, 0, 0], [['pcore', c]]);
  if (p.numVcores === 0 && p.state === RUNNING_M) p.setState(RUNNABLE_M, s.clock.now);
  markNeedy(s, p);
}

/** __preempt on the vcore's core: the running context is saved (vcore_ctx in vcore
 *  context, else uthread_ctx), VC_PREEMPTED set, preempt_pending zeroed (unmapVcore did). */
function preempted(v: Vcore): void {
  v.preempted = true;
  v.ctx = v.notifDisabled ? CTX_VC : CTX_UTH;
  v.done++;
}

/** __proc_preempt_warn with no warning time: preempt_pending = now, EV_PREEMPT_PENDING. */
function warnNow(s: KState, p: Proc, v: Vcore, c: number): void {
  const now = s.clock.now;
  p.warnVcore(v, now);
  p.warned++; s.m.warned[c]++;
  s.note('warn', `pid=${p.pid} vcore=${v.id} pcore=${c} deadline=${now}`);
  trace(s, 'warn', p.pid, v.id, c, 0, now);
  sendEvent(s, p, EV_PREEMPT_PENDING, v.id, [v.id, 0, 0, 0], [['deadline', now]]);
}

/**
 * proc_preempt_core(p, c, 0) on request (Akaros's monitor `measure preempt`): warn and
 * revoke at once, whatever the grace; the core goes to the idle list (or to the process
 * it was being taken back for). No poke. EINVAL unless p is RUNNING_M holding c.
 */
export function preemptCore(s: KState, p: Proc, c: number): void {
  const m = s.m;
  if (p.state !== RUNNING_M || m.alloc[c] !== p.pid || m.vcore[c] < 0 || m.isLL[c]) {
    throw perr(EINVAL, `preempt: pcore ${c} is not running a vcore of ${p.pid} (${STATE_NAMES[p.state]})`);
  }
  warnNow(s, p, p.vc.vcs[m.vcore[c]], c);
  revokeCore(s, p, c, 0);
  placeFree(s, c);
}

/**
 * proc_preempt_all(p, 0): warn every online vcore, then take every core in one go: each
 * vcore, online head to tail, to the head of bulk_preempted (which so ends up reversed);
 * RUNNABLE_M; no EV_VCORE_PREEMPT now (none is online) and no poke: the next ksched pass
 * regrants, and __proc_run_m reports the vcores not restarted (grant.ts giveCores).
 */
export function preemptAll(s: KState, p: Proc): void {
  if (p.state !== RUNNING_M) throw perr(EINVAL, `preempt: process ${p.pid} is ${STATE_NAMES[p.state]}, not RUNNING_M`);
  const m = s.m;
  const vs = p.vc.online.ids(p.vc.vcs).map((id) => p.vc.vcs[id]);
  for (const v of vs) warnNow(s, p, v, v.pcore);
  const freed: number[] = [];
  for (const v of vs) {
    v.sent++;
    const c = unmapVcore(s, p, v, true);
    preempted(v);
    p.revokes++; p.forced++;
    m.preempts[c]++; m.forced[c]++;
    trackDealloc(s, p, c);
    s.note('revoke', `pid=${p.pid} vcore=${v.id} pcore=${c} bulk`);
    trace(s, 'revoke', p.pid, v.id, c, 0);
    freed.push(c);
  }
  p.setState(RUNNABLE_M, s.clock.now);
  for (const c of freed) placeFree(s, c);
  markNeedy(s, p);
}

/** The warning deadline on core c has come (the "deadline C" clock event). */
export function deadlineExpired(s: KState, c: number): void {
  const m = s.m;
  const b = clearTake(s, c);
  const victim = m.alloc[c] ? s.procs.get(m.alloc[c]) : undefined;
  if (b && !b.dead && victim && victim !== b && m.prov[c] === b.pid && need(b) > 0) {
    revokeCore(s, victim, c, b.pid);
    trackAlloc(s, b, c);
    giveCores(s, b, [c]);
    return;
  }
  if (victim) clearCoreWarning(s, victim, c);
  trace(s, 'withdraw', c, b ? b.pid : 0);
  if (b) { s.note('withdraw', `pcore=${c} for=${b.pid}`); markNeedy(s, b); }
}

/** The warning on whatever vcore of victim runs on c. */
function clearCoreWarning(s: KState, victim: Proc, c: number): void {
  const vid = s.m.vcore[c];
  if (vid >= 0) victim.clearVcoreWarning(victim.vc.vcs[vid]);
}

/** Drop a pending warning on core c (the taker gave up the provision, the core went offline...). */
export function withdraw(s: KState, c: number): void {
  const m = s.m;
  if (!m.warnFor[c]) return;
  const b = clearTake(s, c);
  const victim = m.alloc[c] ? s.procs.get(m.alloc[c]) : undefined;
  if (victim) clearCoreWarning(s, victim, c);
  trace(s, 'withdraw', c, b ? b.pid : 0);
  if (b) { s.note('withdraw', `pcore=${c} for=${b.pid}`); markNeedy(s, b); }
}
