// SPDX-License-Identifier: GPL-2.0-or-later
//
// `npm start`: boot the simulated machine (16 cores, real-time clock) and serve its
// namespace over 9P until SIGINT/SIGTERM. `akaros serve` is the same with oclif's help.

import { parseArgs } from 'node:util';
import { boot, DEFAULT_GRACE, DEFAULT_LISTEN } from './boot.js';
import { P9Error } from '../lib/9p/error.js';

const USAGE = `usage: npm start -- [flags]
  --listen DIAL      dial string to serve on, repeatable (default ${DEFAULT_LISTEN};
                     also tcp!*!564, unix!/path/sock)
  --cores N          pcores (default 16)           --ll LIST      LL cores (default 0)
  --topology SPEC    sockets=N,numa=N,ht           --policy P     fcfs (default) | packed
  --grace DUR        preemption grace (default ${DEFAULT_GRACE}; 0 = Akaros immediate)
  --tick DUR         ksched tick (default 10ms)    --seed N       PRNG seed (default 1)
  --hostowner NAME   the host owner (default: the user running the server)
  --paused           start with the clock paused (advance with: echo step 1ms > /sim/ctl)
  --namespace FILE   boot namespace file (namespace(6) syntax)
  --sysname NAME     /dev/sysname`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', multiple: true },
      cores: { type: 'string' },
      ll: { type: 'string' },
      topology: { type: 'string' },
      policy: { type: 'string' },
      grace: { type: 'string' },
      tick: { type: 'string' },
      seed: { type: 'string' },
      hostowner: { type: 'string' },
      paused: { type: 'boolean' },
      namespace: { type: 'string' },
      sysname: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.policy !== undefined && values.policy !== 'fcfs' && values.policy !== 'packed') {
    throw new Error(`--policy ${values.policy}: fcfs or packed`);
  }
  const num = (s: string | undefined, what: string) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s)) throw new Error(`--${what} ${s}: not a number`);
    return Number(s);
  };
  const m = await boot({
    listen: values.listen,
    cores: num(values.cores, 'cores'),
    llCores: values.ll,
    topology: values.topology,
    policy: values.policy as 'fcfs' | 'packed' | undefined,
    grace: values.grace,
    tick: values.tick,
    seed: num(values.seed, 'seed'),
    hostowner: values.hostowner,
    paused: values.paused,
    namespace: values.namespace,
    sysname: values.sysname,
  });
  const mc = m.kernel.machine();
  console.log(`akaros: ${mc.ncores} cores (LL ${mc.ll.join(',')}), ${mc.policy}, grace ${mc.graceNs} ns, host owner ${m.hostowner}`);
  for (const a of m.addresses) console.log(`akaros: serving 9P on ${a}`);
  console.log('mount it with:');
  for (const h of m.mountHints()) console.log(`  ${h}`);
  const stop = () => {
    m.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`akaros: ${e instanceof P9Error ? e.message : e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
