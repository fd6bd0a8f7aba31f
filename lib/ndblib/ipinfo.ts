// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ndbipinfo: the attributes a system has, inherited from the networks around it.
//
// The system's own entries come first: every entry with attr=val, from the first one
// that has an ip= (each reordered so the matched line leads, as libndb does). Whatever
// they lack is looked for in the `ipnet` entries whose network (ip= masked by ipmask=,
// or the classful default mask) holds the system's address, most specific network first.
// Each requested attribute is taken from the first entry that has it, with all of that
// entry's values (several dns= on a subnet are all returned); later entries do not add
// more. A requested `ipmask` that nobody supplies is made up from the default mask.
//
// libndb finds the enclosing networks by clearing the address's one bits from the right
// and searching ip=<what is left>; that misses a network whose address equals a smaller
// one's (10.0.0.0/8 around 10.0.0.0/24, seen from the /24) and, between entries with the
// same ip=, takes file order over mask length. Here every ipnet whose network contains
// the address and whose mask is no longer than the starting entry's is a candidate,
// sorted by mask length (longest first), then file order. On well-formed files with
// distinct network addresses the answers are the same.
//
// An attribute asked for as `@attr` has its values turned into addresses (ndbgetipaddr:
// auth=node1 becomes auth=10.0.0.1); a value that names nothing known is kept as is.

import { EINVAL } from '../9p/errno.js';
import { perr } from '../9p/error.js';
import { defmask, ipfmt, isv4, maskfmt, maskip, parseip } from '../iplib/ip.js';
import { NdbEntry, type NdbTuple } from './entry.js';
import { ipattr } from './ipattr.js';
import { getvalueIn, searchIn, type NdbSnapshot } from './snapshot.js';

/** ndbgetipaddr: the addresses of a name (sys= or dom=, by ipattr), all ip= of the first
 *  entry that has one, in entry order; an address is its own answer. */
export function getipaddrIn(s: NdbSnapshot, name: string): string[] {
  const attr = ipattr(name);
  if (attr === 'ip') return [name];
  const f = getvalueIn(s, attr, name, 'ip');
  return f ? f.entry.all('ip') : [];
}

interface Want {
  attr: string;
  addr: boolean;
  done: boolean;
}

export function ipinfoIn(s: NdbSnapshot, attr: string, val: string, rattrs: readonly string[]): NdbTuple[] {
  const wants: Want[] = rattrs.map((a) => (a.startsWith('@') ? { attr: a.slice(1), addr: true, done: false } : { attr: a, addr: false, done: false }));
  const out: NdbTuple[] = [];

  const take = (tuples: readonly NdbTuple[]) => {
    const hit = new Set<Want>();
    for (const t of tuples) {
      const w = wants.find((x) => !x.done && x.attr === t.attr);
      if (!w) continue;
      hit.add(w);
      if (w.addr) {
        const ips = getipaddrIn(s, t.val);
        if (ips.length > 0) {
          for (const ip of ips) out.push({ attr: t.attr, val: ip });
          continue;
        }
      }
      out.push({ attr: t.attr, val: t.val });
    }
    for (const w of hit) w.done = true;
  };

  // The system itself.
  const found = getvalueIn(s, attr, val, 'ip');
  let ipstr: string;
  const starts: NdbEntry[] = [];
  const own = new Set<NdbEntry>();
  if (!found) {
    if (attr !== 'ip') return [];
    ipstr = val;
    starts.push(NdbEntry.of({ attr: 'ip', val }));
  } else {
    ipstr = found.value;
    let on = false;
    for (const m of searchIn(s, attr, val)) {
      if (m.entry === found.entry) on = true;
      if (!on) continue;
      own.add(m.entry);
      starts.push(m.entry.reorder(m.tuple));
    }
  }
  let addr: Buffer;
  try {
    addr = parseip(ipstr);
  } catch {
    const w = found?.entry.where;
    throw perr(EINVAL, `ndb: bad ip "${ipstr}" for ${attr}=${val}${w ? ` at ${w.file}:${w.line}` : ''}`);
  }
  take(starts.flatMap((e) => e.tuples));

  // The networks around it, narrowest first. Starting from a network's own entry, only
  // networks at least as wide are its parents.
  let limit = 128;
  for (const n of s.ipnets) if (own.has(n.entry) && maskip(addr, n.mask).equals(n.net)) limit = Math.min(limit, n.bits);
  const around = s.ipnets
    .filter((n) => !own.has(n.entry) && n.bits <= limit && maskip(addr, n.mask).equals(n.net))
    .sort((a, b) => b.bits - a.bits || a.order - b.order);
  const seen = new Set<NdbEntry>();
  for (const n of around) {
    if (wants.every((w) => w.done)) break;
    if (seen.has(n.entry)) continue;
    seen.add(n.entry);
    take(n.entry.tuples);
  }

  const mask = wants.find((w) => w.attr === 'ipmask' && !w.done);
  if (mask) {
    const m = defmask(addr);
    out.push({ attr: 'ipmask', val: isv4(addr) ? ipfmt(m.subarray(12)) : maskfmt(m) });
  }
  return out;
}
