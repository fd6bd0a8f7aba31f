// SPDX-License-Identifier: GPL-2.0-or-later
//
// The ctl verbs /mcp/N/ctl and /proc/N/ctl share, and the guard every per-process verb
// goes through. Parsing is here; the kernel decides (and checks ownership again).

import { EINVAL } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { ProcView } from '../../kern/index.js';
import type { Caller } from '../types.js';
import type { Cmdtab } from '../lib/cmd.js';
import type { KCtx } from './ctx.js';

/** A signed decimal or 0x-hex integer (notify payloads, exit codes). */
export function parseInt32(s: string, what: string): number {
  if (!/^[-+]?(\d+|0[xX][0-9a-fA-F]+)$/.test(s)) throw perr(EINVAL, `bad ${what} "${s}"`);
  const neg = s.startsWith('-');
  const body = s.replace(/^[-+]/, '');
  const n = Number(body);
  if (!Number.isSafeInteger(n)) throw perr(EINVAL, `bad ${what} "${s}"`);
  return neg ? -n : n;
}

/** `kill [CODE]` */
export function killCmd(ctx: KCtx, ref: ProcView, caller: Caller, args: string[]): void {
  const code = args.length ? parseInt32(args[0], 'exit code') : undefined;
  ctx.act((k) => k.kill(ctx.user(caller), ref.pid, code));
}

/** `name NAME` (the kernel enforces Akaros's 19 bytes). */
export function nameCmd(ctx: KCtx, ref: ProcView, caller: Caller, args: string[]): void {
  ctx.act((k) => k.setName(ctx.user(caller), ref.pid, args[0]));
}

/** Every verb first checks that the file still names a live process: a ctl opened on a
 *  process that was reaped (its pid perhaps reused) answers ESRCH. */
export function guarded(ctx: KCtx, tab: Cmdtab<ProcView>): Cmdtab<ProcView> {
  return tab.map((c) => ({
    ...c,
    fn: (a: string[], ref: ProcView, caller: Caller, verb: string) => {
      ctx.live(ref);
      return c.fn(a, ref, caller, verb);
    },
  }));
}
