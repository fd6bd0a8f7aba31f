// SPDX-License-Identifier: GPL-2.0-or-later
//
// makeDevices: the kernel devices, wired to one kernel. The one function the server's
// main program and the CLI's `serve` call:
//
//   import { Kernel } from '../kern/index.js';
//   import { makeDevices } from '../devs/index.js';
//   const kernel = new Kernel({ ncores: 16, hostowner: 'glenda' });
//   const devs = makeDevices({ kernel, hostowner: 'glenda' });      // real-time clock, running
//   const nss = createNamespaceServer({ devices: devs.devices, hostowner: 'glenda' });
//   const server = new Server({ ns: nss, hostowner: 'glenda' });
//   ...
//   devs.close();                                                    // stops the clock's timer
//
// Options:
//   kernel      the Kernel (kern/); its config's hostowner should equal `hostowner` (the
//               devices act for the 9P host owner as the kernel's host owner either way)
//   hostowner   Plan 9's eve: owner of the fixed files, the only writer of /core/ctl,
//               /core/N/ctl, /sim/ctl
//   sysname     /dev/sysname (default 'nanwan')
//   realtime    the driver's I/O: { nowReal, setTimer, clearTimer }. Default: Node's
//               process.hrtime.bigint and setTimeout/clearTimeout (unref'd). `false`: no
//               driver at all; only `step` advances the clock (pause/resume/speed: EINVAL)
//   paused      start with the clock paused (default false: virtual time follows real time)
//   seed        the kernel's boot seed, as /sim/ctl reports it (default 1)
//   speed       the clock's speed (default 1)
//   drivers     more device names for /dev/drivers (#srv, #ndb... registered elsewhere)
//   persist     a durable machine's journal (devs/persist): told of every state change
//               the devices make outside Kernel.apply
//   settings    where sysname and the seed live (a durable machine's NodeSettings); the
//               devices read and change that object (sysname/seed/paused/speed above
//               are ignored when it is given)
//
// Returns { devices: [cons, core, mcp, proc, sim, alarm], cons, mcp, core, proc, sim, alarm,
// driver, ctx, close() }. Pass `devices` (plus any others) to createNamespaceServer.
//
// makeNetDevices: the devices of the cluster namespace, which need no kernel:
//
//   const ndb = openDatabase(['/etc/akaros/ndb']);      // serve --ndb FILE...
//   const net = makeNetDevices({ hostowner: 'glenda', ndb, sysname: () => devs.cons.sysname });
//   // net.devices: [srv, net, ndb] -> /srv (posts), /net/cs, /lib/ndb

import { ClockDriver, type Kernel, formatLog } from '../kern/index.js';
import { type ConsDevice, createConsDevice, type KernelLog as ConsLog } from './cons/cons.js';
import type { ConsClock } from './cons/clock.js';
import { createAlarmDevice } from './alarm/alarm.js';
import { createCoreDevice } from './core/core.js';
import { KCtx, type NodeSettings, type Persist } from './kernel/ctx.js';
import { createMcpDevice } from './mcp/mcp.js';
import { createProcDevice } from './proc/proc.js';
import { createSimDevice } from './sim/sim.js';
import type { TableDevice } from './lib/tree.js';
import type { Device } from './types.js';
import { createSrvDevice, type SrvDevice, type SrvLimits } from './srv/srv.js';
import { createNetDevice } from './net/net.js';
import { createNdbDevice } from './ndb/ndb.js';
import type { Ndb } from '../lib/ndblib/index.js';

export { openDatabase } from './ndb/ndb.js';

export interface RealtimeIO {
  nowReal(): bigint;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** a turn after pending I/O with no minimum delay (kern/driver.ts DriverIO.soon) */
  soon?(fn: () => void): void;
}

export interface MakeDevicesOptions {
  kernel: Kernel;
  hostowner: string;
  sysname?: string;
  realtime?: RealtimeIO | false;
  paused?: boolean;
  seed?: number;
  speed?: number;
  drivers?: Iterable<string>;
  persist?: Persist;
  settings?: NodeSettings;
}

export interface KernelDevices {
  /** In boot-namespace order: cons, core, mcp, proc, sim, alarm. */
  devices: Device[];
  cons: ConsDevice;
  core: TableDevice<void>;
  mcp: TableDevice<void>;
  proc: TableDevice<void>;
  sim: TableDevice<void>;
  alarm: TableDevice<void>;
  /** The real-time clock driver (undefined with realtime: false). */
  driver: ClockDriver | undefined;
  ctx: KCtx;
  /** Pauses the clock and drops its timer (the kernel stays as it is). */
  close(): void;
}

/** Node's clock and timers; the timer is unref'd so it never keeps a process alive. */
export function nodeRealtime(): RealtimeIO {
  return {
    nowReal: () => process.hrtime.bigint(),
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    },
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    // setImmediate, not a 0 ms setTimeout (which Node rounds up to 1 ms): the driver polls
    // with it when its next event is due in under a millisecond
    soon: (fn) => { setImmediate(fn).unref?.(); },
  };
}

/** /dev/time from the kernel's virtual clock: ns since boot, ticks, 1 GHz (the kernel's
 *  TSC). The driver is synced first so a running clock reads the present. */
export function kernelClock(k: Kernel, sync: () => void): ConsClock {
  return {
    freq: BigInt(k.timeInfo().freq),
    nowNs: () => { sync(); return BigInt(k.now()); },
    ticks: () => BigInt(k.timeInfo().ticks),
  };
}

/** kern's KernelLog (records with seq, subscribe with the record) as the LogSource #cons
 *  reads /dev/kmesg from; host-owner writes append `user` records. */
export function kernelLogSource(k: Kernel, persist?: Persist): ConsLog {
  const log = k.log;
  return {
    since(cursor: number, max = Infinity) {
      const recs = log.since(cursor, max);
      const next = recs.length ? recs[recs.length - 1].seq + 1 : Math.max(cursor, log.next);
      return { lines: recs.map((r) => `${formatLog(r)}\n`), next: Math.min(next, log.next) };
    },
    end: () => log.next,
    subscribe: (fn: () => void) => log.subscribe(() => fn()),
    get closed() { return false; },
    append: (text: string) => {
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        log.add(k.now(), 'user', line);
        persist?.note('user', line);
      }
    },
  };
}

export function makeDevices(opts: MakeDevicesOptions): KernelDevices {
  const k = opts.kernel;
  const driver = opts.realtime === false ? undefined : new ClockDriver(k.clock, opts.realtime ?? nodeRealtime());
  const persist = opts.persist;
  const set = opts.settings;
  const ctx = new KCtx(k, driver, opts.hostowner, persist);
  const owner = () => opts.hostowner;
  const core = createCoreDevice(ctx, owner);
  const mcp = createMcpDevice(ctx, owner);
  const proc = createProcDevice(ctx, owner);
  const sim = createSimDevice(ctx, owner, set ? { state: set } : { seed: opts.seed });
  const alarm = createAlarmDevice(ctx, owner);
  const names = ['cons', 'core', 'mcp', 'proc', 'sim', 'alarm', ...(opts.drivers ?? [])];
  const cons = createConsDevice({
    hostowner: opts.hostowner,
    sysname: set ? set.sysname : opts.sysname,
    clock: kernelClock(k, () => ctx.sync()),
    log: kernelLogSource(k, persist),
    drivers: () => names,
    onSysname: persist ? (name) => persist.set('sysname', name) : undefined,
  });
  const speed = set ? set.speed : opts.speed;
  if (driver && speed !== undefined && speed !== 1) driver.setSpeed(speed);
  if (driver && !(set ? set.mode === 'paused' : opts.paused)) driver.resume();
  return {
    devices: [cons, core, mcp, proc, sim, alarm],
    cons, core, mcp, proc, sim, alarm, driver, ctx,
    close: () => { driver?.stop(); },
  };
}

export interface NetDevices {
  /** [srv, net, ndb], in boot-namespace order. */
  devices: Device[];
  srv: SrvDevice;
  net: TableDevice<void>;
  ndb: Device;
}

/** #srv, #net (/net/cs) and #ndb (/lib/ndb) over one network database. */
export function makeNetDevices(opts: {
  hostowner: string;
  ndb: Ndb;
  /** This system's name for cs's `$attr` (e.g. () => cons.sysname). */
  sysname?: () => string | undefined;
  srvLimits?: Partial<SrvLimits>;
}): NetDevices {
  const srv = createSrvDevice({ hostowner: opts.hostowner, limits: opts.srvLimits });
  const net = createNetDevice({ hostowner: opts.hostowner, ndb: opts.ndb, sysname: opts.sysname });
  const ndb = createNdbDevice({ hostowner: opts.hostowner, ndb: opts.ndb });
  return { devices: [srv, net, ndb], srv, net, ndb };
}
