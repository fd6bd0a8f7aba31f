// SPDX-License-Identifier: GPL-2.0-or-later
import { Command, Errors, Flags } from '@oclif/core';
import { boot, defaultStateDir, DEFAULT_GRACE, DEFAULT_LISTEN, type BootOptions } from '../boot.js';
import { P9Error } from '../../lib/9p/error.js';

export interface ServeResult {
  addresses: string[];
  mount: string[];
}

export default class Serve extends Command {
  static override summary = 'Boot the simulated Akaros machine and serve its namespace over 9P.';
  static override description = `Runs the kernel in this process: a manycore machine (--cores, --ll, --topology), its allocator (--policy, --grace, --tick) and the simulation clock (--paused, --seed), with the devices of namespace.md (/dev /core /mcp /proc /sim) served as 9P2000, 9P2000.u and 9P2000.L on every --listen dial string. Prints where it listens and how to mount it, then serves until SIGINT or SIGTERM, when it closes every connection, writes a final snapshot and exits 0.

The machine's state (processes, provisioning, settings, the kernel log, virtual time) is kept in --state DIR (default ${defaultStateDir()}, i.e. $XDG_STATE_HOME/akaros or ~/.local/state/akaros): every change is on disk before it is acknowledged, and a restart, even after kill -9, comes back where it was. A saved state fixes the machine: --cores, --ll, --topology and --hostowner must then agree with it (or be left out), and its settings win over --policy, --grace, --tick, --seed and --sysname. --fresh discards it; --ephemeral keeps nothing.`;
  static override examples = [
    { description: 'Serve on the default address (tcp!127.0.0.1!5640)', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'A paused 32-core machine on TCP and a unix socket',
      command: '<%= config.bin %> <%= command.id %> --cores 32 --paused --listen tcp!*!5640 --listen unix!/tmp/akaros.sock',
    },
    { description: 'Two LL cores, packed allocation, Akaros\'s immediate preemption', command: '<%= config.bin %> <%= command.id %> --ll 0,8 --policy packed --grace 0' },
    { description: 'Keep the state in a directory of your choice; start it over', command: '<%= config.bin %> <%= command.id %> --state /var/lib/akaros --fresh' },
    { description: 'A throw-away machine (nothing written to disk)', command: '<%= config.bin %> <%= command.id %> --ephemeral' },
  ];
  static override flags = {
    listen: Flags.string({ char: 'l', multiple: true, summary: `Dial string to serve on, repeatable (default ${DEFAULT_LISTEN}).` }),
    cores: Flags.integer({ char: 'c', summary: 'Number of pcores (default 16).', min: 1 }),
    ll: Flags.string({ summary: 'LL (low-latency, never provisioned) cores as a cpulist (default 0).' }),
    topology: Flags.string({ summary: 'sockets=N,numa=N,ht' }),
    policy: Flags.string({ summary: 'Core allocation policy (default fcfs).', options: ['fcfs', 'packed'] }),
    grace: Flags.string({ summary: `Preemption grace period (0 = Akaros's immediate preemption; default ${DEFAULT_GRACE}).` }),
    tick: Flags.string({ summary: 'ksched tick (default 10ms).' }),
    hostowner: Flags.string({ summary: 'The host owner (default: the user running the server).' }),
    paused: Flags.boolean({ summary: 'Start with the clock paused (advance with: akaros sim step 1ms).' }),
    seed: Flags.integer({ summary: 'PRNG seed (default 1).' }),
    namespace: Flags.file({ summary: 'Boot namespace file (namespace(6) syntax) replacing the default.', exists: true }),
    sysname: Flags.string({ summary: '/dev/sysname.' }),
    state: Flags.string({ summary: `State directory (default ${defaultStateDir()}).`, exclusive: ['ephemeral'] }),
    ephemeral: Flags.boolean({ summary: 'Keep no state: nothing is read or written on disk.', exclusive: ['state', 'fresh', 'recover'] }),
    fresh: Flags.boolean({ summary: 'Discard the saved state and start a new machine.' }),
    'snapshot-records': Flags.integer({ summary: 'Snapshot the state every N journal records (default 100000).', min: 1 }),
    recover: Flags.boolean({ summary: 'Start from the longest valid part of a damaged state (and say what was dropped) instead of refusing.' }),
  };

  async run(): Promise<ServeResult> {
    const { flags } = await this.parse(Serve);
    const opts: BootOptions = {
      cores: flags.cores, llCores: flags.ll, topology: flags.topology, policy: flags.policy as 'fcfs' | 'packed',
      grace: flags.grace, tick: flags.tick, hostowner: flags.hostowner, listen: flags.listen,
      paused: flags.paused, seed: flags.seed, namespace: flags.namespace, sysname: flags.sysname,
      state: flags.ephemeral ? undefined : (flags.state ?? defaultStateDir()), fresh: flags.fresh, recover: flags.recover,
      stateStore: flags['snapshot-records'] ? { snapshotRecords: flags['snapshot-records'] } : undefined,
    };
    let m: Awaited<ReturnType<typeof boot>>;
    try {
      m = await boot(opts);
    } catch (e) {
      const msg = e instanceof P9Error ? e.message : e instanceof Error ? e.message : String(e);
      process.stderr.write(`akaros: serve: ${msg}\n`);
      // a damaged or busy state is the machine's trouble, not a usage error
      const usage = e instanceof P9Error && !['EIO', 'EBUSY', 'ENOSPC'].includes(e.ename);
      throw new Errors.ExitError(usage ? 2 : 1);
    }
    // The handlers are in place before anyone is told where we listen.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // A second signal while stopping: go now (every acknowledged change is on disk
        // already; only the final snapshot is skipped).
        const now = (): void => { process.stderr.write('akaros: serve: stopped before the final snapshot\n'); process.exit(1); };
        process.once('SIGINT', now);
        process.once('SIGTERM', now);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // one write: a reader waiting for these lines gets them together
    process.stdout.write([...m.addresses.map((a) => `akaros: serving 9P on ${a}`), 'mount it with:',
      ...m.mountHints().map((h) => `  ${h}`)].join('\n') + '\n');
    await stopped;
    await m.close();
    process.stdout.write('akaros: stopped\n');
    return { addresses: m.addresses, mount: m.mountHints() };
  }
}
