// SPDX-License-Identifier: GPL-2.0-or-later
//
// A throwaway PKI for TLS tests, made with the openssl tool: a CA, a server certificate
// for 127.0.0.1 and localhost, and client certificates by common name, each signed by
// the CA (or by a second, untrusted CA).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pair { cert: Buffer; key: Buffer; certFile: string; keyFile: string }

export interface Pki {
  dir: string;
  ca: Pair;
  server: Pair;
  /** A client certificate with this CN, signed by the CA (or the untrusted one). */
  client(cn: string, untrusted?: boolean): Pair;
  /** The SHA-256 fingerprint of a certificate, as `openssl x509 -fingerprint` prints it. */
  fingerprint(p: Pair): string;
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  const pair = (name: string): Pair => ({
    cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}.key`)),
    certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`),
  });
  const ca = (name: string) => ssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2'], dir);
  const signed = (name: string, cn: string, signer: string, ext?: string) => {
    ssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2'];
    if (ext) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      args.push('-extfile', `${name}.ext`);
    }
    ssl(args, dir);
  };
  ca('ca');
  ca('evil');
  signed('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  let n = 0;
  return {
    dir,
    ca: pair('ca'),
    server: pair('server'),
    client(cn, untrusted = false) {
      const name = `client${n++}`;
      signed(name, cn, untrusted ? 'evil' : 'ca', 'extendedKeyUsage=clientAuth\n');
      return pair(name);
    },
    fingerprint(p) {
      return ssl(['x509', '-in', p.certFile, '-noout', '-fingerprint', '-sha256'], dir).trim().replace(/^.*=/, '');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
