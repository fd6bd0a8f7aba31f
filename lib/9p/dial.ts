// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A byte stream to a 9P server from a Plan 9 dial string: tcp!HOST!PORT, unix!/path, or
// tls!HOST!PORT (TLS with Node's tls; the server's certificate is checked against `ca`,
// or the system's CAs without it, and its name against HOST). A client certificate may be
// offered for servers that map certificates to users.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseDialString } from '../iplib/dial.js';
import { P9Error, perr } from './error.js';
import { ECONNREFUSED, EINVAL, ETIMEDOUT } from './errno.js';
import { register, reusedReads, type ReusedReads } from './onread.js';

export interface DialOptions {
  /** PEM CA the server's certificate must chain to (tls!). */
  ca?: string | Buffer;
  /** PEM client certificate and key to offer (tls!). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name the server's certificate must carry; default the dial string's host. */
  servername?: string;
  /** Give up connecting after this long (default 10 s). */
  timeoutMs?: number;
  /** tcp! and unix!: read into one reused buffer (onread.ts). The socket then emits no
   *  'data' events: only a lib/9p Client (Client.connect) can read it. */
  reuseReads?: boolean;
}

/** The default port when a dial string names none (the server's default listener). */
export const DEFAULT_9P_PORT = '5640';

/** Connects to `address`. EINVAL for a bad dial string, ECONNREFUSED (with the reason)
 *  when the connection or the TLS handshake fails, ETIMEDOUT past opts.timeoutMs. */
export function dial(address: string, opts: DialOptions = {}): Promise<Duplex> {
  const isTls = address.startsWith('tls!');
  let d;
  try {
    d = parseDialString(isTls ? `tcp!${address.slice(4)}` : address, { net: 'tcp', service: DEFAULT_9P_PORT });
  } catch (e) {
    return Promise.reject(e);
  }
  if (d.net !== 'unix' && d.net !== 'tcp' && d.net !== 'net') {
    return Promise.reject(perr(EINVAL, `cannot dial network "${d.net}"`));
  }
  if (d.net !== 'unix' && d.port === undefined) {
    return Promise.reject(perr(EINVAL, `"${address}": the service must be a port number`));
  }
  if (!isTls && (opts.ca || opts.cert || opts.key)) {
    return Promise.reject(perr(EINVAL, `"${address}": TLS options need a tls! address`));
  }
  const host = d.host === '*' ? '127.0.0.1' : d.host.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    let sock: Socket;
    if (isTls) {
      const servername = opts.servername ?? (isIP(host) ? undefined : host);
      sock = tlsConnect({
        host, port: d.port!, ...(servername ? { servername } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.cert ? { cert: opts.cert } : {}), ...(opts.key ? { key: opts.key } : {}),
      });
    } else {
      const rr: ReusedReads | undefined = opts.reuseReads ? reusedReads() : undefined;
      const onread = rr ? { onread: { buffer: rr.buffer, callback: rr.callback } } : {};
      sock = d.net === 'unix' ? netConnect({ path: d.host, ...onread }) : netConnect({ port: Number(d.port!), host, ...onread });
      if (rr) register(sock, rr);
    }
    const timer = setTimeout(() => fail(new P9Error(ETIMEDOUT, `dial ${address}: timed out`)), opts.timeoutMs ?? 10_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (e instanceof P9Error) { reject(e); return; }
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOENT' ? 'no such socket' : e.message;
      reject(new P9Error(ECONNREFUSED, `dial ${address}: ${why}`));
    };
    sock.once('error', fail);
    sock.once(isTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
