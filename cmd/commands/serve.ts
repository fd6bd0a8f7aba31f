// SPDX-License-Identifier: GPL-2.0-or-later
import { Command, Errors, Flags } from '@oclif/core';
import { boot, DEFAULT_GRACE, DEFAULT_LISTEN, type BootOptions } from '../boot.js';
import { P9Error } from '../../lib/9p/error.js';

export interface ServeResult {
  addresses: string[];
  mount: string[];
}

export default class Serve extends Command {
  static override summary = 'Boot the simulated Akaros machine and serve its namespace over 9P.';
  static override description = `Runs the kernel in this process: a manycore machine (--cores, --ll, --topology), its allocator (--policy, --grace, --tick) and the simulation clock (--paused, --seed), with the devices of namespace.md (/dev /core /mcp /proc /sim) served as 9P2000, 9P2000.u and 9P2000.L on every --listen dial string. Prints where it listens and how to mount it, then serves until SIGINT or SIGTERM, when it closes every connection and exits 0.`;
  static override examples = [
    { description: 'Serve on the default address (tcp!127.0.0.1!5640)', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'A paused 32-core machine on TCP and a unix socket',
      command: '<%= config.bin %> <%= command.id %> --cores 32 --paused --listen tcp!*!5640 --listen unix!/tmp/akaros.sock',
    },
    { description: 'Two LL cores, packed allocation, Akaros\'s immediate preemption', command: '<%= config.bin %> <%= command.id %> --ll 0,8 --policy packed --grace 0' },
  ];
  static override flags = {
    listen: Flags.string({ char: 'l', multiple: true, summary: `Dial string to serve on, repeatable (default ${DEFAULT_LISTEN}).` }),
    cores: Flags.integer({ char: 'c', summary: 'Number of pcores.', default: 16, min: 1 }),
    ll: Flags.string({ summary: 'LL (low-latency, never provisioned) cores as a cpulist.', default: '0' }),
    topology: Flags.string({ summary: 'sockets=N,numa=N,ht' }),
    policy: Flags.string({ summary: 'Core allocation policy.', options: ['fcfs', 'packed'], default: 'fcfs' }),
    grace: Flags.string({ summary: `Preemption grace period (0 = Akaros's immediate preemption).`, default: DEFAULT_GRACE }),
    tick: Flags.string({ summary: 'ksched tick (default 10ms).' }),
    hostowner: Flags.string({ summary: 'The host owner (default: the user running the server).' }),
    paused: Flags.boolean({ summary: 'Start with the clock paused (advance with: akaros sim step 1ms).' }),
    seed: Flags.integer({ summary: 'PRNG seed.', default: 1 }),
    namespace: Flags.file({ summary: 'Boot namespace file (namespace(6) syntax) replacing the default.', exists: true }),
    sysname: Flags.string({ summary: '/dev/sysname, and this node\'s sys= name in the network database.' }),
    ndb: Flags.file({
      multiple: true, exists: true,
      summary: 'Network database file (ndb(6)), repeatable: served at /lib/ndb, used by /net/cs and to dial remote mounts.',
    }),
    cluster: Flags.string({ summary: 'Mount every other node of this cluster (ndb entries with cluster=NAME) at /n/SYS.' }),
    'remote-dialect': Flags.string({
      summary: 'Dialect spoken to mounted 9P servers.', options: ['9P2000', '9P2000.u', '9P2000.L'], default: '9P2000.u',
    }),
  };

  async run(): Promise<ServeResult> {
    const { flags } = await this.parse(Serve);
    const opts: BootOptions = {
      cores: flags.cores, llCores: flags.ll, topology: flags.topology, policy: flags.policy as 'fcfs' | 'packed',
      grace: flags.grace, tick: flags.tick, hostowner: flags.hostowner, listen: flags.listen,
      paused: flags.paused, seed: flags.seed, namespace: flags.namespace, sysname: flags.sysname,
      ndb: flags.ndb, cluster: flags.cluster, remoteDialect: flags['remote-dialect'] as BootOptions['remoteDialect'],
    };
    let m: Awaited<ReturnType<typeof boot>>;
    try {
      m = await boot(opts);
    } catch (e) {
      const msg = e instanceof P9Error ? e.message : e instanceof Error ? e.message : String(e);
      process.stderr.write(`akaros: serve: ${msg}\n`);
      throw new Errors.ExitError(e instanceof P9Error ? 2 : 1);
    }
    for (const a of m.addresses) process.stdout.write(`akaros: serving 9P on ${a}\n`);
    process.stdout.write('mount it with:\n');
    for (const h of m.mountHints()) process.stdout.write(`  ${h}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await m.close();
    process.stdout.write('akaros: stopped\n');
    return { addresses: m.addresses, mount: m.mountHints() };
  }
}
