// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cgroup-v2 style flat-keyed text, the format of every status file here: `key value` per
// line, in a stable order, lowercase keys; a key with no value is printed bare.

export type KeyedValue = string | number | bigint | boolean;

/** `key value\n` per pair, in the order given; an empty value prints the bare key
 *  (`lasterr\n`), booleans print 1/0. */
export function keyed(pairs: Iterable<readonly [string, KeyedValue]>): string {
  let out = '';
  for (const [k, v] of pairs) {
    const t = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    out += t === '' ? `${k}\n` : `${k} ${t}\n`;
  }
  return out;
}

/** Flat-keyed text back into a Map, in file order: the key is the first field, the value
 *  the rest of the line with surrounding blanks dropped; blank lines are skipped. */
export function parseKeyed(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const sp = line.search(/[ \t]/);
    if (sp < 0) m.set(line, '');
    else m.set(line.slice(0, sp), line.slice(sp + 1).trim());
  }
  return m;
}
