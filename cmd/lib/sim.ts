// SPDX-License-Identifier: GPL-2.0-or-later
//
// /sim/status as an object, shared by the sim commands.

import type { Session } from './connect.js';
import { parseKeyed } from './format.js';

export interface SimStatus {
  mode: string;
  speed: number;
  now: number;
  lag: number;
  events: number;
  [key: string]: string | number;
}

export async function readSim(s: Session): Promise<SimStatus> {
  const k = parseKeyed(await s.read('/sim/status'));
  const out: Record<string, string | number> = {};
  for (const [key, v] of Object.entries(k)) out[key] = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) ? Number(v) : v;
  return out as SimStatus;
}

export function formatSim(st: SimStatus): string {
  return Object.entries(st).map(([k, v]) => `${k} ${v}`).join('\n');
}

/** Write one command to /sim/ctl and read the status back. */
export async function simCtl(s: Session, command: string): Promise<SimStatus> {
  await s.write('/sim/ctl', `${command}\n`, command);
  return readSim(s);
}
