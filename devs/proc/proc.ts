// SPDX-License-Identifier: GPL-2.0-or-later
//
// #proc, bound at /proc: every process, single-core and many-core, with Akaros's files
// (kern/drivers/dev/proc.c): status in its fixed-width format, ctl, user, wait.
// An MCP is here and in /mcp under the same pid. See proc.md.

import { EACCES, EPERM } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { ProcView } from '../../kern/index.js';
import { type Cmdtab, type DirSpec, type OpenFile, type ReadRequest, type TableDevice, defineDevice, readstr } from '../dev.js';
import type { KCtx } from '../kernel/ctx.js';
import { guarded, killCmd, nameCmd } from '../kernel/procctl.js';
import { waitOpen } from '../kernel/wait.js';

export const Qclone = 1, Qstatus = 2, Qctl = 3, Quser = 4, Qwait = 5, Qprocdir = 0x10;

/** Akaros proc.c procread Qstatus: "%8d %-20s %-10s %6d" (pid, name, state, ppid). */
export function akarosStatus(pid: number, name: string, state: string, ppid: number): string {
  return `${String(pid).padStart(8)} ${name.padEnd(20)} ${state.padEnd(10)} ${String(ppid).padStart(6)}\n`;
}

export function procCtl(ctx: KCtx): Cmdtab<ProcView> {
  const u = ctx.user.bind(ctx);
  return guarded(ctx, [
    { verb: 'run', args: 0, fn: (_a, ref, caller) => ctx.act((k) => k.run(u(caller), ref.pid)) },
    { verb: 'm', args: 0, fn: (_a, ref, caller) => ctx.act((k) => k.changeToM(u(caller), ref.pid)) },
    { verb: 'kill', args: [0, 1], fn: (a, ref, caller) => killCmd(ctx, ref, caller, a) },
    { verb: 'name', args: 1, fn: (a, ref, caller) => nameCmd(ctx, ref, caller, a) },
  ]);
}

class CloneFile implements OpenFile {
  private readonly text: Buffer;
  constructor(pid: number) { this.text = Buffer.from(`${pid}\n`); }
  read(req: ReadRequest): Buffer { return readstr(req.offset, req.count, this.text); }
  write(): number { throw perr(EACCES, '/proc/clone: read the id, then write its ctl'); }
  truncate(): void {}
}

export function createProcDevice(ctx: KCtx, hostowner: () => string): TableDevice<void> {
  const procDir: DirSpec<ProcView> = {
    files: [
      {
        name: 'status', kind: Qstatus, perm: 0o444,
        read: (ref) => {
          ctx.sync();
          const i = ctx.k.procInfo(ctx.live(ref));
          return akarosStatus(i.pid, i.name, i.state, i.ppid);
        },
      },
      {
        name: 'ctl', kind: Qctl, perm: 0o664, denyErrno: EPERM, ctl: procCtl(ctx),
        ctlError: (ref, err) => ctx.recordError(ref.pid, err),
      },
      { name: 'user', kind: Quser, perm: 0o444, read: (ref) => `${ref.user}\n` },
      { name: 'wait', kind: Qwait, perm: 0o400, readOnly: true, open: (ref, caller) => waitOpen(ctx, ref, caller) },
    ],
  };
  const root: DirSpec<void> = {
    files: [{
      name: 'clone', kind: Qclone, perm: 0o666, readOnly: true,
      open: (_o, caller) => new CloneFile(ctx.act((k) => k.createScp(ctx.user(caller)))),
    }],
    numbered: {
      kind: Qprocdir, perm: 0o555,
      list: () => { ctx.sync(); return ctx.k.pids(); },
      lookup: (_o, id) => ctx.k.proc(id),
      owner: (ref) => ref.user,
      dir: procDir,
    },
  };
  return defineDevice<void>({ name: 'proc', hostowner, root });
}
