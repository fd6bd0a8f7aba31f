// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the kernel devices (#mcp, #proc, #core, #sim, and #cons's time and kmesg) share:
// the kernel, the clock driver (so a command in real-time mode happens at the current
// virtual time), and the host owner. Devices hold a process as the kernel's own
// read-only object (Kernel.proc), so a pid handed out again is a new object, hence new qids.
//
// A durable machine (devs/persist) journals every state change before acknowledging it.
// Kernel commands are journaled by the kernel it hands over; the few changes devices
// make themselves (taking an event from a mailbox, a line written to the kernel log, the
// clock's mode, speed and steps, the system name) are reported through `persist`.

import { ESRCH } from '../../lib/9p/errno.js';
import { type P9Error, perr } from '../../lib/9p/error.js';
import { type ClockDriver, type Kernel, KernelError, type ProcView } from '../../kern/index.js';
import type { Caller } from '../types.js';

/** Machine settings kept beside the kernel's state (devs/persist keeps them durable). */
export interface NodeSettings {
  /** /dev/sysname */
  sysname: string;
  /** the clock driver's mode and speed (/sim/ctl) */
  mode: 'paused' | 'running';
  speed: number;
  /** the seed /sim/ctl reports */
  seed: number;
}

/** What devices report to a durable machine: changes made outside Kernel.apply. Each
 *  call is made right after the change, at the virtual time it happened. */
export interface Persist {
  /** One event was taken from pid's mailbox (an events read). */
  took(pid: number): void;
  /** A line was added to the kernel log by a device (a host-owner write to kmesg). */
  note(kind: string, text: string): void;
  /** The clock moved without a kernel command (a /sim step while the driver runs). */
  time(): void;
  /** A machine setting changed (it has the new value already). */
  set<K extends keyof NodeSettings>(key: K, value: NodeSettings[K]): void;
}

export class KCtx {
  constructor(readonly k: Kernel, readonly driver: ClockDriver | undefined, readonly hostowner: string,
    readonly persist?: Persist) {}

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

  /** An events read took one event from `mb`, pid's mailbox when the read began. Only a
   *  listed process's mailbox is state (a reaped one's readers drain it alone). */
  took(pid: number, mb: object): void {
    if (this.persist && this.k.state.procs.get(pid)?.mbox === mb) this.persist.took(pid);
  }

  /** Throws ESRCH unless `ref` is still the process its pid names (it may have been
   *  reaped, and the pid handed out again). */
  live(ref: ProcView): number {
    if (this.k.proc(ref.pid) !== ref) throw perr(ESRCH, `process ${ref.pid} is gone`);
    return ref.pid;
  }
}
