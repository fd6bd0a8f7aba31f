// SPDX-License-Identifier: GPL-2.0-or-later
//
// #alarm, bound at /alarm: Akaros's per-process alarms (kern/drivers/dev/alarm.c) for
// every process, /alarm/N being process N's #alarm. The kernel runs the alarms
// (kern/alarm.ts); this file parses, formats and blocks count readers. See alarm.md.

import { EINVAL, ENOENT, EPERM, ERANGE } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import type { AlarmRow, ProcView } from '../../kern/index.js';
import {
  type Caller, type DirSpec, type OpenFile, type ReadRequest, type TableDevice, BlockingReader,
  type RecordSource, defineDevice, readstr, streamFile,
} from '../dev.js';
import type { KCtx } from '../kernel/ctx.js';

export const Qclone = 1, Qctl = 2, Qtimer = 3, Qperiod = 4, Qcount = 5, Qprocdir = 0x10, Qalarmdir = 0x11;

/** One alarm as the tree sees it: one object per (process, id) for the device's life. */
export interface AlarmRef { readonly proc: ProcView; readonly id: number }

const refs = new WeakMap<ProcView, Map<number, AlarmRef>>();
function refOf(proc: ProcView, id: number): AlarmRef {
  let m = refs.get(proc);
  if (!m) refs.set(proc, (m = new Map()));
  let r = m.get(id);
  if (!r) m.set(id, (r = { proc, id }));
  return r;
}

/** The alarm behind ref, now: ESRCH when its process is gone, ENOENT when it was closed. */
function alarmOf(ctx: KCtx, ref: AlarmRef): AlarmRow {
  const pid = ctx.live(ref.proc);
  const a = ctx.k.alarm(pid, ref.id);
  if (!a) throw perr(ENOENT, `alarm a${ref.id} of ${pid} is gone`);
  return a;
}

/** Akaros's strtoul_from_ubuf(..., 16): at most 20 characters, hex with an optional 0x.
 *  Unlike Akaros (which parses a prefix, so garbage reads as 0), anything else is EINVAL. */
export function parseHex(text: string, what: string): number {
  const s = text.trim();
  if (s.length > 20) throw perr(EINVAL, `${what}: "${s.slice(0, 24)}..." is more than 20 characters`);
  if (!/^(0[xX])?[0-9a-fA-F]+$/.test(s)) throw perr(EINVAL, `${what}: "${s}" is not a hex number`);
  const v = BigInt(/^0[xX]/.test(s) ? s : `0x${s}`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw perr(ERANGE, `${what}: ${s} is beyond 2^53 ns`);
  return Number(v);
}

/** The count file: a blocking read of the firings since the last read, consumed by the
 *  read that returns them (read_qcount). One reader per alarm, shared by every open. */
class CountSource implements RecordSource {
  constructor(private readonly ctx: KCtx, private readonly ref: AlarmRef) {}
  private row(): AlarmRow | undefined {
    const k = this.ctx.k;
    return k.proc(this.ref.proc.pid) === this.ref.proc ? k.alarm(this.ref.proc.pid, this.ref.id) : undefined;
  }
  ready(): boolean { return (this.row()?.count ?? 0) > 0; }
  take(): Buffer | undefined {
    if (!this.row()) return undefined;
    const ctx = this.ctx;
    const n = ctx.act((k) => k.alarmTake(k.machine().hostowner, this.ref.proc.pid, this.ref.id));
    return n > 0 ? Buffer.from(`${n}\n`) : undefined;
  }
  atEof(): boolean { return this.row() === undefined; }
  subscribe(fn: () => void): () => void {
    if (!this.row()) return () => {};
    return this.ctx.k.onAlarm(this.ref.proc.pid, this.ref.id, fn);
  }
}

const countReaders = new WeakMap<AlarmRef, BlockingReader>();

function countOpen(ctx: KCtx, ref: AlarmRef): OpenFile {
  alarmOf(ctx, ref);
  let r = countReaders.get(ref);
  if (!r) countReaders.set(ref, (r = new BlockingReader(new CountSource(ctx, ref))));
  const shared = r;
  return streamFile({ read: (req) => shared.read(req) });
}

/** An open of clone: the new alarm's ctl (reads its id; writes EPERM, as ctl). */
class CloneFile implements OpenFile {
  private readonly text: Buffer;
  constructor(id: number) { this.text = Buffer.from(`${id}\n`); }
  read(req: ReadRequest): Buffer { return readstr(req.offset, req.count, this.text); }
  write(): number { throw perr(EPERM, 'alarm ctl takes no commands'); }
  truncate(): void {}
}

/** A write of timer or period: parse errors go to the process's lasterr, as ctl errors do. */
function writeHex(ctx: KCtx, ref: AlarmRef, caller: Caller, data: Buffer, what: 'timer' | 'period'): void {
  alarmOf(ctx, ref);
  const pid = ref.proc.pid;
  let v: number;
  try {
    v = parseHex(data.toString('utf8'), `a${ref.id}/${what}`);
  } catch (e) {
    if (e instanceof P9Error) ctx.k.setLasterr(pid, e.detail ?? e.text);
    throw e;
  }
  const user = ctx.user(caller);
  ctx.act((k) => (what === 'timer' ? k.alarmTimer(user, pid, ref.id, v) : k.alarmPeriod(user, pid, ref.id, v)));
}

export function createAlarmDevice(ctx: KCtx, hostowner: () => string): TableDevice<void> {
  const alarmDir: DirSpec<AlarmRef> = {
    files: [
      { name: 'ctl', kind: Qctl, perm: 0o444, denyErrno: EPERM, read: (r) => { alarmOf(ctx, r); return `${r.id}\n`; } },
      {
        name: 'timer', kind: Qtimer, perm: 0o664, denyErrno: EPERM,
        read: (r) => { ctx.sync(); return `${alarmOf(ctx, r).at}\n`; },
        write: (r, caller, data) => writeHex(ctx, r, caller, data, 'timer'),
      },
      {
        name: 'period', kind: Qperiod, perm: 0o664, denyErrno: EPERM,
        read: (r) => `${alarmOf(ctx, r).period}\n`,
        write: (r, caller, data) => writeHex(ctx, r, caller, data, 'period'),
      },
      // readOnly: no one writes count, the host owner included (EACCES, as every file without a write)
      { name: 'count', kind: Qcount, perm: 0o440, denyErrno: EPERM, readOnly: true, open: (r) => countOpen(ctx, r) },
    ],
  };
  const procDir: DirSpec<ProcView> = {
    files: [{
      name: 'clone', kind: Qclone, perm: 0o664, denyErrno: EPERM,
      open: (ref, caller) => new CloneFile(ctx.act((k) => k.alarmCreate(ctx.user(caller), ctx.live(ref)))),
    }],
    numbered: {
      kind: Qalarmdir, perm: 0o555, prefix: 'a',
      list: (ref) => { ctx.sync(); return ctx.k.alarms(ctx.live(ref)).map((a) => a.id); },
      lookup: (ref, id) => (ctx.k.alarm(ref.pid, id) && ctx.k.proc(ref.pid) === ref ? refOf(ref, id) : undefined),
      owner: (r) => r.proc.user,
      remove: (r, caller) => { alarmOf(ctx, r); ctx.act((k) => k.alarmClose(ctx.user(caller), r.proc.pid, r.id)); },
      dir: alarmDir,
    },
  };
  const root: DirSpec<void> = {
    numbered: {
      kind: Qprocdir, perm: 0o555,
      list: () => ctx.k.pids().filter((pid) => !ctx.k.proc(pid)?.dead),
      lookup: (_o, id) => { const ref = ctx.k.proc(id); return ref && !ref.dead ? ref : undefined; },
      owner: (ref) => ref.user,
      dir: procDir,
    },
  };
  return defineDevice<void>({ name: 'alarm', hostowner, root });
}
