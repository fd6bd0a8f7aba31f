// SPDX-License-Identifier: GPL-2.0-or-later
//
// #core, bound at /core: the physical cores, the allocator and the provisioning map
// (namespace.md "/core"). Tables only; the kernel decides. See core.md.

import { EINVAL, EPERM } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import {
  type Cmdtab, type DirSpec, type TableDevice, cpulistFmt, defineDevice, keyed, parseDuration, parseUint,
} from '../dev.js';
import { LIMIT_RANGE, type LimitName } from '../../kern/index.js';
import type { KCtx } from '../kernel/ctx.js';

export const Qctl = 1, Qmap = 2, Qidle = 3, Qsysstat = 4, Qutil = 5, Qnoise = 6, Qcoredir = 0x10, Qcstatus = 0x11, Qcctl = 0x12;

/** A pcore as the numbered directory sees it: one object per core for the device's life. */
export interface CoreRef { readonly core: number }

const dash = (n: number, none: number) => (n === none ? '-' : String(n));

/** Durations arrive with units (`200ms`); the kernel takes ns as a number. */
function durationNs(s: string): number {
  const ns = parseDuration(s);
  if (ns > BigInt(Number.MAX_SAFE_INTEGER)) throw perr(EINVAL, `duration "${s}" too large`);
  return Number(ns);
}

export function mapText(ctx: KCtx): string {
  ctx.sync();
  let out = 'core role state prov alloc vcore\n';
  for (const r of ctx.k.coreRows()) {
    out += `${String(r.core).padStart(4)} ${r.role.padEnd(4)} ${r.state.padEnd(5)} ` +
      `${dash(r.prov, 0).padStart(4)} ${dash(r.alloc, 0).padStart(5)} ${dash(r.vcore, -1).padStart(5)}\n`;
  }
  return out;
}

/** Plan 9 /dev/sysstat: fixed-width (11 digits and a blank) counters, no header. */
const SYSSTAT_COLS = ['core', 'idle_ns', 'user_ns', 'kernel_ns', 'grants', 'preemptions', 'warned',
  'yielded_in_time', 'forced'] as const;
export function sysstatText(ctx: KCtx): string {
  ctx.sync();
  let out = '';
  for (const r of ctx.k.sysstat()) {
    out += SYSSTAT_COLS.map((c) => String(Math.round(r[c] ?? 0)).padStart(11)).join(' ') + '\n';
  }
  return out;
}

/** Program time per core (core.md "util"): what the programs' vcores did on each CG core,
 *  and the share of the time since boot that was useful work (per mille). */
export function utilText(ctx: KCtx): string {
  ctx.sync();
  const now = ctx.k.now(), ll = new Set(ctx.k.machine().ll);
  let out = 'core useful_ns spin_ns overhead_ns noise_ns util\n';
  for (let c = 0; c < ctx.k.machine().ncores; c++) {
    if (ll.has(c)) continue;
    const p = ctx.k.coreProgTime(c);
    const util = now > 0 ? (p.useful / now).toFixed(3) : '0.000';
    out += `${String(c).padStart(4)} ${String(p.useful).padStart(12)} ${String(p.spin).padStart(12)} ` +
      `${String(p.overhead).padStart(11)} ${String(p.noise).padStart(11)} ${util}\n`;
  }
  return out;
}

export function machineText(ctx: KCtx): string {
  ctx.sync();
  const m = ctx.k.machine();
  const rows = ctx.k.coreRows();
  const offline = rows.filter((r) => r.state === 'offline').map((r) => r.core);
  return keyed([
    ['ncores', m.ncores], ['ll', cpulistFmt(m.ll)], ['cg', m.ncores - m.ll.length],
    ['max_vcores', m.maxVcores], ['offline', cpulistFmt(offline)],
    ['idle', ctx.k.idleList().length], ['policy', m.policy], ['grace', m.graceNs], ['tick', m.tickNs],
    ['hostowner', m.hostowner],
  ]);
}

function coreStatusText(ctx: KCtx, c: CoreRef): string {
  ctx.sync();
  const s = ctx.k.coreStatus(c.core);
  return keyed([
    ['core', s.core], ['role', s.role], ['state', s.state], ['proc', dash(s.proc, 0)],
    ['vcore', dash(s.vcore, -1)], ['prov', dash(s.prov, 0)], ['socket', s.socket], ['numa', s.numa],
    ['cpu', s.cpu],
  ]);
}

export function createCoreDevice(ctx: KCtx, hostowner: () => string): TableDevice<void> {
  const u = ctx.user.bind(ctx);
  const refs: CoreRef[] = [];
  const ncores = () => ctx.k.machine().ncores;
  const refOf = (c: number) => (refs[c] ??= { core: c });

  const ctl: Cmdtab<void> = [
    {
      verb: 'policy', args: 1,
      fn: (a, _o, caller) => {
        const policy = a[0];
        if (policy !== 'fcfs' && policy !== 'packed') throw perr(EINVAL, `policy: unknown policy "${policy}"`);
        ctx.act((k) => k.setPolicy(u(caller), policy));
      },
    },
    { verb: 'grace', args: 1, fn: (a, _o, caller) => { const ns = durationNs(a[0]); ctx.act((k) => k.setGrace(u(caller), ns)); } },
    { verb: 'tick', args: 1, fn: (a, _o, caller) => { const ns = durationNs(a[0]); ctx.act((k) => k.setTick(u(caller), ns)); } },
    // Not in namespace.md: run the MCP ksched pass now instead of at the next tick.
    { verb: 'poke', args: 0, fn: (_a, _o, caller) => ctx.act((k) => k.pokeKsched(u(caller))) },
    {
      // preempt PID: proc_preempt_all (the monitor's `measure preempt PID`)
      verb: 'preempt', args: 1,
      fn: (a, _o, caller) => {
        const pid = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'pid');
        if (!caller.hostowner) throw perr(EPERM, `preempt ${pid}: only the host owner`);
        ctx.act((k) => k.preempt(u(caller), pid));
      },
    },
    {
      // noise akaros | noise linux [hz=N tick=D drate=R dmean=D irate=R imean=D] (core.md "Noise")
      verb: 'noise', args: [1, 7],
      fn: (a, _o, caller) => ctx.act((k) => k.setNoise(u(caller), a[0], a.slice(1))),
    },
    // Not in namespace.md: the kernel's resource bounds (core.md, "Limits").
    {
      verb: 'limit', args: 2,
      fn: (a, _o, caller) => {
        if (!Object.hasOwn(LIMIT_RANGE, a[0])) throw perr(EINVAL, `limit: no such limit "${a[0]}" (evq, nproc)`);
        const n = parseUint(a[1], Number.MAX_SAFE_INTEGER, `limit ${a[0]}`);
        ctx.act((k) => k.setLimit(u(caller), a[0] as LimitName, n));
      },
    },
  ];

  const coreCtl: Cmdtab<CoreRef> = [
    { verb: 'offline', args: 0, fn: (_a, c, caller) => ctx.act((k) => k.coreOffline(u(caller), c.core)) },
    { verb: 'online', args: 0, fn: (_a, c, caller) => ctx.act((k) => k.coreOnline(u(caller), c.core)) },
    {
      verb: 'prov', args: 1,
      fn: (a, c, caller) => {
        const pid = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'pid');
        ctx.act((k) => k.coreProv(u(caller), c.core, pid));
      },
    },
    { verb: 'unprov', args: 0, fn: (_a, c, caller) => ctx.act((k) => k.coreUnprov(u(caller), c.core)) },
    // proc_preempt_core on this core (the monitor's `measure preempt PID PCORE`)
    { verb: 'preempt', args: 0, fn: (_a, c, caller) => ctx.act((k) => k.corePreempt(u(caller), c.core)) },
  ];

  const coreDir: DirSpec<CoreRef> = {
    files: [
      { name: 'status', kind: Qcstatus, perm: 0o444, read: (c) => coreStatusText(ctx, c) },
      { name: 'ctl', kind: Qcctl, perm: 0o664, denyErrno: EPERM, ctl: coreCtl },
    ],
  };

  const root: DirSpec<void> = {
    files: [
      { name: 'ctl', kind: Qctl, perm: 0o664, denyErrno: EPERM, ctl, read: () => machineText(ctx) },
      { name: 'map', kind: Qmap, perm: 0o444, read: () => mapText(ctx) },
      // One core per line, in the order the allocator hands them out (a cpulist would lose it).
      { name: 'idle', kind: Qidle, perm: 0o444, read: () => { ctx.sync(); return ctx.k.idleList().map((c) => `${c}\n`).join(''); } },
      { name: 'sysstat', kind: Qsysstat, perm: 0o444, read: () => sysstatText(ctx) },
      { name: 'util', kind: Qutil, perm: 0o444, read: () => utilText(ctx) },
      { name: 'noise', kind: Qnoise, perm: 0o444, read: () => keyed(ctx.k.noiseInfo().map(([key, v]) => [key.replace(/^noise_?/, '') || 'model', v] as const)) },
    ],
    numbered: {
      kind: Qcoredir, perm: 0o555,
      list: () => Array.from({ length: ncores() }, (_, i) => i),
      lookup: (_o, id) => (id < ncores() ? refOf(id) : undefined),
      serial: (c: CoreRef) => c.core + 1,
      dir: coreDir,
    },
  };
  return defineDevice<void>({ name: 'core', hostowner, root });
}
