// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The connection server's translation (Plan 9 ndb/cs, Akaros tests/cs.c) as pure
// functions over an Ndb: `tcp!node2!akaros` in, `tcp!10.0.0.2!5640` out, one dial string
// per address, best first. The file server that serves it as /net/cs is elsewhere.
//
// Query: `[/netdir/]net!host[!service[!rest]]`; a single field is a host on `net` with
// no service, which (as in cs) cannot be translated.
//   net      tcp, udp, il, icmp, icmpv6, rudp: translated. `net`: each network of
//            opts.nets in turn (default tcp, udp, il), answers concatenated, a network
//            whose service is unknown skipped. Anything else (unix, ssh, ...) is
//            answered untranslated, as cs does for networks it does not know.
//   host     `*` or `::`: any address (announce), answered `net!*!port`.
//            `$attr`: attr of this system (opts.sysname) found by ipinfo, so inherited
//            from its networks, then translated like any host.
//            `[addr]` or an address: itself. A name: ipattr says sys or dom; the first
//            entry with that attr=name and an ip= gives all its ip= (the matched line's
//            first); failing that, its dom= looked up as dom=; failing that, the name
//            tried as the other of sys/dom (cs would ask DNS here; there is none).
//   service  `*`; a number (tcp ports below 1024 marked `!r` when a `tcp=... port=N`
//            entry says `restricted`); or a name found as `net=name port=N`.
//   rest     carried to the end of each answer.
//
// Errors are CsError, a P9Error whose 9P2000 text is cs's own ("can't translate
// address", "can't translate service"; "bad query"/"no match" for attribute queries) and
// whose errno is ENOENT: the name is not in the database. A malformed query is EINVAL.

import { EINVAL, ENOENT } from '../9p/errno.js';
import { P9Error } from '../9p/error.js';
import type { DialResolver } from '../iplib/dial.js';
import { parseip } from '../iplib/ip.js';
import type { Ndb, NdbView } from './db.js';
import type { NdbEntry } from './entry.js';
import { ipattr } from './ipattr.js';
import { formatLine } from './print.js';

export type CsFailure = "can't translate address" | "can't translate service" | 'bad query' | 'no match' | 'request too long';

export class CsError extends P9Error {
  readonly failure: CsFailure;
  readonly query: string;

  constructor(failure: CsFailure, query: string, detail: string) {
    super(failure === 'bad query' || failure === 'request too long' ? EINVAL : ENOENT, `cs: ${detail} (query "${query}")`, failure);
    this.name = 'CsError';
    this.failure = failure;
    this.query = query;
  }
}

export interface CsOptions {
  /** This system, as cs knows itself: a sys= name, a dom= name or an address. Needed
   *  for `$attr` hosts and for `!ipinfo` without attr=val. */
  sysname?: string;
  /** The networks `net!...` tries, in order. Default tcp, udp, il. */
  nets?: readonly string[];
  /** At most this many answers (cs's Nreply). Default 20. */
  maxAnswers?: number;
}

/** Networks translated through ip= and service entries. */
export const CS_IP_NETS: ReadonlySet<string> = new Set(['tcp', 'udp', 'il', 'icmp', 'icmpv6', 'rudp']);
export const CS_DEFAULT_NETS: readonly string[] = Object.freeze(['tcp', 'udp', 'il']);
/** Longest query accepted (cs's Maxrequest is 128; this leaves room for long names). */
export const CS_MAX_QUERY = 1024;

const SERVICE_CHARS = /^[A-Za-z0-9$-]+$/;

function lookupService(v: NdbView, net: string, serv: string, q: string): string {
  if (serv === '*') return '*';
  const fail = (why: string) => new CsError("can't translate service", q, why);
  if (!SERVICE_CHARS.test(serv)) throw fail(`bad service "${serv}"`);
  let port: string;
  let entry: NdbEntry | undefined;
  if (/^\d+$/.test(serv)) {
    port = serv;
    if (Number(port) > 65535) throw fail(`port ${serv} out of range`);
    if (net === 'tcp' && Number(port) < 1024) {
      for (const m of v.search('port', serv)) if (m.entry.has('tcp')) { entry = m.entry; break; }
    }
  } else {
    const f = v.find(net, serv, 'port');
    if (!f) throw fail(`no ${net}=${serv} port= entry`);
    if (!/^\d+$/.test(f.value) || Number(f.value) > 65535) {
      const w = f.entry.where;
      throw fail(`bad port "${f.value}" for ${net}=${serv}${w ? ` at ${w.file}:${w.line}` : ''}`);
    }
    port = f.value;
    entry = f.entry;
  }
  return entry?.has('restricted') ? `${port}!r` : port;
}

function isAddr(s: string): boolean {
  try { parseip(s); return true; } catch { return false; }
}

/** The addresses of `host`, best first; ['*'] for any. */
function lookupHost(v: NdbView, host: string, q: string, opts: CsOptions): string[] {
  const fail = (why: string) => new CsError("can't translate address", q, why);
  if (host === '*' || host === '::') return ['*'];
  let h = host;
  if (h.startsWith('$')) {
    const attr = h.slice(1);
    if (attr === '') throw fail('empty $attribute');
    const me = opts.sysname;
    if (me === undefined) throw fail(`${h}: this system's name is not known`);
    const got = v.ipinfo(ipattr(me), me, [attr]).find((t) => t.attr === attr);
    if (!got || got.val === '') throw fail(`${h}: no ${attr}= for ${ipattr(me)}=${me} or its networks`);
    h = got.val;
  }
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const attr = ipattr(h);
  if (attr === 'ip') {
    if (!isAddr(h)) throw fail(`bad address "${h}"`);
    return [h];
  }
  const ips = (f: ReturnType<NdbView['find']>) => (f ? f.entry.reorder(f.tuple).all('ip').filter(isAddr) : []);
  let out = ips(v.find(attr, h, 'ip'));
  if (out.length === 0) {
    const dom = v.getvalue(attr, h, 'dom');
    if (dom !== undefined && dom !== h) out = ips(v.find('dom', dom, 'ip'));
  }
  if (out.length === 0) out = ips(v.find(attr === 'sys' ? 'dom' : 'sys', h, 'ip'));
  if (out.length === 0) throw fail(`no ip= for "${h}"${h !== host ? ` (from ${host})` : ''}`);
  return out;
}

/** Translate one dial string into the dial strings to try, best first. */
export function csQuery(ndb: Ndb | NdbView, query: string, opts: CsOptions = {}): string[] {
  const v = 'view' in ndb ? ndb.view() : ndb;
  const q = query.endsWith('\n') ? query.slice(0, -1) : query;
  if (q.length > CS_MAX_QUERY) throw new CsError('request too long', q.slice(0, 64), `query longer than ${CS_MAX_QUERY} characters`);
  if (q === '' || /[\s\0]/.test(q)) throw new CsError('bad query', q, 'empty or contains blanks');
  const max = opts.maxAnswers ?? 20;
  const f = q.split('!');
  let net = f.length === 1 ? 'net' : f[0];
  const host = f.length === 1 ? f[0] : f[1];
  const serv: string | undefined = f[2];
  const rest = f.length > 3 ? `!${f.slice(3).join('!')}` : '';
  let prefix = '';
  const slash = net.lastIndexOf('/');
  if (slash >= 0) {
    prefix = net.slice(0, slash + 1);
    net = net.slice(slash + 1);
  }
  if (net !== 'net' && !CS_IP_NETS.has(net)) return [q];
  if (host === '') throw new CsError("can't translate address", q, 'no host');

  const one = (n: string): string[] => {
    if (serv === undefined || serv === '') throw new CsError("can't translate service", q, 'no service');
    const port = lookupService(v, n, serv, q);
    return lookupHost(v, host, q, opts).map((a) => `${prefix}${n}!${a}!${port}${rest}`);
  };
  let answers: string[];
  if (net !== 'net') {
    answers = one(net);
  } else {
    answers = [];
    let first: CsError | undefined;
    for (const n of opts.nets ?? CS_DEFAULT_NETS) {
      try {
        answers.push(...one(n));
      } catch (e) {
        if (!(e instanceof CsError)) throw e;
        first ??= e;
      }
    }
    if (answers.length === 0) throw first ?? new CsError("can't translate address", q, 'no networks to try');
  }
  return [...new Set(answers)].slice(0, max);
}

/** csQuery as a resolver for lib/iplib's resolveDial/resolveDialSync. */
export function csResolver(ndb: Ndb | NdbView, opts: CsOptions = {}): DialResolver {
  return (dial) => csQuery(ndb, dial, opts);
}

/** cs's attribute queries, the writes that start with '!':
 *    `!attr=val [attr2=val2 ...]`  the first entry with attr=val whose other pairs also
 *                                  match (a value `*` matches any); one answer per line
 *                                  of the entry, `a=b c=d`.
 *    `!ipinfo [attr=val] a1 @a2`  ipinfo for attr=val (default: this system), one
 *                                  `attr=value` per answer; `@` resolves to addresses. */
export function csAttrQuery(ndb: Ndb | NdbView, query: string, opts: CsOptions = {}): string[] {
  const v = 'view' in ndb ? ndb.view() : ndb;
  let q = query.endsWith('\n') ? query.slice(0, -1) : query;
  if (q.startsWith('!')) q = q.slice(1);
  if (q.length > CS_MAX_QUERY) throw new CsError('request too long', q.slice(0, 64), `query longer than ${CS_MAX_QUERY} characters`);
  const f = q.split(' ').filter((x) => x !== '');
  const bad = (why: string) => new CsError('bad query', q, why);
  if (f.length === 0) throw bad('empty');
  if (f.length > 32) throw bad('more than 32 fields');
  if (f[0] === 'ipinfo') {
    let list = f.slice(1);
    let attr: string, val: string;
    if (list.length > 0 && list[0].includes('=')) {
      const eq = list[0].indexOf('=');
      attr = list[0].slice(0, eq);
      val = list[0].slice(eq + 1);
      list = list.slice(1);
    } else {
      if (opts.sysname === undefined) throw bad("ipinfo without attr=val, and this system's name is not known");
      attr = ipattr(opts.sysname);
      val = opts.sysname;
    }
    if (list.length === 0) throw bad('ipinfo names no attributes');
    const t = v.ipinfo(attr, val, list);
    if (t.length === 0) throw new CsError('no match', q, `nothing for ${attr}=${val}`);
    return t.map((x) => formatLine([x]));
  }
  const pairs = f.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw bad(`"${p}" is not attr=value`);
    return { attr: p.slice(0, eq), val: p.slice(eq + 1) };
  });
  const [key, ...others] = pairs;
  for (const m of v.search(key.attr, key.val)) {
    const ok = others.every((p) => m.entry.tuples.some((t) => t.attr === p.attr && (p.val === '*' || t.val === p.val)));
    if (ok) return m.entry.lines.map((l) => formatLine(l));
  }
  throw new CsError('no match', q, `no entry with ${f.join(' ')}`);
}
