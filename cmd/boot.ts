// SPDX-License-Identifier: GPL-2.0-or-later
//
// Boot the machine: a kernel, its devices, the boot namespace and the 9P server on its
// listeners. `akaros serve` (and so `npm start`) comes through here, as do the tests
// that want the whole stack on a loopback port.

import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Kernel, type KernelConfig } from '../kern/index.js';
import { makeDevices } from '../devs/index.js';
import { openMachine, type DurableMachine, type OpenOptions } from '../devs/persist/open.js';
import type { NodeSettings } from '../devs/kernel/ctx.js';
import type { FsLayer } from '../lib/wal/index.js';
import { cpulistParse, parseDuration } from '../devs/dev.js';
import { createNamespaceServer } from '../ns/server.js';
import { Server } from '../srv/server.js';
import { parseDialString } from '../lib/iplib/dial.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';

export const DEFAULT_LISTEN = 'tcp!127.0.0.1!5640';
/** The default grace: long enough for a 2LS to hand a core back (CoreArbiter uses 10 ms). */
export const DEFAULT_GRACE = '10ms';

/** Where `akaros serve` keeps its state unless told otherwise: $XDG_STATE_HOME/akaros,
 *  else ~/.local/state/akaros (the XDG base directory rule for state). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const x = env.XDG_STATE_HOME;
  return x && x.startsWith('/') ? join(x, 'akaros') : join(homedir(), '.local', 'state', 'akaros');
}

export interface BootOptions {
  cores?: number;
  /** LL (management) cores as a cpulist, e.g. "0" (the default) or "0,8". */
  llCores?: number[] | string;
  /** "sockets=2,numa=2,ht" (every key optional). */
  topology?: string;
  policy?: 'fcfs' | 'packed';
  grace?: string;
  tick?: string;
  hostowner?: string;
  listen?: string[];
  paused?: boolean;
  seed?: number;
  /** A namespace(6) file replacing the default boot namespace. */
  namespace?: string;
  sysname?: string;
  /** A state directory: the machine is recovered from it and every change is journaled
   *  there before it is acknowledged. Without it the machine is ephemeral. */
  state?: string;
  /** Keep the longest valid prefix of a damaged state instead of refusing to start. */
  recover?: boolean;
  /** Discard any saved state first. */
  fresh?: boolean;
  /** Tests: the state's file-system layer and lib/wal tuning. */
  stateFs?: FsLayer;
  stateStore?: OpenOptions['store'];
  /** Where the state's messages go (default stderr). */
  log?: (line: string) => void;
}

export interface Booted {
  kernel: Kernel;
  server: Server;
  /** The dial strings actually listened on (port 0 resolved). */
  addresses: string[];
  hostowner: string;
  /** The durable state, when booted with one. */
  state?: DurableMachine;
  /** How to mount each listener with Linux v9fs and plan9port's 9pfuse. */
  mountHints(): string[];
  close(): Promise<void>;
}

export function parseTopology(s: string): { sockets?: number; numa?: number; ht?: boolean } {
  const topo: { sockets?: number; numa?: number; ht?: boolean } = {};
  for (const part of s.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k === 'ht' && v === undefined) topo.ht = true;
    else if ((k === 'sockets' || k === 'numa') && v !== undefined && /^\d+$/.test(v) && Number(v) > 0) topo[k] = Number(v);
    else throw perr(EINVAL, `topology "${s}": expected sockets=N,numa=N,ht`);
  }
  return topo;
}

/** The settings flags a saved state overrides (named when a restart ignores them). */
const SETTINGS_FLAGS: [keyof BootOptions, string][] = [['policy', '--policy'], ['grace', '--grace'], ['tick', '--tick'],
  ['seed', '--seed'], ['sysname', '--sysname']];

export async function boot(opts: BootOptions = {}): Promise<Booted> {
  const ncores = opts.cores ?? 16;
  const ll = typeof opts.llCores === 'string' ? cpulistParse(opts.llCores, ncores - 1) : opts.llCores;
  const topology = opts.topology ? parseTopology(opts.topology) : undefined;
  const config: KernelConfig = {
    ncores,
    llCores: ll,
    topology,
    policy: opts.policy ?? 'fcfs',
    graceNs: Number(parseDuration(opts.grace ?? DEFAULT_GRACE)),
    tickNs: opts.tick ? Number(parseDuration(opts.tick)) : undefined,
    seed: opts.seed ?? 1,
    hostowner: opts.hostowner ?? userInfo().username,
  };
  const log = opts.log ?? ((line: string) => { process.stderr.write(`akaros: ${line}\n`); });
  let dm: DurableMachine | undefined;
  let kernel: Kernel;
  if (opts.state) {
    const settings: NodeSettings = { sysname: opts.sysname ?? 'nanwan', mode: opts.paused ? 'paused' : 'running', speed: 1, seed: opts.seed ?? 1 };
    dm = await openMachine(opts.state, {
      config, settings, recover: opts.recover, fresh: opts.fresh, fs: opts.stateFs, store: opts.stateStore, log,
      shape: { ncores: opts.cores, llCores: ll, topology, hostowner: opts.hostowner },
    });
    kernel = dm.kernel;
    for (const l of dm.lines) log(`state ${l}`);
    if (!dm.created) {
      const ignored = SETTINGS_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
      if (ignored.length) log(`state ${opts.state}: the saved machine's settings win over ${ignored.join(' ')} (change them through /core/ctl and /sim/ctl)`);
      // --paused on a restart: come back paused whatever the state says
      if (opts.paused && dm.settings.mode !== 'paused') dm.journal.set('mode', 'paused');
    }
  } else {
    kernel = new Kernel(config);
  }
  const hostowner = kernel.config.hostowner;
  const devs = makeDevices(dm
    ? { kernel, hostowner, persist: dm.journal, settings: dm.settings }
    : { kernel, hostowner, sysname: opts.sysname, paused: opts.paused, seed: opts.seed ?? 1 });
  const devices = dm ? dm.attach(devs) : devs.devices;
  let ns: ReturnType<typeof createNamespaceServer>;
  try {
    ns = createNamespaceServer({
      devices,
      hostowner,
      bootNs: opts.namespace ? readFileSync(opts.namespace, 'utf8') : undefined,
    });
  } catch (e) {
    devs.close();
    await dm?.close();
    throw e;
  }
  const server = new Server({ ns, hostowner });
  const addresses: string[] = [];
  try {
    for (const l of opts.listen?.length ? opts.listen : [DEFAULT_LISTEN]) {
      addresses.push((await server.listen(l)).address);
    }
  } catch (e) {
    await server.close();
    devs.close();
    await dm?.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    kernel,
    server,
    addresses,
    hostowner,
    state: dm,
    mountHints: () => addresses.flatMap(mountHint),
    // Connections first (their last changes are journaled), then the clock stops where it
    // is, then the final snapshot.
    close: () => (closing ??= (async () => {
      await server.close();
      devs.close();
      await dm?.close();
    })()),
  };
}

function mountHint(addr: string): string[] {
  const d = parseDialString(addr);
  if (d.net === 'unix') {
    return [`mount -t 9p -o trans=unix,version=9p2000.L,cache=none ${d.host} /mnt/akaros`];
  }
  const host = d.host === '*' ? '127.0.0.1' : d.host;
  return [
    `mount -t 9p -o trans=tcp,port=${d.port},version=9p2000.L,cache=none ${host} /mnt/akaros`,
    `9pfuse 'tcp!${host}!${d.port}' /mnt/akaros`,
  ];
}
