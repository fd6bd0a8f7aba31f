// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the namespace's `mount` needs for 9P servers: telling a dial string from a device
// or a file, making /n/NAME on demand, reading a #srv post, unmounting by dial string.

import { OREAD } from '../lib/9p/const.js';
import { EINVAL, EISDIR, ENOSPC } from '../lib/9p/errno.js';
import { perr } from '../lib/9p/error.js';
import { parseDialString } from '../lib/iplib/dial.js';
import type { Caller } from '../devs/types.js';
import type { NsChan } from './chan.js';
import type { MountTable } from './mount.js';
import type { RootDir } from './root.js';

/** The longest dial string a mount or a #srv post takes (cs's own query bound). */
export const MAX_DIAL = 1024;
/** Directories /n may grow at run time (mounts on /n/NAME made on demand, like mntgen;
 *  they stay, empty, for everyone: the root tree is shared). */
export const MAX_MOUNT_POINTS = 256;

/** A dial string (`tcp!node2!akaros`, `unix!/path`) rather than `#dev` or a path. */
export function isDialSource(s: string): boolean {
  return !s.startsWith('#') && !s.startsWith('/') && s.includes('!');
}

/** EINVAL unless `s` is a dial string we could dial. */
export function checkDial(s: string): void {
  if (Buffer.byteLength(s) > MAX_DIAL) throw perr(EINVAL, `dial string longer than ${MAX_DIAL} bytes`);
  // tls!host!service: tcp, then TLS (remotedial.ts).
  parseDialString(s.startsWith('tls!') ? `tcp!${s.slice(4)}` : s, { net: 'tcp', service: '5640' });
}

/** A mount on /n/NAME makes NAME when it is not there (at most MAX_MOUNT_POINTS). */
export function makeMountPoint(root: RootDir, old: string): void {
  const m = /^\/n\/([^/]+)\/?$/.exec(old);
  if (!m || /[\x00-\x1f\x7f]/.test(m[1]) || m[1] === '.' || m[1] === '..' || Buffer.byteLength(m[1]) > 255) return;
  const n = root.walk(undefined as never, 'n') as RootDir | undefined;
  if (!n || n.walk(undefined as never, m[1])) return;
  if (n.children().length >= MAX_MOUNT_POINTS) throw perr(ENOSPC, `/n holds ${MAX_MOUNT_POINTS} mount points already`);
  n.mkdir(m[1]);
}

/** The dial string posted in a file (a #srv entry, or any file holding one): its first
 *  line. Read without waiting, so a blocking file cannot hold the mount. */
export async function readDialString(lookup: (path: string) => NsChan | Promise<NsChan>, caller: Caller, path: string): Promise<string> {
  const c = await lookup(path);
  if (c.isDir()) throw perr(EISDIR, `mount ${path}: a directory holds no dial string`);
  const f = await c.open(caller, OREAD);
  let b: Buffer;
  try {
    b = await f.read({ offset: 0n, count: MAX_DIAL + 1, signal: new AbortController().signal, noblock: true });
  } finally {
    f.close?.();
  }
  const dial = b.toString('utf8').split('\n')[0].trim();
  if (dial === '') throw perr(EINVAL, `mount ${path}: nothing posted there`);
  checkDial(dial);
  return dial;
}

/** For `unmount DIALSTRING old`: the root qid path of that mount at `key`, or a path no
 *  member has (so nothing is unmounted). */
export function remoteUnmountKey(table: MountTable, key: bigint, dial: string): bigint {
  const h = table.get(key);
  const m = h?.mounts.find((x) => x.op === 'mount' && x.src === dial);
  return m?.nodes[0]?.qid.path ?? -1n;
}
