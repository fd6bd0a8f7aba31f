// SPDX-License-Identifier: GPL-2.0-or-later
//
// Provisioning (kern/src/coreprov.c, akaros.md §2.3): per core a prov owner; per proc
// prov_alloc_me (provisioned and held) and prov_not_alloc_me (provisioned, not held: the
// "victim list", tried first when the proc needs cores). Both lists are threaded through
// the machine's pPrev/pNext, since a core is on at most one of them.

import type { Machine } from './machine.js';
import type { Proc } from './proc.js';

type Which = 'alloc' | 'not';

function unlink(m: Machine, p: Proc, c: number, w: Which): void {
  const pr = m.pPrev[c], nx = m.pNext[c];
  if (w === 'alloc') {
    if (pr >= 0) m.pNext[pr] = nx; else p.provAllocHead = nx;
    if (nx >= 0) m.pPrev[nx] = pr; else p.provAllocTail = pr;
    p.nProvAlloc--;
  } else {
    if (pr >= 0) m.pNext[pr] = nx; else p.provNotHead = nx;
    if (nx >= 0) m.pPrev[nx] = pr; else p.provNotTail = pr;
    p.nProvNot--;
  }
  m.pPrev[c] = m.pNext[c] = -1;
}

function linkTail(m: Machine, p: Proc, c: number, w: Which): void {
  m.pNext[c] = -1;
  if (w === 'alloc') {
    m.pPrev[c] = p.provAllocTail;
    if (p.provAllocTail >= 0) m.pNext[p.provAllocTail] = c; else p.provAllocHead = c;
    p.provAllocTail = c; p.nProvAlloc++;
  } else {
    m.pPrev[c] = p.provNotTail;
    if (p.provNotTail >= 0) m.pNext[p.provNotTail] = c; else p.provNotHead = c;
    p.provNotTail = c; p.nProvNot++;
  }
}

function linkNotHead(m: Machine, p: Proc, c: number): void {
  m.pPrev[c] = -1; m.pNext[c] = p.provNotHead;
  if (p.provNotHead >= 0) m.pPrev[p.provNotHead] = c; else p.provNotTail = c;
  p.provNotHead = c; p.nProvNot++;
}

/** __provision_core(p, c) once the previous owner (if any) has been removed. */
export function provAttach(m: Machine, p: Proc, c: number): void {
  if (!m.isLL[c] && !m.offline[c] && m.prov[c] === 0) m.unprovFree--;
  m.prov[c] = p.pid;
  linkTail(m, p, c, m.alloc[c] === p.pid ? 'alloc' : 'not');
}

/** Remove c from its owner's lists (the owner is `p`). */
export function provDetach(m: Machine, p: Proc, c: number): void {
  unlink(m, p, c, m.alloc[c] === p.pid ? 'alloc' : 'not');
  m.prov[c] = 0;
  if (!m.isLL[c] && !m.offline[c]) m.unprovFree++;
}

/** __track_core_alloc: a provisioned core p now holds moves to prov_alloc_me. */
export function provOnAlloc(m: Machine, p: Proc, c: number): void {
  unlink(m, p, c, 'not');
  linkTail(m, p, c, 'alloc');
}

/** __track_core_dealloc: back to the head of prov_not_alloc_me. */
export function provOnDealloc(m: Machine, p: Proc, c: number): void {
  unlink(m, p, c, 'alloc');
  linkNotHead(m, p, c);
}

export function provCores(m: Machine, p: Proc): number[] {
  const out: number[] = [];
  for (let c = p.provAllocHead; c >= 0; c = m.pNext[c]) out.push(c);
  for (let c = p.provNotHead; c >= 0; c = m.pNext[c]) out.push(c);
  return out;
}

/**
 * Plan `cores N`: which cores to add (by allocator preference) or drop so that p ends
 * with exactly n provisioned cores. Returns null when fewer than n can be provisioned.
 */
export function planCores(m: Machine, p: Proc, n: number, order: number[]): { add: number[]; drop: number[]; avail: number } | null {
  const have = p.provisioned;
  const avail = have + m.unprovFree;
  if (n > avail) return null;
  if (n <= have) {
    // drop idle-to-us provisions first (newest first), then held ones
    const drop: number[] = [];
    const notL: number[] = []; for (let c = p.provNotHead; c >= 0; c = m.pNext[c]) notL.push(c);
    const alL: number[] = []; for (let c = p.provAllocHead; c >= 0; c = m.pNext[c]) alL.push(c);
    const cand = [...notL.reverse(), ...alL.reverse()];
    for (let i = 0; i < have - n; i++) drop.push(cand[i]);
    return { add: [], drop, avail };
  }
  const add: number[] = [];
  for (const c of order) {
    if (add.length === n - have) break;
    if (m.prov[c] === 0 && !m.isLL[c] && !m.offline[c]) add.push(c);
  }
  return { add, drop: [], avail };
}

/** A provisioned-not-held core the ksched may go for now: online, and not already being
 *  taken back with a warning (the grace extension). */
export function usableProv(m: Machine, c: number): boolean {
  return !m.offline[c] && m.warnFor[c] === 0;
}

/** The first usable core of p's prov_not_alloc_me list (find_first_provisioned_core), -1 none. */
export function firstUsableProv(m: Machine, p: Proc): number {
  for (let c = p.provNotHead; c >= 0; c = m.pNext[c]) if (usableProv(m, c)) return c;
  return -1;
}
