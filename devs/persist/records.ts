// SPDX-License-Identifier: GPL-2.0-or-later
//
// The journal's records and the snapshot's shape, and how a record is replayed. A record
// is a short array, msgpack-encoded by lib/wal: its kind, then (for every kind but the
// boot record) the virtual time t and the clock's count of events run e at the moment of
// the change, then its payload. Replaying a record first moves the clock exactly as the
// live run did (Clock.replayTo(t, e): the same events, in the same order, however the live
// clock got there: driver timers, syncs before reads, steps), then makes the change.
//
//   ['b', config, settings]         boot: a fresh state's kernel config and settings (seq 0)
//   ['c', t, e, cmd]                a kernel command that was applied
//   ['x', t, e, cmd]                a kernel command that was refused (its lasterr and log)
//   ['l', t, e, pid, detail]        Kernel.setLasterr (a device's parse error)
//   ['k', t, e, pid]                one event taken from pid's mailbox (an events read)
//   ['n', t, e, kind, text]         a log line a device or the journal added
//   ['t', t, e]                     the clock moved (a driver step, a clean stop)
//   ['d', t, e, key, value]         a machine setting (sysname, mode, speed, seed)

import { perr } from '../../lib/9p/error.js';
import { EINVAL } from '../../lib/9p/errno.js';
import { type Command, type KImage, type KernelConfig, KernelError } from '../../kern/index.js';
import type { Kernel } from '../../kern/index.js';
import type { NodeSettings } from '../kernel/ctx.js';

export type Rec =
  | ['b', KernelConfig, NodeSettings]
  | ['c' | 'x', number, number, Command]
  | ['l', number, number, number, string]
  | ['k', number, number, number]
  | ['n', number, number, string, string]
  | ['t', number, number]
  | ['d', number, number, keyof NodeSettings, string | number];

/** Bumped when a snapshot's shape changes meaning. */
export const SNAPSHOT_VERSION = 1;

/** What a snapshot file holds: the whole machine after the records it covers. */
export interface Snapshot {
  v: number;
  config: KernelConfig;
  settings: NodeSettings;
  kernel: KImage;
}

/** The kernel and settings a record changes. */
export interface Machine {
  k: Kernel;
  settings: NodeSettings;
}

const SETTINGS: Record<keyof NodeSettings, (v: unknown) => boolean> = {
  sysname: (v) => typeof v === 'string' && v !== '',
  mode: (v) => v === 'paused' || v === 'running',
  speed: (v) => typeof v === 'number' && v > 0 && Number.isFinite(v),
  seed: (v) => Number.isInteger(v),
};

export function validSettings(x: unknown): x is NodeSettings {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return (Object.keys(SETTINGS) as (keyof NodeSettings)[]).every((key) => SETTINGS[key](o[key]));
}

export function checkSnapshot(x: unknown): Snapshot {
  const s = x as Snapshot;
  if (!s || typeof s !== 'object' || s.v !== SNAPSHOT_VERSION) {
    throw perr(EINVAL, `snapshot version ${(s as { v?: unknown })?.v}: this akaros reads version ${SNAPSHOT_VERSION}`);
  }
  if (!s.config || typeof s.config !== 'object' || !validSettings(s.settings) || !s.kernel) throw perr(EINVAL, 'snapshot: missing config, settings or kernel');
  return s;
}

function isNum(x: unknown): x is number { return typeof x === 'number' && Number.isFinite(x); }

/**
 * Replay one record on the machine (the kernel's recorder must be off). Throws a plain
 * Error saying how the replay departs from the record: the caller names the seq.
 */
export function replayRecord(m: Machine, r: unknown): void {
  if (!Array.isArray(r) || typeof r[0] !== 'string') throw new Error('not a record');
  const kind = r[0];
  if (kind === 'b') throw new Error('a boot record after the start of the journal');
  const [, t, e] = r as [string, unknown, unknown];
  if (!isNum(t) || !Number.isInteger(e)) throw new Error(`record ${kind}: bad time ${String(t)}/${String(e)}`);
  const k = m.k;
  k.clock.replayTo(t, e as number);
  switch (kind) {
    case 'c': {
      k.apply(r[3] as Command);
      return;
    }
    case 'x': {
      try {
        k.apply(r[3] as Command);
      } catch (err) {
        if (err instanceof KernelError) return;
        throw err;
      }
      throw new Error(`command ${JSON.stringify(r[3])} was refused when it was made, and succeeds now`);
    }
    case 'l': k.setLasterr(r[3] as number, String(r[4])); return;
    case 'k': {
      const pid = r[3] as number;
      if (!k.has(pid) || k.mailbox(pid).take(1).length !== 1) throw new Error(`take from ${pid}'s mailbox: nothing to take`);
      return;
    }
    case 'n': k.log.add(k.now(), String(r[3]), String(r[4])); return;
    case 't': return;
    case 'd': {
      const key = r[3] as keyof NodeSettings;
      if (!Object.hasOwn(SETTINGS, key) || !SETTINGS[key](r[4])) throw new Error(`setting ${String(key)} ${String(r[4])}`);
      (m.settings as unknown as Record<string, unknown>)[key] = r[4];
      return;
    }
    default: throw new Error(`unknown record kind "${kind}" (written by a newer akaros?)`);
  }
}
