// SPDX-License-Identifier: GPL-2.0-or-later
//
// A program's clock events are tagged `prog PID WHAT` and all run through one handler,
// which engine.ts installs when it loads (so the files below it can schedule events
// without importing it). revive.ts rebuilds each closure from the tag the same way.

import type { KState } from '../state.js';

export const handlers: { prog: ((s: KState, pid: number, kind: string, arg: number) => void) | null } = { prog: null };

/** Run event `kind` (with its vcore argument, or -1) of pid's program. */
export function runProgEvent(s: KState, pid: number, kind: string, arg: number): void { handlers.prog!(s, pid, kind, arg); }

/** Schedule `prog PID KIND [ARG]`: `what` is KIND or `KIND ARG` (a vcore number). */
export function schedule(s: KState, pid: number, at: number, what: string): number {
  const sp = what.indexOf(' ');
  const kind = sp < 0 ? what : what.slice(0, sp), arg = sp < 0 ? -1 : Number(what.slice(sp + 1));
  return s.clock.schedule(at, () => runProgEvent(s, pid, kind, arg), `prog ${pid} ${what}`);
}
