// SPDX-License-Identifier: GPL-2.0-or-later
//
// Colour for people at a terminal: only when stdout is a TTY and NO_COLOR is unset or
// empty (no-color.org). Owners get distinct background colours by their rank among the
// owners on screen, not by pid, so two owners side by side never share one (up to
// PALETTE.length owners; more than that wrap around).

/** Backgrounds with black text: green, blue, magenta, yellow, cyan, red, then bright. */
export const PALETTE = [42, 44, 45, 43, 46, 41, 102, 104, 105, 103, 106, 101];

export function colorWanted(stream: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function paint(on: boolean, code: string | number, s: string): string {
  return on ? `\x1b[${code}m${s}\x1b[0m` : s;
}

/** pid -> SGR code for the owners given (ascending pid gets the palette in order). */
export function ownerColors(pids: Iterable<number>): Map<number, string> {
  const sorted = [...new Set(pids)].sort((a, b) => a - b);
  return new Map(sorted.map((p, i) => [p, `30;${PALETTE[i % PALETTE.length]}`]));
}

/** Foreground for a process state (Akaros's eight). */
export function stateColor(state: string): string | undefined {
  if (state.startsWith('RUNNING')) return '32';
  if (state.startsWith('RUNNABLE')) return '36';
  if (state === 'WAITING') return '33';
  if (state.startsWith('DYING')) return '31';
  if (state === 'CREATED') return '2';
  return undefined;
}

/** Visible width of a string that may hold SGR escapes. */
export function visible(s: string): number {
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
