// SPDX-License-Identifier: GPL-2.0-or-later
//
// A session's mount table (Plan 9 pgrp mnthash): mount point -> ordered union of members.
// A mount point is named by the qid.path of the file bound onto (qids are unique across
// the server, device index included), so every path reaching that file sees the mount.

import type { Node } from '../devs/types.js';
import { MAFTER, MBEFORE, MCREATE, flagText } from './parse.js';
import { quote } from '../lib/iplib/tokenize.js';

/** One member of a union: what one bind/mount put there. */
export interface Mount {
  /** The members the source resolved to (a bound union brings all of its members). */
  readonly nodes: readonly Node[];
  /** MCREATE (and MCACHE for mounts); order flags are not kept (the position says it). */
  readonly flags: number;
  /** The source as written (cleaned), for text(). */
  readonly src: string;
  readonly op: 'bind' | 'mount';
  readonly spec?: string;
  /** The directory that was there before, kept in a union made by -a/-b. */
  readonly orig?: boolean;
}

export interface Mhead {
  /** The file bound onto, as it is without the mount. */
  readonly under: Node;
  /** The path the mount point was named by (text()). */
  readonly old: string;
  mounts: Mount[];
}

export class MountTable {
  constructor(private readonly heads = new Map<bigint, Mhead>()) {}

  get(key: bigint): Mhead | undefined {
    return this.heads.get(key);
  }

  /** The union members at a mount point, in walk order. */
  members(h: Mhead): Node[] {
    const out: Node[] = [];
    for (const m of h.mounts) for (const n of m.nodes) out.push(n);
    return out;
  }

  /** Plan 9 cmount: MREPL replaces, MBEFORE prepends, MAFTER appends; the first -a/-b
   *  on a fresh mount point keeps the original directory in the union. */
  add(under: Node, old: string, m: Mount, order: number): void {
    const key = under.qid.path;
    let h = this.heads.get(key);
    if (!h || order === 0) {
      if (h) this.heads.delete(key);
      h = { under, old, mounts: [] };
      if (order !== 0) h.mounts.push({ nodes: [under], flags: 0, src: old, op: 'bind', orig: true });
      this.heads.set(key, h);
    }
    if (order & MBEFORE) h.mounts.unshift(m);
    else h.mounts.push(m);
  }

  /** Removes the members whose first node is `src` (or the whole head without `src`).
   *  False when nothing was mounted there. */
  remove(key: bigint, src?: bigint): boolean {
    const h = this.heads.get(key);
    if (!h) return false;
    if (src === undefined) {
      this.heads.delete(key);
      return true;
    }
    const kept = h.mounts.filter((m) => m.orig || m.nodes[0]?.qid.path !== src);
    if (kept.length === h.mounts.length) return false;
    h.mounts = kept;
    if (kept.every((m) => m.orig)) this.heads.delete(key);
    return true;
  }

  /** The member that takes creates (the first marked MCREATE). */
  createMember(h: Mhead): Node | undefined {
    return h.mounts.find((m) => m.flags & MCREATE)?.nodes[0];
  }

  /** A deep copy: the session's own table (Nodes are shared, they are immutable). */
  copy(): MountTable {
    const m = new Map<bigint, Mhead>();
    for (const [k, h] of this.heads) m.set(k, { under: h.under, old: h.old, mounts: [...h.mounts] });
    return new MountTable(m);
  }

  /** The table in namespace(6) syntax, in an order that rebuilds it when replayed: per
   *  mount point, the members before the original directory as -b (innermost first),
   *  those after it as -a, or the first member as a plain bind when there is no original. */
  text(): string {
    let out = '';
    for (const h of this.heads.values()) {
      const oi = h.mounts.findIndex((m) => m.orig);
      const lines: [Mount, number][] = [];
      if (oi < 0) h.mounts.forEach((m, i) => lines.push([m, i === 0 ? 0 : MAFTER]));
      else {
        for (let i = oi - 1; i >= 0; i--) lines.push([h.mounts[i], MBEFORE]);
        for (let i = oi + 1; i < h.mounts.length; i++) lines.push([h.mounts[i], MAFTER]);
      }
      for (const [m, order] of lines) {
        const fl = flagText(order | m.flags);
        const parts = [m.op, fl, quote(m.src), quote(h.old)];
        if (m.op === 'mount' && m.spec) parts.push(quote(m.spec));
        out += parts.filter(Boolean).join(' ') + '\n';
      }
    }
    return out;
  }
}
