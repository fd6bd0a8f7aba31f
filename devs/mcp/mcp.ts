// SPDX-License-Identifier: GPL-2.0-or-later
//
// #mcp, bound at /mcp: many-core processes (namespace.md "/mcp"). The tables below are
// the whole device; the kernel makes every decision. See mcp.md.

import { EACCES, EPERM } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import { formatEvent } from '../../kern/events.js';
import {
  type Caller, type DirSpec, type FileSpec, type OpenFile, type ReadRequest, type TableDevice,
  cpulistFmt, defineDevice, keyed, readstr, runCmds, streamFile,
} from '../dev.js';
import { type KCtx, type ProcRef } from './kctx.js';
import { mcpCtl } from './ctl.js';
import { MailboxStream, WaitFile } from './streams.js';

export const Qclone = 1, Qctl = 2, Qstatus = 3, Qcores = 4, Qprov = 5, Qvcores = 6, Qevents = 7,
  Qwait = 8, Qstat = 9, Qprocdir = 0x10;

const streams = new WeakMap<object, MailboxStream>();

/** The one MailboxStream of a process (every open of events shares its carry). */
export function eventsOpen(ctx: KCtx, ref: ProcRef, format: (m: any) => string = formatEvent): OpenFile {
  const mb = ctx.k.mailbox(ctx.live(ref));
  let s = streams.get(mb);
  if (!s) streams.set(mb, (s = new MailboxStream(mb, format)));
  return streamFile(s);
}

/** An open of `wait` (/mcp/N/wait and /proc/N/wait). A read that hands out the record
 *  reaps the process when the reader is its owner or the host owner (namespace.md is
 *  silent; see mcp.md). */
export function waitOpen(ctx: KCtx, ref: ProcRef, caller: Caller): OpenFile {
  const pid = ctx.live(ref);
  const k = ctx.k;
  const onExit = (fn: (r: { pid: number; code: number; reason: string }) => void) => {
    const rec = k.waitRecord(pid);
    if (rec) { fn(rec); return () => {}; }
    return k.onExit(pid, fn);
  };
  const reap = () => {
    if (ctx.lookup(pid) !== ref) return;          // reaped already (or pid reused)
    const user = ctx.user(caller);
    try {
      if (caller.hostowner || k.procInfo(pid).user === user) ctx.act((kk) => kk.reap(user, pid));
    } catch { /* raced with the zombie timer */ }
  };
  return new WaitFile(onExit, reap);
}

/** The owner of a process (its directory and files belong to it). */
export function ownerOf(ctx: KCtx, ref: ProcRef): string {
  const u = (ref as { user?: unknown }).user;
  if (typeof u === 'string') return u;
  try { return ctx.k.procInfo(ref.pid).user; } catch { return ctx.hostowner; }
}

function vcoresText(ctx: KCtx, ref: ProcRef): string {
  const rows = ctx.k.vcoreRows(ctx.live(ref));
  let out = 'vcore pcore state     preempt_deadline sent done run_ns\n';
  for (const r of rows) {
    out += `${String(r.vcore).padStart(5)} ${(r.pcore < 0 ? '-' : String(r.pcore)).padStart(5)} ` +
      `${r.state.padEnd(9)} ${String(r.preempt_deadline).padStart(16)} ${String(r.sent).padStart(4)} ` +
      `${String(r.done).padStart(4)} ${r.run_ns}\n`;
  }
  return out;
}

export function statusText(ctx: KCtx, ref: ProcRef): string {
  ctx.sync();
  const s = ctx.k.status(ctx.live(ref));
  return keyed([
    ['pid', s.pid], ['name', s.name], ['user', s.user], ['state', s.state], ['wanted', s.wanted],
    ['granted', s.granted], ['provisioned', s.provisioned], ['vcores', s.vcores],
    ['max_vcores', s.max_vcores], ['preempt_pending', s.preempt_pending], ['lasterr', s.lasterr],
  ]);
}

function statText(ctx: KCtx, ref: ProcRef): string {
  ctx.sync();
  const st = ctx.k.procStat(ctx.live(ref));
  return keyed(Object.entries(st).map(([key, v]) => [key.toLowerCase(), v] as const));
}

export function procFiles(ctx: KCtx): FileSpec<ProcRef>[] {
  return [
    {
      name: 'ctl', kind: Qctl, perm: 0o664, denyErrno: EPERM, ctl: mcpCtl(ctx),
      ctlError: (ref, err) => ctx.recordError(ref.pid, err),
    },
    { name: 'status', kind: Qstatus, perm: 0o444, read: (ref) => statusText(ctx, ref) },
    { name: 'cores', kind: Qcores, perm: 0o444, read: (ref) => { ctx.sync(); return `${cpulistFmt(ctx.k.granted(ctx.live(ref)))}\n`; } },
    { name: 'prov', kind: Qprov, perm: 0o444, read: (ref) => `${cpulistFmt(ctx.k.provList(ctx.live(ref)))}\n` },
    { name: 'vcores', kind: Qvcores, perm: 0o444, read: (ref) => { ctx.sync(); return vcoresText(ctx, ref); } },
    { name: 'events', kind: Qevents, perm: 0o444, open: (ref) => eventsOpen(ctx, ref) },
    { name: 'wait', kind: Qwait, perm: 0o444, open: (ref, caller) => waitOpen(ctx, ref, caller) },
    { name: 'stat', kind: Qstat, perm: 0o444, read: (ref) => statText(ctx, ref) },
  ];
}

/** One open of /mcp/clone: the new process's id to read; writes are ctl commands to it
 *  (Plan 9's clone-file convention, as /net/tcp/clone). */
class CloneFile implements OpenFile {
  private readonly text: Buffer;
  constructor(private readonly ctx: KCtx, private readonly ref: ProcRef, private readonly caller: Caller) {
    this.text = Buffer.from(`${ref.pid}\n`);
  }
  read(req: ReadRequest): Buffer {
    return readstr(req.offset, req.count, this.text);
  }
  write(_off: bigint, data: Buffer): number | Promise<number> {
    if (data.length === 0) return 0;
    const tab = mcpCtl(this.ctx);
    const r = runCmds(tab, data.toString('utf8'), this.ref, this.caller,
      (e) => this.ctx.recordError(this.ref.pid, e));
    return r ? r.then(() => data.length) : data.length;
  }
  truncate(): void {}
}

export function createMcpDevice(ctx: KCtx, hostowner: () => string): TableDevice<void> {
  const procDir: DirSpec<ProcRef> = { files: procFiles(ctx) };
  const root: DirSpec<void> = {
    files: [{
      name: 'clone', kind: Qclone, perm: 0o666,
      open: (_o, caller) => {
        const pid = ctx.act((k) => k.createMcp(ctx.user(caller)));
        const ref = ctx.lookup(pid);
        if (!ref) throw perr(EACCES, `clone: process ${pid} vanished`);
        return new CloneFile(ctx, ref, caller);
      },
    }],
    numbered: {
      kind: Qprocdir, perm: 0o555,
      list: () => { ctx.sync(); return ctx.k.mcpPids(); },
      lookup: (_o, id) => {
        const ref = ctx.lookup(id);
        if (!ref) return undefined;
        try { return ctx.k.procInfo(id).isMcp ? ref : undefined; } catch { return undefined; }
      },
      owner: (ref) => ownerOf(ctx, ref),
      dir: procDir,
    },
  };
  return defineDevice<void>({ name: 'mcp', hostowner, root });
}
