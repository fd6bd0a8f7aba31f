// SPDX-License-Identifier: GPL-2.0-or-later
//
// --watch for ps and cores: redraw every --interval until Ctrl-C. For people, the
// screen is cleared on a terminal (a blank line between frames otherwise); with --json,
// each refresh is one compact JSON document on its own line (NDJSON), so
// `akaros ps --watch --json | jq -c ...` sees every sample as it comes.

import { Flags } from '@oclif/core';
import { onInterrupt } from './signal.js';
import { sleep } from './sleep.js';

export const watchFlags = {
  watch: Flags.boolean({ char: 'w', summary: 'Redraw every --interval until Ctrl-C (--json: one document per line).' }),
  interval: Flags.integer({ summary: 'Milliseconds between refreshes with --watch.', default: 1000, min: 50 }),
};

export interface WatchOptions<T> {
  interval: number;
  json: boolean;
  tty: boolean;
  read(): Promise<T>;
  format(data: T): string;
  /** Stop after this many refreshes (tests; default: until Ctrl-C). */
  count?: number;
}

export async function watch<T>(o: WatchOptions<T>): Promise<void> {
  const intr = onInterrupt();
  try {
    for (let n = 1; ; n++) {
      const data = await o.read();
      if (o.json) process.stdout.write(`${JSON.stringify(data)}\n`);
      else process.stdout.write(`${o.tty ? '\x1b[H\x1b[2J' : n > 1 ? '\n' : ''}${o.format(data)}`);
      if (o.count !== undefined && n >= o.count) return;
      if (await sleep(o.interval, intr.signal)) return;
    }
  } finally {
    intr.dispose();
  }
}
