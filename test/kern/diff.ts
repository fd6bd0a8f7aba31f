// SPDX-License-Identifier: GPL-2.0-or-later
//
// Images in a form tests can compare and read: `plain` turns the shaped encoding
// (kern/image.ts) into keyed objects; `firstDiff` names the first place two differ.

type Enc = unknown;
interface Shaped { shapes: [string, string[]][]; state: Enc }

/** The image with every shaped object as {$: tag, ...fields}. */
export function plain(img: Shaped): Record<string, unknown> {
  const walk = (e: Enc): unknown => {
    if (e === null || typeof e !== 'object' || e instanceof Uint8Array) return e;
    if (Array.isArray(e)) return e.map(walk);
    const o = e as Record<string, unknown>;
    if (typeof o.$ === 'number') {
      const [tag, keys] = img.shapes[o.$];
      const out: Record<string, unknown> = { $: tag };
      keys.forEach((k, i) => { out[k] = walk((o.v as Enc[])[i]); });
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = walk(v);
    return out;
  };
  return walk(img.state) as Record<string, unknown>;
}

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
 * A plain image (above) with every pristine mailbox (empty, never posted to) as none.
 * Opening /mcp/N/events creates the mailbox, a read that journals nothing: a live kernel
 * may have such a mailbox where its replay has none, and the two behave the same.
 */
export function canonical(state: Record<string, unknown>): Record<string, unknown> {
  const procs = (state.procs as { e: unknown[] }).e;
  for (let i = 1; i < procs.length; i += 2) {
    const p = procs[i] as { mbox: Record<string, unknown> | null };
    const m = p.mbox;
    if (m && (m.ucq as unknown[]).length === 0 && m.ucqHead === 0 && m.nbits === 0 && (m.ceqRing as unknown[]).length === 0
      && (m.bits as unknown[]).length === 0 && (m.ceq as unknown[]).length === 0) p.mbox = null;
  }
  return state;
}
