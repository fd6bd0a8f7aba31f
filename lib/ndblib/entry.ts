// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An ndb entry as libndb sees it: tuples in file order, grouped by the physical line they
// were written on. libndb links them twice (->entry through the whole entry, ->line as a
// ring per line); here the grouping is explicit, `lines`, and `tuples` is the flat view.
// Pairs on one line bind tighter than pairs elsewhere in the entry: find() looks on the
// line of a given tuple first, the way ndbfindattr does.

/** One attribute/value pair. An attribute written alone has the value ''. */
export interface NdbTuple {
  readonly attr: string;
  readonly val: string;
}

/** Where an entry came from, for messages. */
export interface NdbWhere {
  readonly file: string;
  /** 1-based line of the entry's first line. */
  readonly line: number;
}

export class NdbEntry {
  /** The tuples, one array per physical line that held any. Never empty. */
  readonly lines: readonly (readonly NdbTuple[])[];
  /** Every tuple in entry order (line by line). */
  readonly tuples: readonly NdbTuple[];
  readonly where?: NdbWhere;
  /** Index in `tuples` -> index in `lines`. */
  private readonly lineOf: readonly number[];

  /** Lines of tuples; empty lines are dropped. The tuples are frozen, not copied, so a
   *  tuple object found in `tuples` is the one to pass back as `near`. */
  constructor(lines: readonly (readonly NdbTuple[])[], where?: NdbWhere) {
    const ls = lines.filter((l) => l.length > 0).map((l) => Object.freeze(l.map((t) => Object.isFrozen(t) ? t : Object.freeze({ attr: t.attr, val: t.val }))));
    this.lines = Object.freeze(ls);
    const flat: NdbTuple[] = [];
    const lineOf: number[] = [];
    ls.forEach((l, i) => { for (const t of l) { flat.push(t); lineOf.push(i); } });
    this.tuples = Object.freeze(flat);
    this.lineOf = lineOf;
    if (where) this.where = where;
  }

  /** An entry of one line. */
  static of(...tuples: NdbTuple[]): NdbEntry {
    return new NdbEntry([tuples]);
  }

  /** The line holding `t` (by identity), or undefined. */
  lineWith(t: NdbTuple): readonly NdbTuple[] | undefined {
    const i = this.tuples.indexOf(t);
    return i < 0 ? undefined : this.lines[this.lineOf[i]];
  }

  /** ndbfindattr: the first `attr` tuple on `near`'s line (starting at `near` and wrapping,
   *  as libndb walks its line ring), else the first anywhere in the entry. */
  find(attr: string, near?: NdbTuple): NdbTuple | undefined {
    if (near) {
      const i = this.tuples.indexOf(near);
      if (i >= 0) {
        const line = this.lines[this.lineOf[i]];
        const at = line.indexOf(near);
        for (let k = 0; k < line.length; k++) {
          const t = line[(at + k) % line.length];
          if (t.attr === attr) return t;
        }
      }
    }
    return this.tuples.find((t) => t.attr === attr);
  }

  /** The value of find(attr, near), or undefined. */
  get(attr: string, near?: NdbTuple): string | undefined {
    return this.find(attr, near)?.val;
  }

  /** Every value of `attr`, in entry order. */
  all(attr: string): string[] {
    return this.tuples.filter((t) => t.attr === attr).map((t) => t.val);
  }

  has(attr: string, val?: string): boolean {
    return this.tuples.some((t) => t.attr === attr && (val === undefined || t.val === val));
  }

  /** ndbreorder: `t`'s line first in the entry and `t` first on its line, the rest of
   *  that line following in ring order; other lines keep their order after it (rotated,
   *  as libndb does: the lines after t's come next, then those before). Tuple objects are
   *  kept, so `t` can still be used as `near`. */
  reorder(t: NdbTuple): NdbEntry {
    const i = this.tuples.indexOf(t);
    if (i < 0) return this;
    const li = this.lineOf[i];
    const line = this.lines[li];
    const at = line.indexOf(t);
    const first = [...line.slice(at), ...line.slice(0, at)];
    const rest = [...this.lines.slice(li + 1), ...this.lines.slice(0, li)];
    return new NdbEntry([first, ...rest], this.where);
  }
}
