// SPDX-License-Identifier: GPL-2.0-or-later
//
// The TLS users file: which client certificate speaks for which user. One mapping per
// line, `USER SELECTOR`, where SELECTOR is `cn=NAME` (the certificate subject's common
// name) or `sha256=HEX` (the certificate's SHA-256 fingerprint, colons optional, any
// case). Blank lines and lines starting with '#' are comments. A certificate is only
// looked up after it verified against the listener's client CA.

import type { PeerCertificate } from 'node:tls';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';
import { hasControl } from './fidops.js';
import { MAXUNAME } from './auth.js';

export class CertUsers {
  private readonly byCn = new Map<string, string>();
  private readonly byFingerprint = new Map<string, string>();

  /** Parses a users file; EINVAL with the line number on a bad line. */
  constructor(text: string) {
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const bad = (why: string) => perr(EINVAL, `users file line ${i + 1}: ${why}: "${line.slice(0, 80)}"`);
      const f = line.split(/\s+/);
      if (f.length !== 2) throw bad('expected USER cn=NAME or USER sha256=HEX');
      const [user, sel] = f;
      if (hasControl(user) || Buffer.byteLength(user) > MAXUNAME) throw bad('bad user name');
      const eq = sel.indexOf('=');
      const kind = sel.slice(0, eq).toLowerCase();
      const value = sel.slice(eq + 1);
      if (eq < 0 || value === '') throw bad('expected cn=NAME or sha256=HEX');
      if (kind === 'cn') {
        this.byCn.set(value, user);
      } else if (kind === 'sha256') {
        const hex = value.replace(/:/g, '').toUpperCase();
        if (!/^[0-9A-F]{64}$/.test(hex)) throw bad('a SHA-256 fingerprint has 64 hex digits');
        this.byFingerprint.set(hex, user);
      } else {
        throw bad(`unknown selector "${kind}"`);
      }
    });
  }

  get size(): number {
    return this.byCn.size + this.byFingerprint.size;
  }

  /** The user a verified certificate maps to: its fingerprint first, then its CN. */
  userOf(cert: PeerCertificate): string | undefined {
    const fp = cert.fingerprint256?.replace(/:/g, '').toUpperCase();
    if (fp) {
      const u = this.byFingerprint.get(fp);
      if (u !== undefined) return u;
    }
    const cn = cert.subject?.CN;
    return typeof cn === 'string' ? this.byCn.get(cn) : undefined;
  }
}
