// SPDX-License-Identifier: GPL-2.0-or-later
//
// /sim/trace lines back into records: `T KIND key=value...`, values quoted as tokenize(2)
// reads them (sim.md has the format). A line that is not a record is an error naming it,
// so a truncated or foreign file is not silently half-read.

import { tokenize } from '../../lib/iplib/tokenize.js';
import { usage } from './connect.js';

export type TraceField = number | string;

export interface TraceRec {
  /** virtual ns */
  t: number;
  kind: string;
  /** fields by name; a value that is an integer is a number */
  f: Record<string, TraceField>;
}

const INT = /^-?\d+$/;

/** One line (without its newline); undefined for a blank line. */
export function parseTraceLine(line: string): TraceRec | undefined {
  if (line.trim() === '') return undefined;
  const tok = tokenize(line);
  if (tok.length < 2 || !INT.test(tok[0]) || !/^[a-z_-]+$/.test(tok[1])) throw usage(`trace: not a trace record: "${line.slice(0, 80)}"`);
  const f: Record<string, TraceField> = {};
  for (const kv of tok.slice(2)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw usage(`trace: bad field "${kv}" in "${line.slice(0, 80)}"`);
    const v = kv.slice(i + 1);
    f[kv.slice(0, i)] = INT.test(v) ? Number(v) : v;
  }
  return { t: Number(tok[0]), kind: tok[1], f };
}

export function parseTrace(text: string): TraceRec[] {
  const out: TraceRec[] = [];
  for (const l of text.split('\n')) {
    const r = parseTraceLine(l);
    if (r) out.push(r);
  }
  return out;
}

/** A numeric field (0 when absent or not a number). */
export function num(r: TraceRec, k: string): number {
  const v = r.f[k];
  return typeof v === 'number' ? v : 0;
}

/** A field as text ('' when absent). */
export function str(r: TraceRec, k: string): string {
  const v = r.f[k];
  return v === undefined ? '' : String(v);
}

/** Splits a byte stream into whole lines, keeping a partial last line for the next chunk. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts;
  }
  /** What is left that no newline ended. */
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r === '' ? [] : [r];
  }
}
