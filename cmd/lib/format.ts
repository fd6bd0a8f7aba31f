// SPDX-License-Identifier: GPL-2.0-or-later
//
// Text in and out: the flat-keyed and column formats the devices read as, core lists,
// and aligned tables for human output (numbers right-aligned, no colour).

import { usage } from './connect.js';
import { parseKeyed as parseKeyedMap } from '../../lib/keyed.js';

/** `key value` lines -> object (values kept as text; the rest of the line is the value). */
export function parseKeyed(text: string): Record<string, string> {
  return Object.fromEntries(parseKeyedMap(text));
}

/** A header line then rows of whitespace-separated fields -> objects keyed by the header. */
export function parseColumns(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const head = lines[0].trim().split(/\s+/);
  return lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return Object.fromEntries(head.map((h, i) => [h, f[i] ?? '']));
  });
}

/** A Linux cpulist ("1,3-5") -> sorted numbers. */
export { cpulistParse as parseCpulist, cpulistFmt as formatCpulist } from '../../lib/cpulist.js';

/** A non-negative integer argument, or a usage error naming it. */
export function uint(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw usage(`${what}: bad number "${s}"`);
  return Number(s);
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Aligned columns: header first, numeric columns right-aligned, two spaces apart.
 *  `color(row, col)` gives an SGR code for a cell (row -1 is the header); the padding is
 *  done on the plain text, so columns stay aligned. */
export function table(header: string[], rows: Array<Array<string | number>>,
  color?: (row: number, col: number) => string | undefined): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_h, i) => cells.some((r) => NUMERIC.test(r[i] ?? '')) &&
    cells.every((r) => NUMERIC.test(r[i] ?? '') || r[i] === '-'));
  const line = (r: string[], ri: number): string =>
    r.map((c, i) => {
      const padded = i === r.length - 1 && !numeric[i] ? c : numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i]);
      const code = color?.(ri, i);
      return code ? `\x1b[${code}m${padded}\x1b[0m` : padded;
    }).join('  ').trimEnd();
  return [line(header, -1), ...cells.map(line)].join('\n') + '\n';
}
