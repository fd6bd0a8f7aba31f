// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the kernel devices (#mcp, #proc, #core, #sim, and #cons's time and kmesg) share:
// the kernel, the clock driver (so a command in real-time mode happens at the current
// virtual time), and the host owner. Devices hold a process as the kernel's own
// read-only object (Kernel.proc), so a pid handed out again is a new object, hence new qids.

import { ESRCH } from '../../lib/9p/errno.js';
import { type P9Error, perr } from '../../lib/9p/error.js';
import { type ClockDriver, type Kernel, KernelError, type ProcView } from '../../kern/index.js';
import type { Caller } from '../types.js';

export class KCtx {
  constructor(readonly k: Kernel, readonly driver: ClockDriver | undefined, readonly hostowner: string) {}

  /** Bring virtual time up to real time (running mode) before looking or acting. */
  sync(): void {
    this.driver?.sync();
  }

  /** The name the kernel knows the caller by: the host owner acts as the kernel's. */
  user(caller: Caller): string {
    return caller.hostowner ? this.k.machine().hostowner : caller.user;
  }

  /** Runs kernel work at the current virtual time. */
  act<T>(fn: (k: Kernel) => T): T {
    this.sync();
    return fn(this.k);
  }

  /** ctlError for per-process ctl files: the device's own errors (parsing, arity) go to
   *  lasterr and the kernel log too; a KernelError has been recorded already. */
  recordError(pid: number, err: P9Error): void {
    if (err instanceof KernelError) return;
    if (this.k.has(pid)) this.k.setLasterr(pid, err.detail ?? err.text);
  }

  /** Throws ESRCH unless `ref` is still the process its pid names (it may have been
   *  reaped, and the pid handed out again). */
  live(ref: ProcView): number {
    if (this.k.proc(ref.pid) !== ref) throw perr(ESRCH, `process ${ref.pid} is gone`);
    return ref.pid;
  }
}
