// SPDX-License-Identifier: GPL-2.0-or-later
//
// A free TCP port for a server a test or bench starts as a child process.

import { createServer, type AddressInfo } from 'node:net';

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
