// SPDX-License-Identifier: GPL-2.0-or-later
//
// A session's mount table (Plan 9 pgrp mnthash): mount point -> ordered union of members.
// A mount point is named by the qid.path of the file bound onto (qids are unique across
// the server, device index included), so every path reaching that file sees the mount.
//
// Every attach gets its own table, so copies must be cheap: a copy shares its parent's
// heads until one of them changes (copy-on-write, paid once per session, O(heads)). Each
// head keeps its flattened member list, so resolving a mount point costs nothing and a
// bind or unmount costs O(members of that one union), which the limits keep small: a
// long run of binds is linear, never quadratic.

import type { Node } from '../devs/types.js';
import { perr } from '../lib/9p/error.js';
import { ENOSPC } from '../lib/9p/errno.js';
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
  readonly mounts: readonly Mount[];
  /** Every member's nodes in walk order (mounts flattened), computed when the head changes. */
  readonly nodes: readonly Node[];
}

/** How big one session's table may grow. */
export interface MountLimits {
  /** Union members in the whole table, every mount point's summed (a bound union brings
   *  all of its members; each -a/-b union's kept original directory counts too). */
  readonly maxMembers: number;
  /** Members at one mount point. */
  readonly maxUnion: number;
}

export const DEFAULT_MOUNT_LIMITS: MountLimits = Object.freeze({ maxMembers: 256, maxUnion: 16 });

function head(under: Node, old: string, mounts: readonly Mount[]): Mhead {
  const nodes: Node[] = [];
  for (const m of mounts) for (const n of m.nodes) nodes.push(n);
  return { under, old, mounts, nodes };
}

export class MountTable {
  private heads: Map<bigint, Mhead>;
  /** True while `heads` may be seen by another table: the next change copies it first. */
  private shared: boolean;
  /** Union members in the table (for limits.maxMembers). */
  private count: number;

  constructor(readonly limits: MountLimits = DEFAULT_MOUNT_LIMITS, heads?: Map<bigint, Mhead>, count = 0) {
    this.heads = heads ?? new Map();
    this.shared = heads !== undefined;
    this.count = count;
  }

  get size(): number {
    return this.count;
  }

  get(key: bigint): Mhead | undefined {
    return this.heads.get(key);
  }

  /** The union members at a mount point, in walk order. */
  members(h: Mhead): readonly Node[] {
    return h.nodes;
  }

  /** Plan 9 cmount: MREPL replaces, MBEFORE prepends, MAFTER appends; the first -a/-b
   *  on a fresh mount point keeps the original directory in the union. ENOSPC past the
   *  limits, with the table unchanged. */
  add(under: Node, old: string, m: Mount, order: number): void {
    const key = under.qid.path;
    const cur = this.heads.get(key);
    let mounts: Mount[];
    if (!cur || order === 0) {
      mounts = order !== 0 ? [{ nodes: [under], flags: 0, src: old, op: 'bind', orig: true }] : [];
    } else {
      mounts = [...cur.mounts];
    }
    if (order & MBEFORE) mounts.unshift(m);
    else mounts.push(m);
    const h = head(under, old, mounts);
    if (h.nodes.length > this.limits.maxUnion) {
      throw perr(ENOSPC, `union at ${old} full: ${this.limits.maxUnion} members`);
    }
    const after = this.count - (cur?.nodes.length ?? 0) + h.nodes.length;
    if (after > this.limits.maxMembers) {
      throw perr(ENOSPC, `mount table full: ${this.limits.maxMembers} members`);
    }
    this.own().set(key, h);
    this.count = after;
  }

  /** Removes the members whose first node is `src` (or the whole head without `src`).
   *  False when nothing was mounted there. */
  remove(key: bigint, src?: bigint): boolean {
    const h = this.heads.get(key);
    if (!h) return false;
    if (src === undefined) {
      this.own().delete(key);
      this.count -= h.nodes.length;
      return true;
    }
    const kept = h.mounts.filter((m) => m.orig || m.nodes[0]?.qid.path !== src);
    if (kept.length === h.mounts.length) return false;
    this.count -= h.nodes.length;
    if (kept.every((m) => m.orig)) {
      this.own().delete(key);
    } else {
      const nh = head(h.under, h.old, kept);
      this.own().set(key, nh);
      this.count += nh.nodes.length;
    }
    return true;
  }

  /** The member that takes creates (the first marked MCREATE). */
  createMember(h: Mhead): Node | undefined {
    return h.mounts.find((m) => m.flags & MCREATE)?.nodes[0];
  }

  /** The session's own table: shares this one's heads until either changes. O(1). */
  copy(): MountTable {
    this.shared = true;
    return new MountTable(this.limits, this.heads, this.count);
  }

  /** The heads map this table may change (Mheads are immutable, so a shallow copy does). */
  private own(): Map<bigint, Mhead> {
    if (this.shared) {
      this.heads = new Map(this.heads);
      this.shared = false;
    }
    return this.heads;
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
