// SPDX-License-Identifier: GPL-2.0-or-later
//
// A harness cluster by hand, for poking at Slurm while writing a test:
//   node dist/test/harness/slurm/up.js [NODES]
// prints the SLURM_CONF to export in another shell and stops everything on Ctrl-C.

import { startCluster } from './cluster.js';

const nodes = Number(process.argv[2] ?? 3);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) {
  console.error(`usage: up.js [NODES]  (1-64, not "${process.argv[2]}")`);
  process.exit(2);
}
const c = await startCluster({ nodes });
console.log(`up in ${c.upMs} ms; in another shell:\n  export SLURM_CONF=${c.conf}\n` +
  `munge socket ${c.munge.socket}; hook records in ${c.dir}/log/hooks; Ctrl-C stops`);
const down = async (): Promise<void> => {
  const r = await c.stop();
  console.log(`stopped in ${r.ms} ms${r.forced.length ? `; SIGKILLed ${r.forced.join(' ')}` : ''}${r.strays.length ? `; strays ${r.strays.join(' ')}` : ''}`);
  process.exit(0);
};
process.once('SIGINT', down);
process.once('SIGTERM', down);
