// SPDX-License-Identifier: GPL-2.0-or-later
//
// Listeners named by Plan 9 dial strings. tcp!*!port listens on IPv4 any: Linux v9fs
// needs a dotted IPv4 literal to mount (reference/9p.md §0.19). A unix socket is created
// mode 0600, since 9P carries no authentication of its own.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { parseDialString } from '../lib/iplib/dial.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';

export interface Listening {
  /** The dial string as listened on (the real port when 0 was asked). */
  readonly address: string;
  close(): Promise<void>;
}

export async function listen(dial: string, serve: (s: Duplex) => void): Promise<Listening> {
  const d = parseDialString(dial, { net: 'tcp', service: '5640' });
  const server: NetServer = createServer((sock: Socket) => {
    sock.setNoDelay(true);
    serve(sock);
  });
  if (d.net === 'unix') {
    const path = d.host;
    if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(path, () => res());
    });
    chmodSync(path, 0o600);
    return {
      address: `unix!${path}`,
      close: () => new Promise((res) => server.close(() => { try { unlinkSync(path); } catch { /* gone */ } res(); })),
    };
  }
  if (d.net !== 'tcp' && d.net !== 'net') throw perr(EINVAL, `cannot listen on network "${d.net}"`);
  if (d.port === undefined) throw perr(EINVAL, `dial string "${dial}": service must be a port number`);
  const host = d.host === '*' || d.host === '::' ? '0.0.0.0' : d.host;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(d.port, host, () => res());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : d.port;
  return {
    address: `tcp!${d.host}!${port}`,
    close: () => new Promise((res) => server.close(() => res())),
  };
}
