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
import { EV_PREEMPT_PENDING, EV_VCORE_PREEMPT, RUNNING_M, RUNNABLE_M } from './types.js';
import { trackAlloc, trackDealloc, giveCores, unmapVcore, markNeedy, need, clearTake } from './grant.js';
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
  sendEvent(s, victim, EV_PREEMPT_PENDING, v.id, [v.id, 0, 0, deadline]);
  if (s.graceNs === 0) {
    revokeCore(s, victim, c, b.pid);
    return true;
  }
  m.warnFor[c] = b.pid;
  b.incoming++;
  m.warnHandle[c] = s.clock.schedule(deadline, () => deadlineExpired(s, c), `deadline ${c}`);
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
  v.preempted = true;
  v.done++;
  p.revokes++; p.forced++;
  m.preempts[c]++; m.forced[c]++;
  trackDealloc(s, p, c);
  s.note('revoke', `pid=${p.pid} vcore=${v.id} pcore=${c}` + (forPid ? ` for=${forPid}` : ''));
  trace(s, 'revoke', p.pid, v.id, c, forPid);
  if (p.vc.online.len > 0) sendEvent(s, p, EV_VCORE_PREEMPT, 0, [0, v.id, 0, c]);
  if (p.numVcores === 0 && p.state === RUNNING_M) p.setState(RUNNABLE_M, s.clock.now);
  markNeedy(s, p);
}

function deadlineExpired(s: KState, c: number): void {
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
