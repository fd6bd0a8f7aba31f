// SPDX-License-Identifier: GPL-2.0-or-later
//
// Preemption with warning. Akaros warns (EV_PREEMPT_PENDING, vcoremap preempt_pending =
// deadline) and revokes in the same critical section (akaros.md §1.9). Here the victim
// gets until deadline = now + grace: a `yield VC [nice]` before then hands the core to
// the proc it is taken for at once (no EV_VCORE_PREEMPT); at the deadline the core is
// revoked (EV_VCORE_PREEMPT to a surviving vcore, if any) and handed over. grace 0 is
// Akaros's immediate mode. A warning is withdrawn (no revoke) if by the deadline the core
// is no longer provisioned to the taker or the taker no longer needs it.

import type { Kernel } from './kernel.js';
import type { Proc } from './proc.js';
import { EV_PREEMPT_PENDING, EV_VCORE_PREEMPT, RUNNING_M, RUNNABLE_M } from './types.js';
import { trackAlloc, trackDealloc, giveCores, unmapVcore, markNeedy, need } from './ksched.js';
import { sendEvent } from './events.js';

/**
 * Take core c (allocated to another MCP) back for taker b. Returns true when the core was
 * revoked at once (grace 0) and is free for b; false when a warning is now pending.
 */
export function warnCore(k: Kernel, b: Proc, c: number): boolean {
  const m = k.m, now = k.clock.now;
  const victim = k.procs.get(m.alloc[c])!;
  const v = victim.vc.vcs[m.vcore[c]];
  const deadline = now + k.graceNs;
  if (!v.warned) victim.warnedVcores++;
  v.warned = true;
  v.preemptPending = deadline;
  victim.warned++; m.warned[c]++;
  k.log.add(now, 'warn', `pid=${victim.pid} vcore=${v.id} pcore=${c} for=${b.pid} deadline=${deadline}`);
  sendEvent(k, victim, EV_PREEMPT_PENDING, v.id, [v.id, 0, 0, deadline]);
  if (k.graceNs === 0) {
    revokeCore(k, victim, c, b.pid);
    return true;
  }
  m.warnFor[c] = b.pid;
  b.incoming++;
  m.warnHandle[c] = k.clock.schedule(deadline, () => deadlineExpired(k, c), `deadline ${c}`);
  return false;
}

/**
 * __proc_preempt_core: unmap the vcore on c, push it on inactive's head, count it, and
 * tell a surviving vcore. The core is left unplaced for the caller.
 */
export function revokeCore(k: Kernel, p: Proc, c: number, forPid: number): void {
  const m = k.m, now = k.clock.now;
  const v = p.vc.vcs[m.vcore[c]];
  v.sent++;
  unmapVcore(k, p, v);
  v.preempted = true;
  v.done++;
  p.revokes++; p.forced++;
  m.preempts[c]++; m.forced[c]++;
  trackDealloc(k, p, c);
  k.log.add(now, 'revoke', `pid=${p.pid} vcore=${v.id} pcore=${c}` + (forPid ? ` for=${forPid}` : ''));
  if (p.vc.online.len > 0) sendEvent(k, p, EV_VCORE_PREEMPT, 0, [0, v.id, 0, c]);
  if (p.numVcores === 0 && p.state === RUNNING_M) p.setState(RUNNABLE_M, now);
  markNeedy(k, p);
}

function deadlineExpired(k: Kernel, c: number): void {
  const m = k.m;
  const b = k.procs.get(m.warnFor[c]);
  m.warnFor[c] = 0; m.warnHandle[c] = -1;
  if (b) b.incoming--;
  const victim = m.alloc[c] ? k.procs.get(m.alloc[c]) : undefined;
  if (b && !b.dead && victim && victim !== b && m.prov[c] === b.pid && need(b) > 0) {
    revokeCore(k, victim, c, b.pid);
    trackAlloc(k, b, c);
    giveCores(k, b, [c]);
    return;
  }
  if (victim) clearWarning(k, victim, c);
  if (b) { k.log.add(k.clock.now, 'withdraw', `pcore=${c} for=${b.pid}`); markNeedy(k, b); }
}

function clearWarning(k: Kernel, victim: Proc, c: number): void {
  const vid = k.m.vcore[c];
  if (vid < 0) return;
  const v = victim.vc.vcs[vid];
  if (v.warned) { v.warned = false; v.preemptPending = 0; victim.warnedVcores--; }
}

/** Drop a pending warning on core c (the taker gave up the provision, the core went offline...). */
export function withdraw(k: Kernel, c: number): void {
  const m = k.m;
  if (!m.warnFor[c]) return;
  const b = k.procs.get(m.warnFor[c]);
  k.clock.cancel(m.warnHandle[c]);
  m.warnFor[c] = 0; m.warnHandle[c] = -1;
  const victim = m.alloc[c] ? k.procs.get(m.alloc[c]) : undefined;
  if (victim) clearWarning(k, victim, c);
  if (b) { b.incoming--; k.log.add(k.clock.now, 'withdraw', `pcore=${c} for=${b.pid}`); markNeedy(k, b); }
}
