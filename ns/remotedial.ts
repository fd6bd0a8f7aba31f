// SPDX-License-Identifier: GPL-2.0-or-later
//
// The dialer remote mounts use by default: a Plan 9 dial string, names translated by the
// connection server's resolver (the server's ndb, as /net/cs answers), then each answer
// tried in order until one connects, as dial(2) does. tcp and unix only; `net!` means tcp.

import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { P9Error, perr } from '../lib/9p/error.js';
import { EINVAL, EIO, ENOENT } from '../lib/9p/errno.js';
import { type AsyncDialResolver, type DialString, resolveDial } from '../lib/iplib/dial.js';

/** The port a dial string without a service gets: the server's default listener. */
export const DEFAULT_SERVICE = '5640';

/** Linux's ECONNREFUSED (lib/9p/errno.ts has no name for it yet). */
const ECONNREFUSED = 111;

export type Dialer = (address: string, signal: AbortSignal) => Promise<Duplex>;

/** A dialer translating names through `resolve` (none: only literal addresses dial). */
export function netDialer(resolve?: AsyncDialResolver): Dialer {
  const resolver: AsyncDialResolver = resolve ?? ((d) => {
    throw perr(ENOENT, `cannot translate "${d}": no network database (serve --ndb FILE)`);
  });
  return async (address, signal) => {
    const answers = await resolveDial(address, resolver, { net: 'tcp', service: DEFAULT_SERVICE });
    let first: P9Error | undefined;
    for (const d of answers) {
      if (signal.aborted) break;
      try {
        return await connectOne(d, address, signal);
      } catch (e) {
        first ??= e instanceof P9Error ? e : perr(EIO, String(e));
      }
    }
    throw first ?? perr(EIO, `dial ${address}: abandoned`);
  };
}

function connectOne(d: DialString, address: string, signal: AbortSignal): Promise<Socket> {
  if (d.net !== 'tcp' && d.net !== 'unix' && d.net !== 'net') {
    return Promise.reject(perr(EINVAL, `dial ${address}: cannot dial network "${d.net}"`));
  }
  if (d.net !== 'unix' && (d.port === undefined || d.host === '*')) {
    return Promise.reject(perr(EINVAL, `dial ${address}: no address and port (got ${d.host}!${d.service})`));
  }
  return new Promise((resolve, reject) => {
    const sock = d.net === 'unix' ? connect(d.host) : connect(d.port!, d.host.replace(/^\[|\]$/g, ''));
    const fail = (e: Error): void => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOENT' ? 'no such socket' : e.message;
      reject(new P9Error(ECONNREFUSED, `dial ${address}: ${why}`));
    };
    const onAbort = (): void => fail(new Error('dial abandoned'));
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('error', fail);
    sock.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      sock.off('error', fail);
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
