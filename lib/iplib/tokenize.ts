// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Plan 9's tokenisers (libc tokenize(2), getfields(2)), as ported to Akaros iplib.
// tokenize is what ctl files and namespace files use: blanks separate, single quotes
// quote, and '' inside quotes is one literal quote, so 'a b''c' is the token `a b'c`.

const BLANKS = ' \t\r\n';

/** Split `s` at runs of blanks; single-quoted spans keep their blanks. At most `max`
 *  tokens (the rest of the line is dropped, as in Plan 9). */
export function tokenize(s: string, max = Infinity): string[] {
  return gettokens(s, max, BLANKS);
}

/** Plan 9 quote(2): quote a token only when tokenize would otherwise split or mangle it. */
export function quote(s: string): string {
  if (s !== '' && !/[\s'"`]/.test(s)) return s;
  return `'${s.replace(/'/g, "''")}'`;
}

/** getfields(2): split on any character of `set`. With `mflag`, runs of separators count
 *  as one and leading separators are skipped. At most `max` fields; when the limit is hit
 *  the last field still ends at the next separator (the rest is dropped), as in C. */
export function getfields(str: string, max = Infinity, mflag = true, set = BLANKS): string[] {
  const out: string[] = [];
  let i = 0;
  const n = str.length;
  if (mflag) while (i < n && set.includes(str[i])) i++;
  if (i >= n && mflag) return out;
  while (out.length < max) {
    const start = i;
    while (i < n && !set.includes(str[i])) i++;
    out.push(str.slice(start, i));
    if (i >= n) break;
    i++;
    if (mflag) {
      while (i < n && set.includes(str[i])) i++;
      if (i >= n) break;
    }
  }
  return out;
}

/** gettokens(2): getfields with quoting, on an arbitrary separator set. Linear in the
 *  input: runs between quotes are sliced, not copied a character at a time (ctl writes
 *  of 64 KiB come through here). */
export function gettokens(s: string, max = Infinity, sep = BLANKS): string[] {
  const out: string[] = [];
  const isSep = sepTest(sep);
  const n = s.length;
  let i = 0;
  while (out.length < max) {
    while (i < n && isSep(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const parts: string[] = [];
    let quoted = false;
    let run = i;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        if (run < i) parts.push(s.slice(run, i));
        if (quoted && s.charCodeAt(i + 1) === QUOTE) { parts.push("'"); i++; } else quoted = !quoted;
        run = i + 1;
      } else if (!quoted && isSep(c)) break;
    }
    if (run < i) parts.push(s.slice(run, i));
    out.push(parts.length === 1 ? parts[0] : parts.join(''));
  }
  return out;
}

const QUOTE = 0x27;
const sepTests = new Map<string, (c: number) => boolean>();

/** A membership test for the separator set, by character code. */
function sepTest(sep: string): (c: number) => boolean {
  let f = sepTests.get(sep);
  if (!f) {
    const ascii = new Uint8Array(128);
    let wide = '';
    for (const ch of sep) {
      const c = ch.charCodeAt(0);
      if (c < 128) ascii[c] = 1; else wide += ch;
    }
    f = (c) => (c < 128 ? ascii[c] === 1 : wide.includes(String.fromCharCode(c)));
    sepTests.set(sep, f);
  }
  return f;
}
