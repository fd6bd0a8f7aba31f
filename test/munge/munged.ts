// SPDX-License-Identifier: GPL-2.0-or-later
//
// The munge tests' private munged: test/harness/slurm/munge.ts's startMunge (a fresh key
// in a temp dir, its own socket, pid, log and seed files, run in the foreground as our
// child, stopped by its pid). Tests that drive diod's own tools (which always use
// libmunge's built-in socket) pass socket: DEFAULT_MUNGE_SOCKET; a live munged already
// answering there is refused, so only one test file at a time may own that socket (tap
// runs files in parallel: keep such tests in one file, or share one daemon).

import { startMunge, type Munge } from '../harness/slurm/munge.js';

/** Everything a munged test needs installed (Debian package `munge`). */
export const MUNGE_TOOLS = ['munged', 'munge', 'unmunge'];
/** Where libmunge (and so diod, diodls, diodcat) always looks. */
export const DEFAULT_MUNGE_SOCKET = '/run/munge/munge.socket.2';

export type Munged = Munge;

export interface MungedOptions {
  /** Default: run/munge.sock in the temp dir. */
  socket?: string;
  /** munged --max-ttl, seconds. */
  maxTtl?: number;
  /** Startup deadline. Default 15000 ms. */
  timeoutMs?: number;
}

export function startMunged(opts: MungedOptions = {}): Promise<Munged> {
  return startMunge(undefined, opts.timeoutMs ?? 15000, { socket: opts.socket, maxTtl: opts.maxTtl });
}
