// SPDX-License-Identifier: GPL-2.0-or-later
//
// The hooks' options as oclif flags, for `akaros slurm prolog|epilog`. Kept apart from
// cmd/lib/slurm.ts so that bin/akaros-slurm (what Slurm runs) never loads @oclif/core.

import { Flags } from '@oclif/core';
import { CPUS_OPTION, HOOK_OPTIONS } from './slurm.js';

const O = HOOK_OPTIONS;
/** The flags both hooks take. */
export const hookFlags = {
  conf: Flags.string({ summary: O.conf.summary, env: O.conf.env, default: String(O.conf.default) }),
  job: Flags.string({ summary: O.job.summary }),
  'job-user': Flags.string({ summary: O['job-user'].summary }),
  node: Flags.string({ summary: O.node.summary }),
  server: Flags.string({ summary: O.server.summary }),
  'hook-timeout': Flags.integer({ summary: O['hook-timeout'].summary, default: Number(O['hook-timeout'].default), min: 1 }),
};
export const cpusFlag = Flags.string({ summary: CPUS_OPTION.summary });
