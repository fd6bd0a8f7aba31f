// SPDX-License-Identifier: GPL-2.0-or-later
//
// Ctrl-C for commands that block on the server: SIGINT/SIGTERM abort an AbortSignal
// (the 9P client turns that into Tflush) instead of killing the process, so the command
// ends its read cleanly and exits 0. `interrupt()` does the same from inside the process
// (tests, or an embedding program) without raising a real signal.

import { EventEmitter } from 'node:events';

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Stop listening for the signals (always call it). */
  dispose(): void;
}

const local = new EventEmitter();

/** Interrupt every command waiting in this process, as Ctrl-C would. */
export function interrupt(): void {
  local.emit('interrupt');
}

/** How many commands are waiting for an interrupt (tests wait for one to be). */
export function waiting(): number {
  return local.listenerCount('interrupt');
}

export function onInterrupt(): Interrupt {
  const ac = new AbortController();
  const handler = (): void => ac.abort();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  local.on('interrupt', handler);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      local.off('interrupt', handler);
    },
  };
}
