// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Canonical ndb text: an entry's first line in column 0, each further line indented by
// one tab, tuples on a line separated by one blank, every tuple written `attr=value`
// (an empty value as `attr=`, the way ndb/query prints), a value quoted only when the
// parser would otherwise split or drop it. parseNdb(printNdb(x)) gives x back.
//
// ndb has no escape inside quotes, so a value that needs quoting and also holds a '"'
// (or any value holding a newline or control character) cannot be written; printing one
// is EINVAL rather than a file that reads back differently.

import { EINVAL } from '../9p/errno.js';
import { perr } from '../9p/error.js';
import type { NdbEntry, NdbTuple } from './entry.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\0-\x08\x0a-\x0c\x0e-\x1f\x7f]/;
const NEEDS_QUOTE = /[ \t\r]|^["#]/;

/** True when `attr` can be written so that the parser reads it back unchanged. */
export function ndbAttrOk(attr: string): boolean {
  return attr !== '' && !/[ \t\r=\n]/.test(attr) && !CONTROL.test(attr) && attr[0] !== '#';
}

/** True when `val` can be written so that the parser reads it back unchanged. */
export function ndbValOk(val: string): boolean {
  if (CONTROL.test(val) || val.includes('\n')) return false;
  return !(NEEDS_QUOTE.test(val) && val.includes('"'));
}

/** One tuple as `attr=value`, quoting the value when needed. */
export function formatTuple(t: NdbTuple): string {
  if (!ndbAttrOk(t.attr)) throw perr(EINVAL, `ndb: attribute ${JSON.stringify(t.attr)} cannot be written`);
  if (!ndbValOk(t.val)) throw perr(EINVAL, `ndb: value ${JSON.stringify(t.val)} of ${t.attr} cannot be written`);
  return NEEDS_QUOTE.test(t.val) ? `${t.attr}="${t.val}"` : `${t.attr}=${t.val}`;
}

/** Tuples on one line, blank-separated, no newline. */
export function formatLine(tuples: readonly NdbTuple[]): string {
  return tuples.map(formatTuple).join(' ');
}

/** One entry, each line ending in a newline. */
export function printEntry(e: NdbEntry): string {
  return e.lines.map((l, i) => `${i === 0 ? '' : '\t'}${formatLine(l)}\n`).join('');
}

/** Entries in order, as a file. */
export function printNdb(entries: Iterable<NdbEntry>): string {
  let out = '';
  for (const e of entries) out += printEntry(e);
  return out;
}
