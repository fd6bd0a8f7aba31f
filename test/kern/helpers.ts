// SPDX-License-Identifier: GPL-2.0-or-later
//
// Test helpers: a kernel whose every apply() is followed by the invariant checker.

import { Kernel } from '../../kern/kernel.js';
import { checkInvariants } from '../../kern/invariants.js';
import type { KernelConfig } from '../../kern/types.js';
import type { Command } from '../../kern/commands.js';

export const HOST = 'eve';

export function checked(cfg: KernelConfig = {}): Kernel {
  const k = new Kernel({ hostowner: HOST, ...cfg });
  const apply = k.apply.bind(k);
  k.apply = (cmd: Command) => {
    try { return apply(cmd); } finally { checkInvariants(k); }
  };
  return k;
}

export function errno(fn: () => unknown): string {
  try { fn(); } catch (e) { return (e as { ename?: string }).ename ?? String(e); }
  return 'ok';
}
