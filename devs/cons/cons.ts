// SPDX-License-Identifier: GPL-2.0-or-later
//
// #cons, bound at /dev: the console device (Plan 9 devcons, Akaros kern/drivers/dev/cons.c)
// reduced to what a 9P-served machine has: time, identity, the kernel log, the session's
// error string and namespace. The table below is the whole device; see cons.md.

import { randomBytes } from 'node:crypto';
import { EINVAL } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import { DETAIL_MAX, clip } from '../../kern/log.js';
import { checkCtlBytes, checkCtlSize } from '../lib/cmd.js';
import {
  type Caller, type DirSpec, type FileSpec, type LogSource, LogReader, MemoryLog, type OpenFile,
  type ReadRequest, type TableDevice, defineDevice, streamFile,
} from '../dev.js';
import { type ConsClock, hrtimeClock } from './clock.js';

export type { ConsClock } from './clock.js';
export { hrtimeClock } from './clock.js';

/** The kernel log as #cons sees it; `append` (if present) takes host-owner writes. */
export interface KernelLog extends LogSource {
  append?(text: string): void;
}

export interface ConsOptions {
  /** The host owner's name (eve). */
  hostowner: string;
  /** Initial system name (default 'nanwan', Akaros's). */
  sysname?: string;
  /** /dev/osversion (default '2000', as Plan 9 and Akaros). */
  osversion?: string;
  clock?: ConsClock;
  /** The kernel log (default: a fresh MemoryLog, reachable as device.log). */
  log?: KernelLog;
  /** Names of the registered devices, for /dev/drivers (without '#'). */
  drivers?: () => Iterable<string>;
  /** Told of each new system name, once it is set (a durable machine journals it). */
  onSysname?: (name: string) => void;
}

export interface ConsDevice extends TableDevice<void> {
  readonly log: KernelLog;
  readonly clock: ConsClock;
  sysname: string;
}

export const Qtime = 1, Qsysname = 2, Qhostowner = 3, Quser = 4, Qdrivers = 5, Qosversion = 6,
  Qnull = 7, Qzero = 8, Qrandom = 9, Qkmesg = 10, Qerrstr = 11, Qns = 12;

const MAXSYSNAME = 255;
const EMPTY = Buffer.alloc(0);

/** One line of a write, without its trailing newline (and CR). */
function oneLine(data: Buffer): string {
  return data.toString('utf8').replace(/\r?\n$/, '');
}

/** A multi-line write (kmesg, ns) is bounded as a ctl write is (devs/lib/cmd.ts). */
function lines(data: Buffer, file: string): string[] {
  checkCtlBytes(data.length, file);
  const text = data.toString('utf8');
  checkCtlSize(text, file);
  return text.split('\n');
}

function byteSource(fill: (n: number) => Buffer): (obj: void, caller: Caller) => OpenFile {
  return () => ({
    read: (req: ReadRequest) => (req.count > 0 ? fill(req.count) : EMPTY),
    write: () => { throw perr(EINVAL); },
  });
}

export function createConsDevice(opts: ConsOptions): ConsDevice {
  const clock = opts.clock ?? hrtimeClock();
  const log: KernelLog = opts.log ?? new MemoryLog();
  const osversion = opts.osversion ?? '2000';
  let sysname = opts.sysname ?? 'nanwan';

  const files: FileSpec<void>[] = [
    {
      name: 'time', kind: Qtime, perm: 0o444,
      read: () => {
        const ns = clock.nowNs();
        const ticks = clock.ticks ? clock.ticks() : (ns * clock.freq) / 1_000_000_000n;
        return `${ns / 1_000_000_000n} ${ns} ${ticks} ${clock.freq}\n`;
      },
    },
    {
      name: 'sysname', kind: Qsysname, perm: 0o664,
      read: () => `${sysname}\n`,
      write: (_o, _caller, data, offset) => {
        if (offset !== 0n) throw perr(EINVAL, `sysname: write at offset ${offset}`);
        const s = oneLine(data);
        if (s === '' || s.includes('\n') || Buffer.byteLength(s) > MAXSYSNAME) {
          throw perr(EINVAL, `bad sysname "${s.slice(0, 40)}"`);
        }
        sysname = s;
        opts.onSysname?.(s);
        return data.length;
      },
    },
    { name: 'hostowner', kind: Qhostowner, perm: 0o444, read: () => `${opts.hostowner}\n` },
    { name: 'user', kind: Quser, perm: 0o444, read: (_o, caller) => `${caller.user}\n` },
    {
      name: 'drivers', kind: Qdrivers, perm: 0o444,
      read: () => [...(opts.drivers?.() ?? ['cons'])].map((n) => `#${n}\n`).join(''),
    },
    { name: 'osversion', kind: Qosversion, perm: 0o444, read: () => `${osversion}\n` },
    { name: 'null', kind: Qnull, perm: 0o666, read: () => EMPTY, write: (_o, _c, data) => data.length },
    { name: 'zero', kind: Qzero, perm: 0o444, readOnly: true, open: byteSource((n) => Buffer.alloc(n)) },
    { name: 'random', kind: Qrandom, perm: 0o444, readOnly: true, open: byteSource((n) => randomBytes(n)) },
    {
      name: 'kmesg', kind: Qkmesg, perm: 0o644,
      open: () => streamFile(new LogReader(log, 'start'), log.append ? (data) => {
        lines(data, 'kmesg');
        log.append!(data.toString('utf8'));
        return data.length;
      } : undefined),
    },
    {
      name: 'errstr', kind: Qerrstr, perm: 0o666,
      read: (_o, caller) => (caller.session.errstr ? `${caller.session.errstr}\n` : ''),
      write: (_o, caller, data) => {
        // Stored as the kernel stores an error detail: one line, DETAIL_MAX bytes at most.
        caller.session.errstr = clip(oneLine(data.subarray(0, DETAIL_MAX * 4)), DETAIL_MAX);
        return data.length;
      },
    },
    {
      name: 'ns', kind: Qns, perm: 0o666,
      read: (_o, caller) => caller.session.ns.text(),
      write: (_o, caller, data) => {
        // One bind/mount/unmount per line, in order; the first bad line fails the write.
        // A mount of a 9P server dials first: the lines after it wait for it.
        const todo = lines(data, 'ns').filter((l) => l.trim() !== '');
        const run = (i: number): number | Promise<number> => {
          for (; i < todo.length; i++) {
            const r = caller.session.ns.apply(todo[i], caller);
            if (r) return r.then(() => run(i + 1));
          }
          return data.length;
        };
        return run(0);
      },
    },
  ];
  const root: DirSpec<void> = { files };
  const dev = defineDevice<void>({ name: 'cons', hostowner: opts.hostowner, root });
  Object.defineProperties(dev, {
    log: { value: log, enumerable: true },
    clock: { value: clock, enumerable: true },
    sysname: { get: () => sysname, set: (s: string) => { sysname = s; }, enumerable: true },
  });
  return dev as ConsDevice;
}
