// SPDX-License-Identifier: GPL-2.0-or-later
//
// Core administration: provisioning (kern/src/coreprov.c: `prov`, `unprov`, and the
// planning behind `cores N`), cores going offline and online, and the allocator policy.
// The per-process provisioning lists themselves are in prov.ts.

import { perr } from '../lib/9p/error.js';
import { EBUSY, EINVAL, ENOSPC, ENXIO, EPERM } from '../lib/9p/errno.js';
import { ALLOCATORS, isPolicy, type KState } from './state.js';
import type { Proc } from './proc.js';
import type { Policy } from './types.js';
import { provAttach, provDetach, provCores, planCores } from './prov.js';
import { placeFree } from './grant.js';
import { revokeCore, withdraw } from './preempt.js';
import { trace } from './trace.js';

/** c names a core of this machine (ENXIO otherwise). */
export function checkCore(s: KState, c: number, op: string): number {
  if (!Number.isInteger(c) || c < 0 || c >= s.m.n) throw perr(ENXIO, `${op} ${c}: no such core (ncores ${s.m.n})`);
  return c;
}

/** Provision cores to p; a core provisioned to another needs force, which only the host owner has. */
export function provision(s: KState, p: Proc, cores: number[], force: boolean, isHost: boolean): void {
  const m = s.m;
  const list = [...new Set(cores)];
  for (const c of list) {
    checkCore(s, c, 'prov');
    if (m.isLL[c]) throw perr(EBUSY, `prov ${c}: core ${c} is an LL core`);
    const o = m.prov[c];
    if (o && o !== p.pid) {
      if (!force) throw perr(EBUSY, `prov ${c}: core ${c} is provisioned to ${o}`);
      if (!isHost) throw perr(EPERM, `prov -f ${c}: only the host owner may force`);
    }
  }
  for (const c of list) {
    const o = m.prov[c];
    if (o === p.pid) continue;
    if (o) unprovOne(s, s.procs.get(o)!, c);
    provAttach(m, p, c);
    s.note('prov', `pid=${p.pid} pcore=${c}`);
    trace(s, 'prov', p.pid, c);
  }
}

/** Drop p's provision of the listed cores (EINVAL if one is not p's), or of all of them. */
export function unprovision(s: KState, p: Proc, cores: number[] | 'all'): void {
  const m = s.m;
  const list = cores === 'all' ? provCores(m, p) : [...new Set(cores)];
  for (const c of list) {
    checkCore(s, c, 'unprov');
    if (m.prov[c] !== p.pid) throw perr(EINVAL, `unprov ${c}: core ${c} is not provisioned to ${p.pid}`);
  }
  for (const c of list) unprovOne(s, p, c);
}

/** Drop whatever provision core c has. */
export function unprovCore(s: KState, c: number): void {
  const o = s.m.prov[c];
  if (o) unprovOne(s, s.procs.get(o)!, c);
}

/** Core c is no longer provisioned to its owner; a take-back on the owner's behalf ends. */
export function unprovOne(s: KState, owner: Proc, c: number): void {
  if (s.m.warnFor[c] === owner.pid) withdraw(s, c);
  provDetach(s.m, owner, c);
  s.note('unprov', `pid=${owner.pid} pcore=${c}`);
  trace(s, 'unprov', owner.pid, c);
}

/**
 * The provisioning half of `cores N`: p ends with exactly n provisioned cores (ENOSPC when
 * that many cannot be had). Candidates in order: cores it holds, then the allocator's own
 * order (plan), so `cores N` provisions what `want N` would have been granted.
 */
export function provisionCount(s: KState, p: Proc, n: number): void {
  const m = s.m;
  const order: number[] = [];
  for (let v = p.vc.online.head; v >= 0; v = p.vc.vcs[v].next) order.push(p.vc.vcs[v].pcore);
  if (n > p.provisioned) order.push(...s.alloc.plan(m, p, n - p.provisioned));
  const plan = planCores(m, p, n, order);
  if (!plan) throw perr(ENOSPC, `cores ${n}: ${p.provisioned + m.unprovFree} cores free to provision`);
  for (const c of plan.drop) unprovOne(s, p, c);
  for (const c of plan.add) { provAttach(m, p, c); s.note('prov', `pid=${p.pid} pcore=${c}`); }
  for (const c of plan.add) trace(s, 'prov', p.pid, c);
}

/** Take core c out of service: a busy core is revoked from its process first. */
export function coreOffline(s: KState, c: number): void {
  const m = s.m, now = s.clock.now;
  if (m.isLL[c]) throw perr(EBUSY, `offline ${c}: core ${c} is an LL core`);
  if (m.offline[c]) return;
  if (m.warnFor[c]) withdraw(s, c);
  if (m.alloc[c]) revokeCore(s, s.procs.get(m.alloc[c])!, c, 0);
  m.account(c, now);
  m.idleRemove(c);
  if (m.prov[c] === 0) m.unprovFree--;
  m.setOffline(c, true);
  s.note('offline', `pcore=${c}`);
  trace(s, 'offline', c);
}

/** Put core c back in service (idle; no poke). */
export function coreOnline(s: KState, c: number): void {
  const m = s.m, now = s.clock.now;
  if (m.isLL[c]) throw perr(EBUSY, `online ${c}: core ${c} is an LL core`);
  if (!m.offline[c]) return;
  m.setOffline(c, false);
  m.since[c] = now;
  if (m.prov[c] === 0) m.unprovFree++;
  placeFree(s, c);
  s.note('online', `pcore=${c}`);
  trace(s, 'online', c);
}

/** Switch the core allocator; the new one rebuilds its bookkeeping from the allocation map. */
export function setPolicy(s: KState, policy: Policy): void {
  if (!isPolicy(policy)) throw perr(EINVAL, `policy ${policy}: ${Object.keys(ALLOCATORS).join(' or ')}`);
  if (policy !== s.policy) {
    s.policy = policy;
    s.alloc.adopt(s.m, s.procs);
  }
  s.note('policy', policy);
  trace(s, 'policy', policy);
}
