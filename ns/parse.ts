// SPDX-License-Identifier: GPL-2.0-or-later
//
// namespace(6) lines: `bind [-abc] new old`, `mount [-abcC] srvname old [spec]`,
// `unmount [new] old`. A line whose first non-blank character is '#' is a comment (so
// `bind #cons /dev` needs no quotes: '#' only comments at the start of a line); fields are
// split by tokenize(2), so 'a b' quotes.

import { EINVAL } from '../lib/9p/errno.js';
import { perr } from '../lib/9p/error.js';
import { quote, tokenize } from '../lib/iplib/tokenize.js';

export const MREPL = 0, MBEFORE = 1, MAFTER = 2, MORDER = 3, MCREATE = 4, MCACHE = 0x10;

/** The longest line, in bytes: Linux PATH_MAX; every element of a line is walked. */
export const MAX_NS_LINE = 4096;

export type NsOp =
  | { op: 'bind'; flags: number; new: string; old: string }
  | { op: 'mount'; flags: number; new: string; old: string; spec: string }
  | { op: 'unmount'; new?: string; old: string };

/** One line: the operation, or undefined for a blank or comment line. EINVAL otherwise. */
export function parseNsLine(line: string): NsOp | undefined {
  if (Buffer.byteLength(line) > MAX_NS_LINE) {
    throw perr(EINVAL, `line longer than ${MAX_NS_LINE} bytes: "${line.slice(0, 40)}..."`);
  }
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const f = tokenize(t);
  const verb = f.shift()!;
  const bad = (why: string) => perr(EINVAL, `${why}: "${t}"`);
  let flags = 0;
  while (f.length && f[0].startsWith('-') && f[0].length > 1) {
    const opt = f.shift()!;
    if (verb === 'unmount') throw bad('unmount takes no flags');
    for (const c of opt.slice(1)) {
      if (c === 'a') flags |= MAFTER;
      else if (c === 'b') flags |= MBEFORE;
      else if (c === 'c') flags |= MCREATE;
      else if (c === 'C' && verb === 'mount') flags |= MCACHE;
      else throw bad(`bad flag -${c}`);
    }
  }
  if ((flags & MORDER) === MORDER) throw bad('-a and -b together');
  switch (verb) {
    case 'bind':
      if (f.length !== 2) throw bad('usage: bind [-abc] new old');
      return { op: 'bind', flags, new: f[0], old: f[1] };
    case 'mount':
      if (f.length < 2 || f.length > 3) throw bad('usage: mount [-abcC] srvname old [spec]');
      return { op: 'mount', flags, new: f[0], old: f[1], spec: f[2] ?? '' };
    case 'unmount':
      if (f.length < 1 || f.length > 2) throw bad('usage: unmount [new] old');
      return f.length === 2 ? { op: 'unmount', new: f[0], old: f[1] } : { op: 'unmount', old: f[0] };
    default:
      throw bad(`unknown namespace command "${verb}"`);
  }
}

/** Every operation of a namespace file, with its line number in errors. */
export function parseNsFile(text: string): NsOp[] {
  const out: NsOp[] = [];
  text.split('\n').forEach((line, i) => {
    try {
      const op = parseNsLine(line);
      if (op) out.push(op);
    } catch (e) {
      const pe = e as { errno: number; detail?: string };
      throw perr(pe.errno ?? EINVAL, `line ${i + 1}: ${pe.detail ?? String(e)}`);
    }
  });
  return out;
}

export function flagText(flags: number): string {
  let s = '';
  if (flags & MAFTER) s += 'a';
  if (flags & MBEFORE) s += 'b';
  if (flags & MCREATE) s += 'c';
  if (flags & MCACHE) s += 'C';
  return s ? `-${s}` : '';
}

/** An operation back as a line (no newline). */
export function formatNsOp(op: NsOp): string {
  const q = (s: string) => quote(s);
  switch (op.op) {
    case 'bind':
      return ['bind', flagText(op.flags), q(op.new), q(op.old)].filter(Boolean).join(' ');
    case 'mount':
      return ['mount', flagText(op.flags), q(op.new), q(op.old), op.spec ? q(op.spec) : ''].filter(Boolean).join(' ');
    case 'unmount':
      return ['unmount', op.new ? q(op.new) : '', q(op.old)].filter(Boolean).join(' ');
  }
}
