// SPDX-License-Identifier: LGPL-2.1-or-later
//
// One writer per state directory: a LOCK file created with O_EXCL holding "pid boot-id".
// A lock is stale, and taken over, when its process is gone, when it was written before
// the last boot (the boot id differs), or when it names this very process but this
// process does not hold it (a restarted container is often pid 1 again).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EBUSY } from '../9p/errno.js';
import { ioError, sysCode, WalError } from './errors.js';
import { readWhole, writeAll, type FsLayer } from './fs.js';

export const LOCK_NAME = 'LOCK';

/** Lock paths this process holds. */
const held = new Set<string>();

let bootId: Promise<string> | undefined;
function ourBootId(): Promise<string> {
  // Not every system has it (it is Linux's); without it only the pid check applies.
  bootId ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((s) => s.trim(), () => '');
  return bootId;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return sysCode(e) === 'EPERM';   // it exists, under another user
  }
}

export interface Lock { release(): Promise<void> }

export async function lockDir(fsl: FsLayer, dir: string): Promise<Lock> {
  const path = join(dir, LOCK_NAME);
  const boot = await ourBootId();
  if (held.has(path)) throw new WalError(EBUSY, `${dir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = await fsl.open(path, 'wx');
    } catch (e) {
      if (sysCode(e) !== 'EEXIST') throw ioError(e, `create ${path}`);
      const text = (await readWhole(fsl, path).catch((err: unknown) => {
        if (sysCode(err) === 'ENOENT') return Buffer.alloc(0);   // released meanwhile: try again
        throw ioError(err, `read ${path}`);
      })).toString('utf8');
      const [pidText, lockBoot] = text.trim().split(/\s+/);
      const pid = Number(pidText);
      const stale = !Number.isSafeInteger(pid) || pid <= 0
        || (boot !== '' && lockBoot !== undefined && lockBoot !== boot)
        || pid === process.pid || !alive(pid);
      if (!stale) throw new WalError(EBUSY, `${dir} is in use by process ${pid} (${path})`);
      await fsl.unlink(path).catch((err: unknown) => {
        if (sysCode(err) !== 'ENOENT') throw ioError(err, `remove stale ${path}`);
      });
      continue;
    }
    try {
      await writeAll(fsl, fd, Buffer.from(`${process.pid} ${boot}\n`), 0);
    } finally {
      await fsl.close(fd);
    }
    held.add(path);
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        held.delete(path);
        await fsl.unlink(path).catch((err: unknown) => {
          if (sysCode(err) !== 'ENOENT') throw ioError(err, `remove ${path}`);
        });
      },
    };
  }
  throw new WalError(EBUSY, `${dir}: could not take the lock ${path} (another process took it first)`);
}
