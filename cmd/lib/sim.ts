// SPDX-License-Identifier: GPL-2.0-or-later
//
// /sim/status as an object (cmd/schemas/sim-status.json), shared by the sim commands.

import type { Session } from './connect.js';
import { parseKeyed } from './format.js';
import { fmtDuration } from './units.js';

export interface SimStatus {
  mode: 'running' | 'paused';
  /** Virtual ns per real ns. */
  speed: number;
  /** Virtual ns since boot. */
  now: number;
  /** ns the clock driver's last timer ran late. */
  lag: number;
  /** Kernel clock events run so far. */
  events: number;
  /** Virtual time of the next pending kernel event; null if none. */
  next: number | null;
  seed: number;
}

export function parseSim(text: string): SimStatus {
  const k = parseKeyed(text);
  const n = (key: string): number => Number(k[key] ?? 0);
  return {
    mode: k.mode === 'running' ? 'running' : 'paused', speed: n('speed'), now: n('now'), lag: n('lag'),
    events: n('events'), next: k.next === undefined || k.next === '-' || k.next === '' ? null : Number(k.next), seed: n('seed'),
  };
}

export async function readSim(s: Session): Promise<SimStatus> {
  return parseSim(await s.read('/sim/status'));
}

/** For people: times in the common unit style (the file, and --json, have ns). */
export function formatSim(st: SimStatus): string {
  return [
    `mode ${st.mode}`, `speed ${st.speed}`, `now ${fmtDuration(st.now)}`, `lag ${fmtDuration(st.lag)}`,
    `events ${st.events}`, `next ${st.next === null ? '-' : fmtDuration(st.next)}`, `seed ${st.seed}`,
  ].join('\n');
}

/** Write one command to /sim/ctl and read the status back. */
export async function simCtl(s: Session, command: string): Promise<SimStatus> {
  await s.write('/sim/ctl', `${command}\n`, command);
  return readSim(s);
}
