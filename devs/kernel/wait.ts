// SPDX-License-Identifier: GPL-2.0-or-later
//
// An open of `wait` (/mcp/N/wait and /proc/N/wait): blocks until the process has died,
// then reads "PID CODE REASON\n" (in pieces if the read is short), then end of file.
// The record is caught at open, so it is this process's even if the pid is reaped and
// handed out again before the read. Once the last byte is out, the reader reaps the
// process if it is the owner or the host owner (namespace.md is silent; see mcp.md).

import type { Kernel, ProcView, WaitRecord } from '../../kern/index.js';
import { BlockingReader, type RecordSource } from '../lib/blocking.js';
import { streamFile } from '../lib/stream.js';
import type { Caller, OpenFile } from '../types.js';
import type { KCtx } from './ctx.js';

class ExitRecord implements RecordSource {
  private rec: Buffer | undefined;
  private taken = false;
  private listener: (() => void) | undefined;
  private readonly unsubExit: () => void;

  constructor(k: Kernel, pid: number, private readonly onDrained: () => void) {
    // Runs now if the process is dead already, else inside the kernel's kill.
    this.unsubExit = k.onExit(pid, (r: WaitRecord) => {
      this.rec = Buffer.from(`${r.pid} ${r.code} ${r.reason}\n`);
      this.listener?.();
    });
  }

  ready(): boolean { return this.rec !== undefined && !this.taken; }
  take(): Buffer | undefined { this.taken = true; return this.rec; }
  atEof(): boolean { return this.taken; }
  subscribe(fn: () => void): () => void {
    this.listener = fn;
    return () => { if (this.listener === fn) this.listener = undefined; };
  }
  drained(): void { this.onDrained(); }
  close(): void { this.unsubExit(); }
}

export function waitOpen(ctx: KCtx, ref: ProcView, caller: Caller): OpenFile {
  const pid = ctx.live(ref);
  const reap = () => ctx.act((k) => {
    if (k.proc(pid) !== ref) return;          // reaped already (or the pid reused)
    const user = ctx.user(caller);
    if (caller.hostowner || ref.user === user) k.reap(user, pid);
  });
  return streamFile(new BlockingReader(new ExitRecord(ctx.k, pid, reap)));
}
