// SPDX-License-Identifier: GPL-2.0-or-later
//
// The one way to change kernel state: a plain, serialisable command object, applied by
// Kernel.apply(). ctl writes, a journal and trace replay share this path. Every command
// names the acting user; the permission rule lives here.

import type { Policy, MboxKind } from './types.js';

export type Command =
  | { op: 'create-mcp'; user: string; name?: string }
  | { op: 'create-scp'; user: string; name?: string; ppid?: number }
  | { op: 'run'; user: string; pid: number }
  | { op: 'change-to-m'; user: string; pid: number }
  | { op: 'kill'; user: string; pid: number; code?: number }
  | { op: 'name'; user: string; pid: number; name: string }
  | { op: 'cores'; user: string; pid: number; n: number }
  | { op: 'want'; user: string; pid: number; n: number }
  | { op: 'prov'; user: string; pid: number; cores: number[]; force?: boolean }
  | { op: 'unprov'; user: string; pid: number; cores: number[] | 'all' }
  | { op: 'yield'; user: string; pid: number; vcore: number; nice?: boolean }
  | { op: 'notify'; user: string; pid: number; type: string | number; args?: number[] }
  | { op: 'ev'; user: string; pid: number; type: string | number; mbox: MboxKind; flags?: string[] | string; vcore?: number }
  | { op: 'reap'; user: string; pid: number }
  | { op: 'poke'; user: string }
  | { op: 'core-offline'; user: string; core: number }
  | { op: 'core-online'; user: string; core: number }
  | { op: 'core-prov'; user: string; core: number; pid: number }
  | { op: 'core-unprov'; user: string; core: number }
  | { op: 'policy'; user: string; policy: Policy }
  | { op: 'grace'; user: string; ns: number }
  | { op: 'tick'; user: string; ns: number }
  | { op: 'preempt'; user: string; pid: number; vcore?: number }
  | { op: 'core-preempt'; user: string; core: number }
  | { op: 'change'; user: string; pid: number; vcore: number; to: number; notif?: boolean }
  | { op: 'notif'; user: string; pid: number; vcore: number; on: boolean }
  | { op: 'request'; user: string; pid: number; n: number; more?: boolean }
  | { op: 'vcyield'; user: string; pid: number; vcore: number; nice?: boolean }
  | { op: 'alarm-create'; user: string; pid: number }
  | { op: 'alarm-timer'; user: string; pid: number; id: number; at: number }
  | { op: 'alarm-period'; user: string; pid: number; id: number; period: number }
  | { op: 'alarm-take'; user: string; pid: number; id: number }
  | { op: 'alarm-close'; user: string; pid: number; id: number }
  | { op: 'step'; user: string; ns: number; maxEvents?: number }
  | { op: 'seed'; user: string; n: number }
  | { op: 'limit'; user: string; name: LimitName; n: number }
  | { op: 'prog-run'; user: string; pid: number; workload: string; args?: string[] }
  | { op: 'prog-stop'; user: string; pid: number }
  | { op: 'noise'; user: string; model: string; args?: string[] };

/** The kernel's resource bounds the host owner may change (`limit`). */
export type LimitName = 'evq' | 'nproc';

export type Op = Command['op'];

/** Commands only the host owner may apply. */
export const HOST_ONLY: ReadonlySet<Op> = new Set<Op>(['core-offline', 'core-online', 'core-prov',
  'core-unprov', 'core-preempt', 'policy', 'grace', 'tick', 'step', 'seed', 'limit', 'noise']);

/** Commands that act on one process: owner or host owner (EPERM otherwise). */
export const PER_PROC: ReadonlySet<Op> = new Set<Op>(['run', 'change-to-m', 'kill', 'name', 'cores',
  'want', 'prov', 'unprov', 'yield', 'notify', 'ev', 'reap', 'preempt', 'change', 'notif', 'request', 'vcyield',
  'alarm-create', 'alarm-timer', 'alarm-period', 'alarm-take', 'alarm-close', 'prog-run', 'prog-stop']);
