// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libndb ipattr(2): which attribute a host name is most likely the value of. Digits and
// dots are an IPv4 address, anything with a colon (and only hex digits, dots, colons) an
// IPv6 one; a name with letters and a dot is a domain name; the rest are system names.

export type IpAttr = 'ip' | 'dom' | 'sys';

export function ipattr(name: string): IpAttr {
  let dot = false, alpha = false, colon = false, hex = false;
  for (const c of name) {
    if (c >= '0' && c <= '9') continue;
    if (/[a-fA-F]/.test(c)) hex = true;
    else if (/[A-Za-z-]/.test(c)) alpha = true;
    else if (c === '.') dot = true;
    else if (c === ':') colon = true;
    else return 'sys';
  }
  if (alpha) return dot ? 'dom' : 'sys';
  if (colon) return 'ip';
  return dot && !hex ? 'ip' : 'sys';
}
