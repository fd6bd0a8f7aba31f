// SPDX-License-Identifier: GPL-2.0-or-later
//
// The dialer remote mounts use by default: a Plan 9 dial string, names translated by the
// connection server's resolver (the server's ndb, as /net/cs answers), then each answer
// tried in order until one connects, as dial(2) does. tcp, unix, and tls (`tls!node2!akaros`:
// translated as tcp, then TLS with the server's certificate checked against the name
// dialed, through lib/9p's dial).

import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import { dial, type DialOptions } from '../lib/9p/dial.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { EIO, ENOENT } from '../lib/9p/errno.js';
import { type AsyncDialResolver, dialfmt, parseDialString, resolveDial } from '../lib/iplib/dial.js';

/** The port a dial string without a service gets: the server's default listener. */
export const DEFAULT_SERVICE = '5640';

export type Dialer = (address: string, signal: AbortSignal) => Promise<Duplex>;

/** A dialer translating names through `resolve` (none: only literal addresses dial).
 *  `tls`: the CA servers' certificates must chain to, and a client certificate to offer
 *  (default: the system's CAs, none). */
export function netDialer(resolve?: AsyncDialResolver, tls: Pick<DialOptions, 'ca' | 'cert' | 'key'> = {}): Dialer {
  const resolver: AsyncDialResolver = resolve ?? ((d) => {
    throw perr(ENOENT, `cannot translate "${d}": no network database (serve --ndb FILE)`);
  });
  return async (address, signal) => {
    const isTls = address.startsWith('tls!');
    const plain = isTls ? `tcp!${address.slice(4)}` : address;
    const host = parseDialString(plain, { net: 'tcp', service: DEFAULT_SERVICE }).host;
    const answers = await resolveDial(plain, resolver, { net: 'tcp', service: DEFAULT_SERVICE });
    let first: P9Error | undefined;
    for (const d of answers) {
      if (signal.aborted) break;
      const a = dialfmt({ ...d, extra: undefined });
      // A link is read only by its lib/9p Client: plain sockets read into a reused buffer.
      const opts: DialOptions = isTls ? { ...tls, ...(isIP(host) || host.startsWith('$') ? {} : { servername: host }) } : { reuseReads: true };
      try {
        return await abortable(dial(isTls ? `tls!${a.slice(a.indexOf('!') + 1)}` : a, opts), signal);
      } catch (e) {
        first ??= e instanceof P9Error ? e : perr(EIO, String(e));
      }
    }
    throw first ?? perr(EIO, `dial ${address}: abandoned`);
  };
}

/** `p`, unless `signal` aborts first; a stream that arrives after that is closed. */
function abortable(p: Promise<Duplex>, signal: AbortSignal): Promise<Duplex> {
  if (signal.aborted) {
    p.then((s) => s.destroy(), () => { /* nobody waits for it */ });
    return Promise.reject(perr(EIO, 'dial abandoned'));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      p.then((s) => s.destroy(), () => { /* nobody waits for it */ });
      reject(perr(EIO, 'dial abandoned'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((s) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) s.destroy();
      else resolve(s);
    }, (e: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}
