// SPDX-License-Identifier: GPL-2.0-or-later
//
// FCFS core allocator (kern/src/corealloc_fcfs.c, the Akaros default): the idle list
// starts ascending, the head is handed out, deallocated cores go to the tail. The
// provisioned-not-allocated cores are tried first by ksched.coreRequest.

import type { Machine } from './machine.js';

export function fcfsPick(m: Machine): number { return m.idleHead; }
export function fcfsFree(m: Machine, c: number): void { m.idlePushTail(c); }
