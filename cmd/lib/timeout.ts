// SPDX-License-Identifier: GPL-2.0-or-later
//
// --timeout D for commands that wait on the server: D is real time (a paused virtual
// clock never moves), written as every duration is (10ms, 1.5s, 250us, bare ns).

import { Flags } from '@oclif/core';
import { P9Error } from '../../lib/9p/error.js';
import { parseDuration } from '../../lib/duration.js';
import { usage } from './connect.js';

export const timeoutFlag = Flags.string({
  char: 't', summary: 'Stop waiting after this long (real time): 500ms, 2s, 1.5s.',
});

/** An AbortSignal that fires after D, or undefined without --timeout. */
export function timeoutSignal(d: string | undefined): AbortSignal | undefined {
  if (d === undefined) return undefined;
  let ns: bigint;
  try {
    ns = parseDuration(d);
  } catch (e) {
    throw usage(`--timeout: ${e instanceof P9Error ? e.detail ?? e.message : String(e)}`);
  }
  return AbortSignal.timeout(Math.max(1, Math.ceil(Number(ns) / 1e6)));
}
