// SPDX-License-Identifier: GPL-2.0-or-later
//
// The first place two decoded images differ, for failure messages.

export function firstDiff(a: unknown, b: unknown, path = ''): string | null {
  if (a === b) return null;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0 ? null : `${path}: bytes differ`;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const d = firstDiff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (d) return d;
  }
  return null;
}

/**
 * A decoded image with every pristine mailbox (empty, never posted to) as none. Opening
 * /mcp/N/events creates the mailbox, a read that journals nothing: a live kernel may
 * have such a mailbox where its replay has none, and the two behave the same.
 */
export function canonical(img: { state: Record<string, unknown> }): typeof img {
  const procs = (img.state.procs as { e: unknown[] }).e;
  for (let i = 1; i < procs.length; i += 2) {
    const p = procs[i] as { mbox: Record<string, unknown> | null };
    const m = p.mbox;
    if (m && (m.ucq as unknown[]).length === 0 && m.ucqHead === 0 && m.nbits === 0 && (m.ceqRing as unknown[]).length === 0
      && (m.bits as unknown[]).length === 0 && (m.ceq as unknown[]).length === 0) p.mbox = null;
  }
  return img;
}
