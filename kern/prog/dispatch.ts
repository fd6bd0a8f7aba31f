// SPDX-License-Identifier: GPL-2.0-or-later
//
// A program's clock events are tagged `prog PID WHAT` and all run through one handler,
// which engine.ts installs when it loads (so the files below it can schedule events
// without importing it). revive.ts rebuilds each closure from the tag the same way.

import type { KState } from '../state.js';

export const handlers: { prog: ((s: KState, pid: number, what: string) => void) | null } = { prog: null };

export function runProgEvent(s: KState, pid: number, what: string): void { handlers.prog!(s, pid, what); }

export function schedule(s: KState, pid: number, at: number, what: string): number {
  return s.clock.schedule(at, () => runProgEvent(s, pid, what), `prog ${pid} ${what}`);
}
