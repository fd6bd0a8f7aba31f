// SPDX-License-Identifier: GPL-2.0-or-later
//
// A full garbage collection from inside a test, for tests that a cache holds nothing
// alive (WeakRef to the object, drop every strong reference, collect, deref).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects everything unreachable. Awaits a turn first: a WeakRef's target stays alive
 *  until the end of the job that made or dereferenced it. */
export async function collect(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((r) => setImmediate(r));
    gc();
  }
}
