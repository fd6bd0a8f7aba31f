// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Plan 9 dial strings: `[/netdir/]net!host!service[!extra]`, as used by dial(2),
// announce(2) and cs (reference/akaros.md §7.4), plus the `unix!/path` form the server's
// listeners accept. netmkaddr fills in what a partial address leaves out; resolveDial
// turns names into addresses through a resolver (the connection server's translation).

import { EINVAL, ENOENT } from '../9p/errno.js';
import { perr } from '../9p/error.js';
import { parseip } from './ip.js';

/** Networks a dial string may name; `net` is Plan 9's "any network" pseudo-network. */
export const NETWORKS: ReadonlySet<string> = new Set([
  'tcp', 'udp', 'il', 'icmp', 'icmpv6', 'rudp', 'ssh', 'telco', 'net', 'unix',
]);

export interface DialString {
  /** 'tcp', 'udp', 'unix', 'net', ... */
  net: string;
  /** An address literal, a name, '*' for any address (announce), or the socket path for unix. */
  host: string;
  /** Port number or service name, '*', or '' for unix. */
  service: string;
  /** The numeric port when `service` is a number. */
  port?: number;
  /** A leading `/net` style directory, when given. */
  netdir?: string;
  /** Anything after a third '!'. */
  extra?: string;
}

export interface DialDefaults {
  /** Network for a bare host (default 'tcp'). */
  net?: string;
  /** Service when none is given (default '564', the 9fs port). */
  service?: string;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Parse and validate a dial string. EINVAL, with the string and the reason, on error. */
export function parseDialString(s: string, defaults: DialDefaults = {}): DialString {
  const bad = (why: string) => perr(EINVAL, `bad dial string "${s}": ${why}`);
  if (s === '') throw bad('empty');
  if (/[\s\0]/.test(s)) throw bad('contains blanks');
  const defnet = defaults.net ?? 'tcp';
  const defsrv = defaults.service ?? '564';
  const f = s.split('!');
  let netdir: string | undefined;
  let net: string, host: string, service: string | undefined, extra: string | undefined;
  if (f.length === 1) {
    net = defnet;
    host = f[0];
  } else {
    net = f[0];
    host = f[1];
    service = f[2];
    if (f.length > 3) extra = f.slice(3).join('!');
  }
  const slash = net.lastIndexOf('/');
  if (slash >= 0) {
    netdir = net.slice(0, slash) || '/';
    net = net.slice(slash + 1);
  }
  if (!NETWORKS.has(net)) throw bad(`unknown network "${net}"`);
  if (net === 'unix') {
    if (host === '') throw bad('no socket path');
    if (service !== undefined || extra !== undefined) throw bad('unix takes only a path');
    return { net, host, service: '', ...(netdir ? { netdir } : {}) };
  }
  if (host === '') throw bad('no host');
  if (host === '::') host = '*';
  if (host !== '*' && !host.startsWith('$')) {
    if (/^[0-9.]+$/.test(host) || host.includes(':') || host.startsWith('[')) {
      try { parseip(host); } catch { throw bad(`bad address "${host}"`); }
    } else if (!HOSTNAME.test(host)) {
      throw bad(`bad host name "${host}"`);
    }
  } else if (host.startsWith('$') && !/^\$[A-Za-z][A-Za-z0-9_-]*$/.test(host)) {
    throw bad(`bad attribute "${host}"`);
  }
  if (service === undefined) service = defsrv;
  if (service === '') throw bad('empty service');
  const out: DialString = { net, host, service };
  if (/^\d+$/.test(service)) {
    const port = Number(service);
    if (port > 65535) throw bad(`port ${service} out of range`);
    out.port = port;
  } else if (service !== '*' && !SERVICE.test(service)) {
    throw bad(`bad service "${service}"`);
  }
  if (netdir) out.netdir = netdir;
  if (extra !== undefined) out.extra = extra;
  return out;
}

/** Plan 9 netmkaddr(2): no '!' gives `defnet!linear[!defsrv]` (defnet 'net' when
 *  undefined); one '!' appends `!defsrv` when given; two or more: unchanged. */
export function netmkaddr(linear: string, defnet?: string, defsrv?: string): string {
  const first = linear.indexOf('!');
  if (first < 0) {
    const net = defnet ?? 'net';
    return defsrv !== undefined ? `${net}!${linear}!${defsrv}` : `${net}!${linear}`;
  }
  if (linear.indexOf('!', first + 1) >= 0) return linear;
  return defsrv !== undefined ? `${linear}!${defsrv}` : linear;
}

/** The dial string back in text form. */
export function dialfmt(d: DialString): string {
  const net = d.netdir ? `${d.netdir.replace(/\/$/, '')}/${d.net}` : d.net;
  if (d.net === 'unix') return `${net}!${d.host}`;
  return `${net}!${d.host}!${d.service}${d.extra !== undefined ? `!${d.extra}` : ''}`;
}

/** A name translator in the manner of /net/cs: given `net!host!service`, the dial
 *  strings to try, best first, with addresses and port numbers (or '*'). It throws
 *  (a P9Error) when the name cannot be translated. */
export type DialResolver = (dial: string) => readonly string[];
export type AsyncDialResolver = (dial: string) => readonly string[] | Promise<readonly string[]>;

/** dial9's fast path: an address literal (or '*') and a port number (or '*') need no
 *  translation; neither does a unix socket path. */
export function isLiteralDial(d: DialString): boolean {
  if (d.net === 'unix') return true;
  if (d.net === 'net') return false;
  if (d.port === undefined && d.service !== '*') return false;
  if (d.host === '*') return true;
  if (d.host.startsWith('$')) return false;
  try { parseip(d.host); return true; } catch { return false; }
}

function answersOf(s: string, got: readonly string[]): DialString[] {
  if (got.length === 0) throw perr(ENOENT, `no translation for "${s}"`);
  return got.map((a) => parseDialString(a));
}

/** Parse `s` (defaults as in parseDialString) and, unless it is already literal, ask
 *  `resolver` for the addresses: one DialString per answer, best first. */
export function resolveDialSync(s: string, resolver: DialResolver, defaults: DialDefaults = {}): DialString[] {
  const d = parseDialString(s, defaults);
  if (isLiteralDial(d)) return [d];
  return answersOf(s, resolver(dialfmt(d)));
}

/** resolveDialSync for a resolver that may answer later (a read of /net/cs over 9P). */
export async function resolveDial(s: string, resolver: AsyncDialResolver, defaults: DialDefaults = {}): Promise<DialString[]> {
  const d = parseDialString(s, defaults);
  if (isLiteralDial(d)) return [d];
  return answersOf(s, await resolver(dialfmt(d)));
}
