// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A counting gate with a bounded waiting line: at most `max` holders at once, at most
// `maxQueue` callers waiting; one more is refused EAGAIN at once rather than queued
// without end. A waiter whose signal aborts leaves the line.

import { perr } from '../9p/error.js';
import { EAGAIN, EINVAL } from '../9p/errno.js';

interface Waiter {
  resolve(release: () => void): void;
  reject(e: unknown): void;
  cleanup(): void;
}

export class Gate {
  private holders = 0;
  private readonly line: Waiter[] = [];

  constructor(readonly max: number, readonly maxQueue: number) {
    if (!Number.isInteger(max) || max < 1) throw perr(EINVAL, `gate max ${max}: must be an integer >= 1`);
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw perr(EINVAL, `gate maxQueue ${maxQueue}: must be an integer >= 0`);
  }

  /** Holders right now. */
  get running(): number { return this.holders; }
  /** Callers waiting right now. */
  get queued(): number { return this.line.length; }

  /** Wait for a place; resolves with the function that gives it back (idempotent). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.holders < this.max) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (this.line.length >= this.maxQueue) {
      return Promise.reject(perr(EAGAIN, `${this.holders} running and ${this.line.length} waiting (limits ${this.max} and ${this.maxQueue})`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.line.indexOf(w);
        if (i >= 0) this.line.splice(i, 1);
        reject(signal!.reason);
      };
      const w: Waiter = { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.line.push(w);
    });
  }

  private releaser(): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.holders--;
      this.admit();
    };
  }

  private admit(): void {
    while (this.holders < this.max && this.line.length > 0) {
      const w = this.line.shift()!;
      w.cleanup();
      this.holders++;
      w.resolve(this.releaser());
    }
  }
}
