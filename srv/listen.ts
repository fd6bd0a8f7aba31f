// SPDX-License-Identifier: GPL-2.0-or-later
//
// Listeners named by Plan 9 dial strings: tcp!HOST!PORT, tls!HOST!PORT (TLS with Node's
// tls, optionally asking for client certificates) and unix!/path. tcp!*!port listens on
// IPv4 any: Linux v9fs needs a dotted IPv4 literal to mount (reference/9p.md §0.19). A unix
// socket is created mode 0600.
//
// Safe defaults: a listener that believes uname (`--auth none`) must be reachable only
// from this host (a loopback address or a unix socket). Anything else needs `--auth
// munge`, or TLS with required client certificates, or the operator's explicit
// `insecure`, which is then warned about on every start.

import { createServer, isIPv4, isIPv6, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { parseDialString } from '../lib/iplib/dial.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL, EPERM } from '../lib/9p/errno.js';
import type { CertUsers } from './certusers.js';
import type { AuthMode, ConnMeta } from './types.js';

export interface TlsListenOptions {
  /** PEM certificate chain and private key of this server. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA that client certificates must chain to. */
  clientCa?: string | Buffer;
  /** Client certificate -> user. With `auth: 'none'` a mapped certificate is required. */
  users?: CertUsers;
}

export interface ListenOptions {
  /** How attaches prove who they are (default 'none'). */
  auth?: AuthMode;
  /** Serve `auth: 'none'` on a non-loopback address anyway (warned about). */
  insecure?: boolean;
  /** Needed for tls! dial strings, refused for others. */
  tls?: TlsListenOptions;
}

export interface Listening {
  /** The dial string as listened on (the real port when 0 was asked). */
  readonly address: string;
  readonly auth: AuthMode;
  close(): Promise<void>;
}

/** What the server gives a listener. */
export interface ListenHost {
  serve(s: Duplex, meta: ConnMeta): void;
  /** Whether a MUNGE decoder is configured. */
  readonly canMunge: boolean;
  /** Raw sockets per listener, TLS handshakes included: a backstop above the server's own
   *  connection limits, which count and report refusals. */
  readonly maxSockets: number;
  /** A TLS handshake must finish within this long. */
  readonly handshakeMs: number;
  warn(msg: string): void;
}

/** True for addresses only this host can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return /^::ffff:127\./.test(h);
  return false;
}

/** An address as the per-address limit counts it (IPv4-mapped IPv6 as plain IPv4). */
export function peerAddress(sock: { remoteAddress?: string }): string {
  const a = sock.remoteAddress ?? '';
  return a.startsWith('::ffff:') && isIPv4(a.slice(7)) ? a.slice(7) : a;
}

export async function listen(dial: string, host: ListenHost, opts: ListenOptions = {}): Promise<Listening> {
  const isTls = dial.startsWith('tls!');
  // lib/iplib knows tcp; a tls address is a tcp one with TLS on top.
  const d = parseDialString(isTls ? `tcp!${dial.slice(4)}` : dial, { net: 'tcp', service: '5640' });
  const auth = opts.auth ?? 'none';
  if (auth !== 'none' && auth !== 'munge') throw perr(EINVAL, `unknown auth "${auth}": none or munge`);
  if (auth === 'munge' && !host.canMunge) throw perr(EINVAL, `${dial}: --auth munge needs a MUNGE decoder (munged)`);
  if (isTls && !opts.tls) throw perr(EINVAL, `${dial}: a tls listener needs a certificate and key`);
  if (!isTls && opts.tls) throw perr(EINVAL, `${dial}: TLS options given for a listener without tls!`);
  const certRequired = !!opts.tls?.users && auth === 'none';
  if (opts.tls?.users && !opts.tls.clientCa) throw perr(EINVAL, `${dial}: a users file needs the CA client certificates chain to`);
  if (d.net === 'unix') return listenUnix(d.host, host, auth);
  if (d.net !== 'tcp' && d.net !== 'net') throw perr(EINVAL, `cannot listen on network "${d.net}"`);
  if (d.port === undefined) throw perr(EINVAL, `dial string "${dial}": service must be a port number`);
  const local = isLoopback(d.host);
  if (auth === 'none' && !certRequired && !local) {
    if (!opts.insecure) {
      throw perr(EPERM, `refusing to serve ${dial} without authentication: anyone who reaches it could name `
        + 'themselves the host owner (use --auth munge, TLS client certificates, a loopback address, or --insecure)');
    }
    host.warn(`WARNING: ${dial} believes any user name a client sends (--insecure): whoever reaches it can act as the host owner`);
  }
  const addr = d.host === '*' || d.host === '::' ? '0.0.0.0' : d.host;
  let server: NetServer;
  if (opts.tls) {
    const t = opts.tls;
    const users = t.users;
    const tserver = createTlsServer({
      cert: t.cert, key: t.key,
      ...(t.clientCa ? { ca: t.clientCa } : {}),
      requestCert: !!users,
      rejectUnauthorized: certRequired,
      handshakeTimeout: host.handshakeMs,
    }, (sock: TLSSocket) => {
      sock.setNoDelay(true);
      let certUser: string | undefined;
      if (users && sock.authorized) certUser = users.userOf(sock.getPeerCertificate());
      if (certRequired && certUser === undefined) {
        sock.destroy();
        return;
      }
      host.serve(sock, { peer: peerAddress(sock), auth, ...(certUser !== undefined ? { certUser } : {}) });
    });
    // A failed handshake is the client's problem, not the server's.
    tserver.on('tlsClientError', (_e: Error, s: TLSSocket) => s.destroy());
    server = tserver;
  } else {
    server = createServer((sock: Socket) => {
      sock.setNoDelay(true);
      host.serve(sock, { peer: peerAddress(sock), auth });
    });
  }
  server.maxConnections = host.maxSockets;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(d.port, addr, () => res());
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : d.port;
  return {
    address: `${isTls ? 'tls' : 'tcp'}!${d.host}!${port}`,
    auth,
    close: () => new Promise((res) => server.close(() => res())),
  };
}

async function listenUnix(path: string, host: ListenHost, auth: AuthMode): Promise<Listening> {
  const server = createServer((sock: Socket) => host.serve(sock, { peer: '', auth }));
  server.maxConnections = host.maxSockets;
  if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => res());
  });
  chmodSync(path, 0o600);
  return {
    address: `unix!${path}`,
    auth,
    close: () => new Promise((res) => server.close(() => { try { unlinkSync(path); } catch { /* gone */ } res(); })),
  };
}
