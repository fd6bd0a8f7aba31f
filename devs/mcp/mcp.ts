// SPDX-License-Identifier: GPL-2.0-or-later
//
// #mcp, bound at /mcp: many-core processes (namespace.md "/mcp"). The tables below are
// the whole device; the kernel makes every decision. See mcp.md.

import { EACCES, EPERM } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import { evName, type ProcView } from '../../kern/index.js';
import {
  type Caller, type DirSpec, type FileSpec, type OpenFile, type ReadRequest, type TableDevice,
  cpulistFmt, defineDevice, keyed, readstr, runCmds,
} from '../dev.js';
import type { KCtx } from '../kernel/ctx.js';
import { waitOpen } from '../kernel/wait.js';
import { mcpCtl } from './ctl.js';
import { eventsOpen } from './events.js';

export const Qclone = 1, Qctl = 2, Qstatus = 3, Qcores = 4, Qprov = 5, Qvcores = 6, Qevents = 7,
  Qwait = 8, Qstat = 9, Qevq = 10, Qresults = 11, Qprocdir = 0x10;

/** The registrations (kernel_evts[]): one line per registered type, `TYPE MBOX FLAGS vcore=N`. */
function evqText(ctx: KCtx, ref: ProcView): string {
  return ctx.k.evqs(ctx.live(ref)).map((r) => `${evName(r.type)} ${r.mbox} ${r.flags.join(',') || '-'} vcore=${r.vcore}\n`).join('');
}

function vcoresText(ctx: KCtx, ref: ProcView): string {
  const rows = ctx.k.vcoreRows(ctx.live(ref));
  let out = 'vcore pcore state     preempt_deadline sent done flags ctx run_ns\n';
  for (const r of rows) {
    out += `${String(r.vcore).padStart(5)} ${(r.pcore < 0 ? '-' : String(r.pcore)).padStart(5)} ` +
      `${r.state.padEnd(9)} ${String(r.preempt_deadline).padStart(16)} ${String(r.sent).padStart(4)} ` +
      `${String(r.done).padStart(4)} ${r.flags.padEnd(5)} ${r.ctx.padEnd(3)} ${r.run_ns}\n`;
  }
  return out;
}

export function statusText(ctx: KCtx, ref: ProcView): string {
  ctx.sync();
  const s = ctx.k.status(ctx.live(ref));
  return keyed([
    ['pid', s.pid], ['name', s.name], ['user', s.user], ['state', s.state], ['wanted', s.wanted],
    ['granted', s.granted], ['provisioned', s.provisioned], ['vcores', s.vcores],
    ['max_vcores', s.max_vcores], ['preempt_pending', s.preempt_pending], ['lasterr', s.lasterr],
  ]);
}

function statText(ctx: KCtx, ref: ProcView): string {
  ctx.sync();
  const pid = ctx.live(ref);
  const st = ctx.k.procStat(pid);
  // the program's time over all its vcores (mcp.md "Programs")
  const sum = [0, 0, 0, 0];
  for (const r of ctx.k.progVcores(pid)) for (let i = 0; i < 4; i++) sum[i] += r[i + 2];
  return keyed([...Object.entries(st).map(([key, v]) => [key.toLowerCase(), v] as const),
    ['prog_useful_ns', sum[0]], ['prog_spin_ns', sum[1]], ['prog_overhead_ns', sum[2]], ['prog_noise_ns', sum[3]]]);
}

/** A program's results (mcp.md "Programs"): keyed scalars, then one `vcore.N` line per
 *  vcore it ran on (pcore or -, useful, spin, overhead, noise ns). Empty if it ran none. */
export function resultsText(ctx: KCtx, ref: ProcView): string {
  ctx.sync();
  const pid = ctx.live(ref);
  const rows = ctx.k.progResults(pid);
  if (!rows) return '';
  const vc = ctx.k.progVcores(pid).map(([v, pc, ...rest]) => [`vcore.${v}`, [pc < 0 ? '-' : pc, ...rest].join(' ')] as const);
  return keyed([...rows, ...vc]);
}

export function procFiles(ctx: KCtx): FileSpec<ProcView>[] {
  return [
    {
      name: 'ctl', kind: Qctl, perm: 0o664, denyErrno: EPERM, ctl: mcpCtl(ctx),
      ctlError: (ref, err) => ctx.recordError(ref.pid, err),
    },
    { name: 'status', kind: Qstatus, perm: 0o444, read: (ref) => statusText(ctx, ref) },
    { name: 'cores', kind: Qcores, perm: 0o444, read: (ref) => { ctx.sync(); return `${cpulistFmt(ctx.k.granted(ctx.live(ref)))}\n`; } },
    { name: 'prov', kind: Qprov, perm: 0o444, read: (ref) => `${cpulistFmt(ctx.k.provList(ctx.live(ref)))}\n` },
    { name: 'vcores', kind: Qvcores, perm: 0o444, read: (ref) => { ctx.sync(); return vcoresText(ctx, ref); } },
    // Reading consumes (an event goes to one reader; the owner's wait read reaps): the
    // owner's and the host owner's only, as Plan 9's /proc/N/wait (0400).
    { name: 'events', kind: Qevents, perm: 0o400, readOnly: true, open: (ref) => eventsOpen(ctx, ref) },
    { name: 'wait', kind: Qwait, perm: 0o400, readOnly: true, open: (ref, caller) => waitOpen(ctx, ref, caller) },
    { name: 'stat', kind: Qstat, perm: 0o444, read: (ref) => statText(ctx, ref) },
    { name: 'evq', kind: Qevq, perm: 0o444, read: (ref) => evqText(ctx, ref) },
    { name: 'results', kind: Qresults, perm: 0o444, read: (ref) => resultsText(ctx, ref) },
  ];
}

/** One open of /mcp/clone: the new process's id to read; writes are ctl commands to it
 *  (Plan 9's clone-file convention, as /net/tcp/clone). */
class CloneFile implements OpenFile {
  private readonly text: Buffer;
  constructor(private readonly ctx: KCtx, private readonly ref: ProcView, private readonly caller: Caller) {
    this.text = Buffer.from(`${ref.pid}\n`);
  }
  read(req: ReadRequest): Buffer {
    return readstr(req.offset, req.count, this.text);
  }
  write(_off: bigint, data: Buffer): number | Promise<number> {
    if (data.length === 0) return 0;
    const tab = mcpCtl(this.ctx);
    const r = runCmds(tab, data, this.ref, this.caller,
      (e) => this.ctx.recordError(this.ref.pid, e));
    return r ? r.then(() => data.length) : data.length;
  }
  truncate(): void {}
}

export function createMcpDevice(ctx: KCtx, hostowner: () => string): TableDevice<void> {
  const procDir: DirSpec<ProcView> = { files: procFiles(ctx) };
  const root: DirSpec<void> = {
    files: [{
      name: 'clone', kind: Qclone, perm: 0o666,
      open: (_o, caller) => {
        const pid = ctx.act((k) => k.createMcp(ctx.user(caller)));
        const ref = ctx.k.proc(pid);
        if (!ref) throw perr(EACCES, `clone: process ${pid} vanished`);
        return new CloneFile(ctx, ref, caller);
      },
    }],
    numbered: {
      kind: Qprocdir, perm: 0o555,
      list: () => { ctx.sync(); return ctx.k.mcpPids(); },
      lookup: (_o, id) => {
        const ref = ctx.k.proc(id);
        return ref?.isMcp ? ref : undefined;
      },
      owner: (ref) => ref.user,
      dir: procDir,
    },
  };
  return defineDevice<void>({ name: 'mcp', hostowner, root });
}
