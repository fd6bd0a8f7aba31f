// SPDX-License-Identifier: LGPL-2.1-or-later
//
// IP addresses as Plan 9 libip keeps them: always 16 bytes, IPv4 stored v6-mapped
// (::ffff:a.b.c.d), so one comparison and one mask routine serve both families.
// Unlike Plan 9's lenient parser ("1.2" meaning 1.0.0.2), text must be a complete
// dotted quad or a valid IPv6 literal: this parses configuration, and a typo should fail.

import { EINVAL } from '../9p/errno.js';
import { perr } from '../9p/error.js';

export const IPaddrlen = 16;
export const IPv4addrlen = 4;
export const IPv4off = 12;

/** The first 12 bytes of every v4-mapped address. */
export const v4prefix: Readonly<Buffer> = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
export const IPnoaddr: Readonly<Buffer> = Buffer.alloc(16);
export const IPallbits: Readonly<Buffer> = Buffer.alloc(16, 0xff);
export const IPv4bcast: Readonly<Buffer> = Buffer.concat([v4prefix, Buffer.from([255, 255, 255, 255])]);
export const IPv4allsys: Readonly<Buffer> = Buffer.concat([v4prefix, Buffer.from([224, 0, 0, 1])]);
export const IPv4allrouter: Readonly<Buffer> = Buffer.concat([v4prefix, Buffer.from([224, 0, 0, 2])]);
export const v6loopback: Readonly<Buffer> = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/** Four bytes from a dotted quad, or EINVAL. */
export function v4parseip(s: string): Buffer {
  const parts = s.split('.');
  if (parts.length !== 4) throw perr(EINVAL, `bad IPv4 address "${s}"`);
  const out = Buffer.alloc(4);
  parts.forEach((p, i) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw perr(EINVAL, `bad IPv4 address "${s}"`);
    out[i] = Number(p);
  });
  return out;
}

function v6parse(s: string): Buffer {
  const bad = () => perr(EINVAL, `bad IPv6 address "${s}"`);
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const groups = (h: string): number[] => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    parts.forEach((p, i) => {
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = v4parseip(p);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) throw bad();
        out.push(parseInt(p, 16));
      }
    });
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (halves.length === 1 && head.length !== 8) throw bad();
  if (halves.length === 2 && head.length + tail.length > 7) throw bad();
  const all = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** IPv4 or IPv6 text into 16 bytes (v4 v6-mapped). `[::1]` brackets are accepted. */
export function parseip(s: string): Buffer {
  let t = s;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.includes(':')) return v6parse(t);
  return v4tov6(v4parseip(t));
}

/** A mask: `/N` is N prefix bits of the 128-bit address (Plan 9: `/120` is a v4 /24);
 *  a dotted quad is a v4 mask, returned with the v4 prefix bytes all ones. */
export function parseipmask(s: string): Buffer {
  if (s.startsWith('/')) {
    const t = s.slice(1);
    if (!/^\d{1,3}$/.test(t) || Number(t) > 128) throw perr(EINVAL, `bad mask "${s}"`);
    return prefixmask(Number(t), 16);
  }
  const m = parseip(s);
  if (isv4(m)) m.fill(0xff, 0, IPv4off);
  return m;
}

/** A mask of `bits` leading ones in `len` bytes. */
export function prefixmask(bits: number, len: number): Buffer {
  const out = Buffer.alloc(len);
  let i = 0;
  for (; bits >= 8; bits -= 8) out[i++] = 0xff;
  if (bits > 0) out[i] = (0xff << (8 - bits)) & 0xff;
  return out;
}

/** `a.b.c.d/N` (or a bare address, masked by its class) into 4-byte address and mask. */
export function v4parsecidr(s: string): { ip: Buffer; mask: Buffer } {
  const slash = s.indexOf('/');
  const ip = v4parseip(slash < 0 ? s : s.slice(0, slash));
  if (slash < 0) return { ip, mask: Buffer.from(defmask(v4tov6(ip)).subarray(12)) };
  const t = s.slice(slash + 1);
  if (!/^\d{1,2}$/.test(t) || Number(t) > 32) throw perr(EINVAL, `bad CIDR "${s}"`);
  return { ip, mask: prefixmask(Number(t), 4) };
}

/** The classful default mask of a v4 address (A /8, B /16, C /24, as 16 bytes), /128
 *  for ::1, /64 for any other v6 address (Plan 9 defmask). */
export function defmask(ip: Buffer): Buffer {
  if (isv4(ip)) {
    const cls = ip[IPv4off] >> 6;
    const bits = cls < 2 ? 8 : cls === 2 ? 16 : 24;
    return prefixmask(96 + bits, 16);
  }
  if (ip.equals(v6loopback)) return Buffer.from(IPallbits);
  return prefixmask(64, 16);
}

/** Byte-wise AND of address and mask. */
export function maskip(from: Buffer, mask: Buffer): Buffer {
  const out = Buffer.alloc(from.length);
  for (let i = 0; i < from.length; i++) out[i] = from[i] & (mask[i] ?? 0);
  return out;
}

export function isv4(ip: Buffer): boolean {
  return ip.length === 16 && ip.compare(v4prefix, 0, 12, 0, 12) === 0;
}

export function v4tov6(v4: Buffer): Buffer {
  if (v4.length !== 4) throw perr(EINVAL, `v4tov6: ${v4.length} bytes`);
  return Buffer.concat([v4prefix, v4]);
}

/** The four v4 bytes of a v4-mapped address (or of the unspecified address ::, which Plan 9
 *  also maps to 0.0.0.0); EINVAL for any other v6 address. */
export function v6tov4(ip: Buffer): Buffer {
  if (isv4(ip) || ip.equals(IPnoaddr)) return Buffer.from(ip.subarray(12, 16));
  throw perr(EINVAL, `not an IPv4 address: ${ipfmt(ip)}`);
}

export function ipcmp(a: Buffer, b: Buffer): number {
  return a.compare(b);
}

/** Plan 9 %I: dotted quad for v4-mapped addresses, else RFC 5952-style v6 (lowercase,
 *  the longest run of two or more zero groups written as ::). A 4-byte buffer is v4. */
export function ipfmt(ip: Buffer): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (ip.length !== 16) throw perr(EINVAL, `ipfmt: ${ip.length} bytes`);
  if (isv4(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(ip.readUInt16BE(i * 2));
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Plan 9 %M: a mask as `/N` when it is a contiguous prefix, else as an address. A mask
 *  whose first 12 bytes are all ones is a v4 mask: /N counts of 32 and a non-contiguous
 *  one prints dotted (so the all-ones mask prints /32, as in Plan 9). */
export function maskfmt(mask: Buffer): string {
  const v4 = mask.length === 16 && mask.compare(IPallbits, 0, 12, 0, 12) === 0;
  const bytes = v4 ? mask.subarray(12) : mask;
  const other = () => (v4 ? ipfmt(bytes) : ipfmt(mask));
  let bits = 0;
  let i = 0;
  for (; i < bytes.length && bytes[i] === 0xff; i++) bits += 8;
  if (i < bytes.length) {
    const b = bytes[i];
    const ones = [0, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].indexOf(b);
    if (ones < 0) return other();
    bits += ones;
    for (i++; i < bytes.length; i++) if (bytes[i] !== 0) return other();
  }
  return `/${bits}`;
}
