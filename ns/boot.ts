// SPDX-License-Identifier: GPL-2.0-or-later
//
// The default boot namespace (namespace.md, "The tree at attach"). Each line belongs to
// a device and appears only when that device is registered, so #core, #mcp... show up by
// themselves once they exist. /n is always there (ns/server.ts makes it).

import type { Device } from '../devs/types.js';

/** Device name -> its line in the default boot namespace, in this order. */
export const DEFAULT_BINDS: ReadonlyArray<readonly [string, string]> = [
  ['cons', 'bind #cons /dev'],
  ['core', 'bind #core /core'],
  ['mcp', 'bind #mcp /mcp'],
  ['proc', 'bind #proc /proc'],
  ['sim', 'bind #sim /sim'],
  ['alarm', 'bind #alarm /alarm'],
  ['srv', 'bind -c #srv /srv'],
  ['net', 'bind #net /net'],
  ['ndb', 'bind #ndb /lib/ndb'],
];

/** Directories of the root that exist even with nothing bound onto them. */
export const DEFAULT_ROOT_DIRS: readonly string[] = ['/n'];

/** The full default boot namespace, every device included. */
export const DEFAULT_BOOT_NS = bootText(DEFAULT_BINDS.map(([, l]) => l));

/** The default boot namespace for these devices (or device names). */
export function defaultBootNs(devices: Iterable<Device | string>): string {
  const names = new Set([...devices].map((d) => (typeof d === 'string' ? d : d.name)));
  return bootText(DEFAULT_BINDS.filter(([n]) => names.has(n)).map(([, l]) => l));
}

function bootText(lines: string[]): string {
  return `# boot namespace (namespace(6) syntax)\n${lines.join('\n')}\n`;
}
