// SPDX-License-Identifier: GPL-2.0-or-later
//
// A core changing hands: the give/take plumbing every higher mechanism (the ksched pass,
// preemption, yield, death, core offline) goes through, so each invariant it carries is
// kept in one place.
//
// trackAlloc / trackDealloc are schedule.c's __track_core_alloc / __track_core_dealloc
// (machine map, accounting, the allocator's and the provisioning bookkeeping);
// giveCores / unmapVcore are process.c's __proc_give_cores (+ __proc_run_m) and
// __unmap_vcore; placeFree is where a freed core goes (to the process it was being taken
// back for, else the idle list); clearTake ends a pending take-back of a core.
// The process lifecycle (process.ts) sits above the ksched because waking pokes it; these
// sit below it because the ksched and preemption call them.

import type { KState } from './state.js';
import type { Proc } from './proc.js';
import { CTX_NONE, CTX_VC, type Vcore } from './vcore.js';
import { RUNNABLE_M, RUNNING_M, EV_VCORE_PREEMPT } from './types.js';
import { provOnAlloc, provOnDealloc } from './prov.js';
import { sendEvent } from './events.js';
import { trace } from './trace.js';

/** get_cores_needed, minus cores already being taken back for it. 0 = no cores wanted. */
export function need(p: Proc): number {
  if (p.state !== RUNNABLE_M && p.state !== RUNNING_M) return 0;
  const n = p.wanted - p.numVcores - p.incoming;
  return n > 0 ? n : 0;
}

/** Queue p for the ksched pass if it needs cores and is not queued yet. */
export function markNeedy(s: KState, p: Proc): void {
  if (!p.queued && need(p) > 0) { p.queued = true; s.needy.push(p.mcpSeq, p.pid); }
}

/** __track_core_alloc: CG core c (idle or just revoked) now belongs to p. */
export function trackAlloc(s: KState, p: Proc, c: number): void {
  const m = s.m;
  m.account(c, s.clock.now);
  m.idleRemove(c);
  m.alloc[c] = p.pid;
  m.grants[c]++;
  s.alloc.onAlloc(m, p, c);
  if (m.prov[c] === p.pid) provOnAlloc(m, p, c);
}

/** __track_core_dealloc: p no longer holds c. The core is left unplaced (see placeFree). */
export function trackDealloc(s: KState, p: Proc, c: number): void {
  const m = s.m;
  m.release(c, s.clock.now);
  s.alloc.onDealloc(m, p, c);
  if (m.prov[c] === p.pid) provOnDealloc(m, p, c);
}

/**
 * End the pending take-back of core c (m.warnFor[c] must be set): cancel its deadline and
 * give the taker its count back. Returns the taker, if it still exists.
 */
export function clearTake(s: KState, c: number): Proc | undefined {
  const m = s.m;
  const b = s.procs.get(m.warnFor[c]);
  s.clock.cancel(m.warnHandle[c]);
  m.warnFor[c] = 0;
  m.warnHandle[c] = -1;
  if (b) b.incoming--;
  return b;
}

/** A freed core goes to whoever it was being taken back for, else to the idle list. */
export function placeFree(s: KState, c: number): void {
  const m = s.m;
  if (m.warnFor[c]) {
    const b = clearTake(s, c);
    if (b && !b.dead && !m.offline[c] && m.prov[c] === b.pid && need(b) > 0) {
      trackAlloc(s, b, c);
      giveCores(s, b, [c]);
      return;
    }
    if (b) markNeedy(s, b);
  }
  if (m.offline[c]) return;
  s.alloc.free(m, c);
}

/** __proc_give_cores + __proc_run_m: map a vcore on each core (already tracked to p). */
export function giveCores(s: KState, p: Proc, cores: number[]): void {
  const m = s.m, now = s.clock.now;
  for (const c of cores) {
    const v = p.vc.take(s.maxVcores)!;
    v.pcore = c; v.resumeT = now;
    m.vcore[c] = v.id;
    p.vc.online.pushTail(p.vc.vcs, v);
    const resume = v.notifDisabled && v.ctx === CTX_VC;
    startVcore(v);
    p.numVcores++;
    p.grants++;
    s.note('grant', `pid=${p.pid} vcore=${v.id} pcore=${c}${resume ? ' resume' : ''}`);
    trace(s, 'grant', p.pid, v.id, c);
    s.hooks.vcoreUp(p, v);
  }
  // __send_bulkp_events: vcores bulk-preempted and not regranted are reported now, head
  // to tail, each going to the head of inactive
  while (p.vc.bulk.head >= 0) {
    const v = p.vc.vcs[p.vc.bulk.head];
    p.vc.bulk.remove(p.vc.vcs, v);
    p.vc.inactive.pushHead(p.vc.vcs, v);
    sendEvent(s, p, EV_VCORE_PREEMPT, 0, [0, v.id, 0, 0]);
  }
  if (p.state === RUNNABLE_M && p.numVcores > 0) p.setState(RUNNING_M, now);
}

/** __set_curctx_to_vcoreid: the vcore runs again: VC_PREEMPTED cleared, VC_CAN_RCV_MSG
 *  set; with notif_disabled it resumes its saved vcore context, else it starts fresh in
 *  vcore context (notif_disabled set). Either way it is in vcore context now. */
export function startVcore(v: Vcore): void {
  v.preempted = false;
  v.canRcvMsg = true;
  v.notifDisabled = true;
  v.ctx = CTX_NONE;
}

/** Unmap vcore v from its pcore and put it on inactive's head (yield, preempt, death), or
 *  on bulk_preempted's head (preempt-all). Returns the pcore, which the caller still has
 *  to track and place. */
export function unmapVcore(s: KState, p: Proc, v: Vcore, toBulk = false): number {
  const c = v.pcore;
  s.hooks.vcoreDown(p, v, c);
  v.runNs += s.clock.now - v.resumeT;
  p.vc.online.remove(p.vc.vcs, v);
  if (toBulk) p.vc.bulk.pushHead(p.vc.vcs, v); else p.vc.inactive.pushHead(p.vc.vcs, v);
  v.pcore = -1;
  p.clearVcoreWarning(v);
  p.numVcores--;
  return c;
}
