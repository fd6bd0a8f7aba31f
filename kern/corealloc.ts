// SPDX-License-Identifier: GPL-2.0-or-later
//
// The core allocator interface (Akaros kern/include/corerequest.h): the ksched asks it
// which idle core a process gets next and tells it about every core that changes hands;
// where a freed core goes in the idle list is its choice. FCFS (alloc-fcfs.ts) and PACKED
// (alloc-packed.ts) implement it; the policy in the kernel state names the one in use.
// Provisioned cores are not the allocator's business: ksched.coreRequest tries them first.

import type { Machine } from './machine.js';
import type { Proc } from './proc.js';
import type { Policy } from './types.js';

export interface CoreAllocator {
  readonly policy: Policy;
  /** __find_best_core_to_alloc: the idle core p should get next, -1 when none is idle. */
  pick(m: Machine, p: Proc): number;
  /** __put_idle_core: c is idle again; it goes into the idle list where the policy says. */
  free(m: Machine, c: number): void;
  /** __track_core_alloc: c (a CG core) now belongs to p. */
  onAlloc(m: Machine, p: Proc, c: number): void;
  /** __track_core_dealloc: p gave up c. */
  onDealloc(m: Machine, p: Proc, c: number): void;
  /** The policy switched to this allocator with cores already handed out: rebuild what
   *  it keeps from the machine's allocation map. */
  adopt(m: Machine, procs: ReadonlyMap<number, Proc>): void;
}
