// SPDX-License-Identifier: GPL-2.0-or-later
//
// The core allocator interface (Akaros kern/include/corerequest.h): the ksched asks it
// which idle core a process gets next and tells it about every core that changes hands;
// where a freed core goes in the idle list is its choice. FCFS (alloc-fcfs.ts) and PACKED
// (alloc-packed.ts) implement it; the policy in the kernel state names the one in use.
// As in Akaros, the pick covers the process's provisioned-not-held cores too (idle, or
// lent to another process, which ksched.coreRequest then takes back).

import type { Machine } from './machine.js';
import type { Proc } from './proc.js';
import type { Policy } from './types.js';

export interface CoreAllocator {
  readonly policy: Policy;
  /** __find_best_core_to_alloc: the core p should get next: one provisioned to it and not
   *  held (idle or lent; see prov.ts usableProv), else an idle core; -1 when none. */
  pick(m: Machine, p: Proc): number;
  /** __put_idle_core: c is idle again; it goes into the idle list where the policy says. */
  free(m: Machine, c: number): void;
  /** __track_core_alloc: c (a CG core) now belongs to p. */
  onAlloc(m: Machine, p: Proc, c: number): void;
  /** __track_core_dealloc: p gave up c. */
  onDealloc(m: Machine, p: Proc, c: number): void;
  /** corealloc_init's idle-list order, called once when the kernel boots with this policy. */
  boot(m: Machine): void;
  /** `cores N` (our extension): up to k unprovisioned online CG cores p does not hold, in
   *  the order this allocator would hand them to p. */
  plan(m: Machine, p: Proc, k: number): number[];
  /** The policy switched to this allocator with cores already handed out: rebuild what
   *  it keeps from the machine's allocation map. */
  adopt(m: Machine, procs: ReadonlyMap<number, Proc>): void;
}
