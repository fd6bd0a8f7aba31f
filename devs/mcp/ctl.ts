// SPDX-License-Identifier: GPL-2.0-or-later
//
// The verbs of /mcp/N/ctl (namespace.md, "/mcp/N/ctl commands"), Plan 9 Cmdtab style.
// Parsing is here; every decision is the kernel's (kern/README.md): a verb maps to one
// typed kernel command acting as the writer, so the kernel checks ownership again and
// records its own errors in lasterr and the log.

import { EINVAL, ENXIO, ERANGE } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import type { MboxKind, ProcView } from '../../kern/index.js';
import { type Cmdtab, type Caller, cpulistParse, parseUint } from '../dev.js';
import type { KCtx } from '../kernel/ctx.js';
import { guarded, killCmd, nameCmd, parseInt32 } from '../kernel/procctl.js';

/** A core count: EINVAL if not a number, ERANGE if negative (namespace.md: "outside
 *  0..max_vcores"); the kernel answers ERANGE above max_vcores. `-0` is not a negative
 *  number nor a count as written: EINVAL, as Linux's kstrtouint answers any sign. */
export function parseCount(s: string, what = 'core count'): number {
  if (/^-0+$/.test(s)) throw perr(EINVAL, `bad ${what} "${s}"`);
  if (/^-\d+$/.test(s)) throw perr(ERANGE, `${what} ${s} < 0`);
  return parseUint(s, Number.MAX_SAFE_INTEGER, what);
}

/** A cpulist of this machine's pcores. A number past the last core is ENXIO (as the
 *  kernel answers for one core), found before any range is expanded: `1-9007199254740991`
 *  costs what `1-15` does. */
export function coreList(ctx: KCtx, s: string, verb: string): number[] {
  const ncores = ctx.k.machine().ncores;
  try {
    return cpulistParse(s, ncores - 1);
  } catch (e) {
    if (e instanceof P9Error && e.errno === ERANGE) throw perr(ENXIO, `${verb} ${s}: no such core (ncores ${ncores})`);
    throw e;
  }
}

const MBOXES: readonly MboxKind[] = ['ucq', 'bitmap', 'ceq', 'off'];

/** The per-connection registry of `ephemeral` processes: one onClose hook per (session, pid). */
const ephemeralHooks = new WeakMap<object, Set<number>>();

function ephemeral(ctx: KCtx, ref: ProcView, caller: Caller): void {
  const pid = ctx.live(ref);
  const s = caller.session;
  let set = ephemeralHooks.get(s);
  if (!set) ephemeralHooks.set(s, (set = new Set()));
  if (set.has(pid)) return;
  set.add(pid);
  s.onClose(() => ctx.act((k) => {
    // Only the process this write named: the pid may have been reaped and reused.
    if (k.proc(pid) !== ref || ref.dead) return;
    k.kill(k.machine().hostowner, pid);
  }));
}

export function mcpCtl(ctx: KCtx): Cmdtab<ProcView> {
  return guarded(ctx, mcpVerbs(ctx));
}

function mcpVerbs(ctx: KCtx): Cmdtab<ProcView> {
  const u = (c: Caller) => ctx.user(c);
  const cores = (ref: ProcView, caller: Caller, n: string) => {
    const v = parseCount(n);
    ctx.act((k) => k.cores(u(caller), ref.pid, v));
  };
  return [
    // `echo 4 > /mcp/7/ctl`
    { verb: /^\d+$/, args: 0, fn: (_a, ref, caller, verb) => cores(ref, caller, verb) },
    { verb: 'cores', args: 1, fn: (a, ref, caller) => cores(ref, caller, a[0]) },
    {
      verb: 'want', args: 1,
      fn: (a, ref, caller) => {
        const n = parseCount(a[0]);
        ctx.act((k) => k.want(u(caller), ref.pid, n));
      },
    },
    {
      // prov LIST | prov -f LIST (force: the host owner takes cores from others)
      verb: 'prov', args: [1, 2],
      fn: (a, ref, caller) => {
        let force = false;
        if (a.length === 2) {
          if (a[0] !== '-f') throw perr(EINVAL, `prov: bad flag "${a[0]}"`);
          force = true;
        }
        const list = coreList(ctx, a[a.length - 1], 'prov');
        if (list.length === 0) throw perr(EINVAL, 'prov: empty core list');
        ctx.act((k) => k.prov(u(caller), ref.pid, list, force));
      },
    },
    {
      verb: 'unprov', args: 1,
      fn: (a, ref, caller) => {
        const list = a[0] === 'all' ? 'all' as const : coreList(ctx, a[0], 'unprov');
        ctx.act((k) => k.unprov(u(caller), ref.pid, list));
      },
    },
    {
      verb: 'yield', args: [1, 2],
      fn: (a, ref, caller) => {
        const vc = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'vcore');
        if (a.length === 2 && a[1] !== 'nice') throw perr(EINVAL, `yield: bad flag "${a[1]}"`);
        ctx.act((k) => k.yield(u(caller), ref.pid, vc, a.length === 2));
      },
    },
    {
      verb: 'notify', args: [1, 5],
      fn: (a, ref, caller) => {
        const args = a.slice(1).map((x) => parseInt32(x, 'event argument'));
        ctx.act((k) => k.notify(u(caller), ref.pid, a[0], args.length ? args : undefined));
      },
    },
    {
      // ev TYPE ucq|bitmap|ceq [FLAGS...] [vcore=N] / ev TYPE off; flags comma- or space-separated
      verb: 'ev', args: [2, Infinity],
      fn: (a, ref, caller) => {
        const mbox = MBOXES.find((m) => m === a[1]);
        if (!mbox) throw perr(EINVAL, `ev: bad mailbox "${a[1]}"`);
        let vcore: number | undefined;
        const flags = a.slice(2).filter((f) => {
          const m = /^vcore=(.*)$/.exec(f);
          if (m) vcore = parseUint(m[1], Number.MAX_SAFE_INTEGER, 'vcore');
          return !m;
        });
        if (mbox === 'off' && (flags.length || vcore !== undefined)) throw perr(EINVAL, 'ev: flags with off');
        ctx.act((k) => k.ev(u(caller), ref.pid, a[0], mbox, flags.length ? flags : undefined, vcore));
      },
    },
    {
      // preempt: proc_preempt_all; preempt VC: proc_preempt_core on VC's pcore
      verb: 'preempt', args: [0, 1],
      fn: (a, ref, caller) => {
        const vc = a.length ? parseUint(a[0], Number.MAX_SAFE_INTEGER, 'vcore') : undefined;
        ctx.act((k) => k.preempt(u(caller), ref.pid, vc));
      },
    },
    {
      // change VC TO [notif]: sys_change_vcore from vcore VC (notif: enable_my_notif)
      verb: 'change', args: [2, 3],
      fn: (a, ref, caller) => {
        const vc = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'vcore');
        const to = parseUint(a[1], Number.MAX_SAFE_INTEGER, 'vcore');
        if (a.length === 3 && a[2] !== 'notif') throw perr(EINVAL, `change: bad flag "${a[2]}"`);
        ctx.act((k) => k.changeVcore(u(caller), ref.pid, vc, to, a.length === 3));
      },
    },
    {
      // notif VC on|off: parlib's enable_notifs / disable_notifs on vcore VC
      verb: 'notif', args: 2,
      fn: (a, ref, caller) => {
        const vc = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'vcore');
        if (a[1] !== 'on' && a[1] !== 'off') throw perr(EINVAL, `notif: "${a[1]}" is not on or off`);
        ctx.act((k) => k.notifs(u(caller), ref.pid, vc, a[1] === 'on'));
      },
    },
    {
      // request N | request +K: parlib's vcore_request_total / vcore_request_more
      verb: 'request', args: 1,
      fn: (a, ref, caller) => {
        const more = a[0].startsWith('+');
        const n = parseCount(more ? a[0].slice(1) : a[0]);
        ctx.act((k) => k.request(u(caller), ref.pid, n, more));
      },
    },
    {
      // vcyield VC [nice]: parlib's vcore_yield
      verb: 'vcyield', args: [1, 2],
      fn: (a, ref, caller) => {
        const vc = parseUint(a[0], Number.MAX_SAFE_INTEGER, 'vcore');
        if (a.length === 2 && a[1] !== 'nice') throw perr(EINVAL, `vcyield: bad flag "${a[1]}"`);
        ctx.act((k) => k.vcoreYield(u(caller), ref.pid, vc, a.length === 2));
      },
    },
    {
      // run WORKLOAD [key=value...]: the program this MCP runs (mcp.md "Programs")
      verb: 'run', args: [1, 65],
      fn: (a, ref, caller) => ctx.act((k) => k.progRun(u(caller), ref.pid, a[0], a.slice(1))),
    },
    { verb: 'stop', args: 0, fn: (_a, ref, caller) => ctx.act((k) => k.progStop(u(caller), ref.pid)) },
    { verb: 'name', args: 1, fn: (a, ref, caller) => nameCmd(ctx, ref, caller, a) },
    { verb: 'ephemeral', args: 0, fn: (_a, ref, caller) => ephemeral(ctx, ref, caller) },
    { verb: 'kill', args: [0, 1], fn: (a, ref, caller) => killCmd(ctx, ref, caller, a) },
  ];
}
