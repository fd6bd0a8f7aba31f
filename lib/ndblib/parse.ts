// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The ndb(6) file syntax, read the way libndb's ndbparse/_ndbparseline/_ndbparsetuple
// read it, with the places where libndb silently guesses turned into errors:
//
//   - a line starting in column 0 starts an entry; a line starting with a blank or tab
//     continues it; a line starting with '#' is a comment and does not end the entry;
//     an empty line ends the entry, a line of blanks does not (as in libndb);
//   - tuples are `attr`, `attr=value` (to the next blank) or `attr="value"` (to the
//     closing quote); blanks before '=' are skipped, a blank right after '=' ends an
//     empty value, so `sys = x` is the two tuples `sys=` and `x=` (libndb does the same);
//   - '#' where a tuple would start, or right after '=', starts a comment.
//
// Errors (NdbError, with file:line and the text): a tuple with no attribute (`=x`), a
// quote that never closes, text glued to a closing quote, an indented line with no entry
// to continue, control characters, and anything past the bounds below. libndb would
// truncate or guess in each of those cases; a configuration typo should be seen.

import { E2BIG, EFBIG, EINVAL } from '../9p/errno.js';
import { NdbEntry, type NdbTuple } from './entry.js';
import { NdbError } from './error.js';

/** Limits on what one database may make us hold. */
export interface NdbBounds {
  /** Bytes in one file (libndb needs a hash file past 128 KiB; we just read it). */
  fileBytes: number;
  /** Files in one database: the first plus those its `database=` entry names. */
  files: number;
  /** Entries in one file. */
  entries: number;
  /** Tuples in the whole database (all files): what bounds its memory. */
  tuples: number;
  /** Tuples in one entry. */
  tuplesPerEntry: number;
  /** Characters in an attribute (libndb's Ndbalen is 32 with the NUL). */
  attrLen: number;
  /** Characters in a value. */
  valLen: number;
}

export const NDB_BOUNDS: Readonly<NdbBounds> = Object.freeze({
  fileBytes: 1 << 20,
  files: 16,
  entries: 65536,
  tuples: 1 << 18,
  tuplesPerEntry: 1024,
  attrLen: 31,
  valLen: 1024,
});

/** libndb's ISWHITE: blank, tab and carriage return. */
export function isNdbWhite(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\0-\x08\x0a-\x0c\x0e-\x1f\x7f]/;

/** Parse ndb text into entries in file order. `file` names the source in errors and in
 *  each entry's `where`. A last line without a newline is read like any other. */
export function parseNdb(text: string, file = '<string>', bounds: Partial<NdbBounds> = {}): NdbEntry[] {
  const b = { ...NDB_BOUNDS, ...bounds };
  if (Buffer.byteLength(text) > b.fileBytes) {
    throw new NdbError(EFBIG, file, 0, `file larger than ${b.fileBytes} bytes`);
  }
  const out: NdbEntry[] = [];
  let cur: { lines: NdbTuple[][]; line: number; n: number } | undefined;
  let total = 0;
  const finish = () => {
    if (!cur) return;
    if (out.length >= b.entries) throw new NdbError(E2BIG, file, cur.line, `more than ${b.entries} entries`);
    out.push(new NdbEntry(cur.lines, { file, line: cur.line }));
    cur = undefined;
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineno = i + 1;
    if (raw === '') { finish(); continue; }
    if (raw[0] === '#') continue;
    const cc = CONTROL.exec(raw);
    if (cc) throw new NdbError(EINVAL, file, lineno, `control character 0x${cc[0].charCodeAt(0).toString(16).padStart(2, '0')}`, raw);
    const tuples = parseNdbLine(raw, file, lineno, b);
    if (isNdbWhite(raw[0])) {
      if (tuples.length === 0) continue;
      if (!cur) throw new NdbError(EINVAL, file, lineno, 'continuation line outside an entry', raw);
      cur.lines.push(tuples);
      cur.n += tuples.length;
    } else {
      finish();
      cur = { lines: [tuples], line: lineno, n: tuples.length };
    }
    if (cur.n > b.tuplesPerEntry) throw new NdbError(E2BIG, file, lineno, `entry has more than ${b.tuplesPerEntry} tuples`);
    total += tuples.length;
    if (total > b.tuples) throw new NdbError(E2BIG, file, lineno, `more than ${b.tuples} tuples`);
  }
  finish();
  return out;
}

/** The tuples of one physical line (no newline). */
export function parseNdbLine(s: string, file = '<string>', lineno = 0, bounds: Partial<NdbBounds> = {}): NdbTuple[] {
  const b = { ...NDB_BOUNDS, ...bounds };
  const out: NdbTuple[] = [];
  const n = s.length;
  let i = 0;
  for (;;) {
    while (isNdbWhite(s[i])) i++;
    if (i >= n || s[i] === '#') break;
    const start = i;
    while (i < n && s[i] !== '=' && !isNdbWhite(s[i])) i++;
    const attr = s.slice(start, i);
    if (attr === '') throw new NdbError(EINVAL, file, lineno, 'missing attribute before "="', s.slice(start));
    if (attr.length > b.attrLen) throw new NdbError(EINVAL, file, lineno, `attribute longer than ${b.attrLen} characters`, attr);
    let j = i;
    while (isNdbWhite(s[j])) j++;
    let val = '';
    if (s[j] === '=') {
      i = j + 1;
      if (s[i] === '"') {
        const close = s.indexOf('"', i + 1);
        if (close < 0) throw new NdbError(EINVAL, file, lineno, 'unterminated quoted value', s.slice(start));
        val = s.slice(i + 1, close);
        i = close + 1;
        if (i < n && !isNdbWhite(s[i]) && s[i] !== '#') {
          throw new NdbError(EINVAL, file, lineno, 'text after closing quote', s.slice(start));
        }
      } else if (s[i] !== '#') {
        const vs = i;
        while (i < n && !isNdbWhite(s[i])) i++;
        val = s.slice(vs, i);
      }
      if (val.length > b.valLen) throw new NdbError(EINVAL, file, lineno, `value longer than ${b.valLen} characters`, `${attr}=${val}`);
    }
    out.push({ attr, val });
  }
  return out;
}
