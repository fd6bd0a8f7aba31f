// SPDX-License-Identifier: GPL-2.0-or-later
//
// The flags `akaros trace` and `akaros plot` share for recording /sim/trace live: when to
// stop (Ctrl-C always works), and the virtual times they take as durations.

import { Flags } from '@oclif/core';
import { parseDuration } from '../../lib/duration.js';
import { usage } from './connect.js';

export const recordFlags = {
  records: Flags.integer({ char: 'n', summary: 'Stop after N live records.', min: 1, helpGroup: 'RECORDING' }),
  for: Flags.string({ summary: 'Stop after this much virtual time (10ms, 2s).', helpGroup: 'RECORDING' }),
  until: Flags.string({ summary: 'Stop at this virtual time since boot (a duration: 600ms).', helpGroup: 'RECORDING' }),
  wall: Flags.string({ summary: 'Stop after this much real time (5s).', helpGroup: 'RECORDING' }),
};

/** A duration flag in ns (usage error naming the flag). */
export function durationFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  try {
    return Number(parseDuration(v));
  } catch {
    throw usage(`--${name}: bad duration "${v}" (want e.g. 250us, 10ms, 1.5s)`);
  }
}
