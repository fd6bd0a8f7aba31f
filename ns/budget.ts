// SPDX-License-Identifier: GPL-2.0-or-later
//
// How much walking namespace lines may do in one turn of the event loop, all sessions
// together. A /dev/ns write is applied line by line inside one request, and a walk
// through a union tries each member in turn, so a megabyte of short bind lines through a
// full union would hold the loop for seconds. Past the budget a line fails with EAGAIN
// (try again: nothing is wrong with it) and the next turn starts afresh, so other
// clients are served in between.

import { perr } from '../lib/9p/error.js';
import { EAGAIN } from '../lib/9p/errno.js';

/** Member walks per turn: a few milliseconds of work (a typical line takes under ten). */
export const DEFAULT_WALK_BUDGET = 4096;

export class TurnBudget {
  private left: number;
  private armed = false;

  constructor(readonly perTurn: number = DEFAULT_WALK_BUDGET) {
    this.left = perTurn;
  }

  /** Spends `n` steps; EAGAIN when this turn's are gone. */
  charge(n: number): void {
    if (!this.armed) {
      this.armed = true;
      setImmediate(() => {
        this.left = this.perTurn;
        this.armed = false;
      }).unref();
    }
    this.left -= n;
    if (this.left < 0) throw perr(EAGAIN, `namespace busy: more than ${this.perTurn} walk steps this turn`);
  }
}
