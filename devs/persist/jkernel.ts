// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel of a durable machine: a Kernel whose every apply() and setLasterr() hands a
// journal record to `recorder` once it is done: applied commands and refusals alike (a
// refusal changes lasterr and the log, and the replay must do the same). The clock's
// position is taken before the command, since `step` moves it.

import { Kernel, KernelError, type Command } from '../../kern/index.js';
import type { Rec } from './records.js';

export class JournaledKernel extends Kernel {
  /** Receives each record; null while replaying (or for a kernel nobody journals). */
  recorder: ((r: Rec) => void) | null = null;

  override apply(cmd: Command): number | undefined {
    const rec = this.recorder;
    if (!rec) return super.apply(cmd);
    const c = this.state.clock, t = c.now, e = c.eventsRun;
    let r: number | undefined;
    try {
      r = super.apply(cmd);
    } catch (err) {
      if (err instanceof KernelError) rec(['x', t, e, cmd]);
      throw err;
    }
    rec(['c', t, e, cmd]);
    return r;
  }

  override setLasterr(pid: number, detail: string): void {
    super.setLasterr(pid, detail);
    const c = this.state.clock;
    this.recorder?.(['l', c.now, c.eventsRun, pid, detail]);
  }
}
