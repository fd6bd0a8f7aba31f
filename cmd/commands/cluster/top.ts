// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { clusterFlags, errorLines, mountNodes, partial, readCluster, type ClusterResult } from '../../lib/cluster.js';
import { table } from '../../lib/format.js';
import { onInterrupt } from '../../lib/signal.js';
import { sleep } from '../../lib/sleep.js';
import { gatherTop, type TopData } from '../../lib/top.js';
import { fmtClock } from '../../lib/units.js';
import { Rates } from '../../lib/usage.js';
import type { Session } from '../../lib/connect.js';

export type ClusterTop = ClusterResult<TopData>;

const dash = (n: number | null): string | number => (n === null ? '-' : n);
const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);

/** One frame: a line per node (clock, busy cores, processes), then every process of the
 *  cluster with its node and CPU% (busiest first), cut to `rows` lines when given. */
export function formatClusterTop(r: ClusterTop, rows?: number): string {
  const heads = r.nodes.map((n) => {
    const cg = n.cores.filter((c) => c.role === 'cg' && c.state !== 'offline');
    const busy = cg.filter((c) => c.alloc !== null).length;
    const util = cg.length ? cg.reduce((a, c) => a + (c.util ?? 0), 0) / cg.length : null;
    return [n.node, `${n.clock.mode} ${fmtClock(n.clock.now)}`, `${busy}/${cg.length}`, pct(util), n.procs.length, n.policy];
  });
  const procs = r.nodes.flatMap((n) => n.procs.map((p) => ({ node: n.node, p })))
    .sort((a, b) => (b.p.cpu ?? -1) - (a.p.cpu ?? -1) || (a.node < b.node ? -1 : a.node > b.node ? 1 : a.p.pid - b.p.pid));
  const shown = rows === undefined ? procs : procs.slice(0, Math.max(0, rows - heads.length - 3));
  return `${table(['node', 'clock', 'busy', 'util', 'procs', 'policy'], heads)}\n` +
    table(['node', 'pid', 'name', 'user', 'state', 'want', 'grant', 'prov', 'cpu'],
      shown.map(({ node, p }) => [node, p.pid, p.name || '-', p.user, p.state, dash(p.wanted), dash(p.granted), dash(p.provisioned), pct(p.cpu)]));
}

export default class ClusterTopCmd extends AkarosCommand {
  static override summary = 'A live view of the whole cluster: each node\'s clock and busy cores, every process with its node and CPU%.';
  static override description = `Every --interval, reads what \`akaros top\` reads (without the kernel log) on the server connected to and on every /n/NODE it mounts, and draws one line per node and one per process, busiest first. A node that cannot be read is named under the frame ("akaros: NODE: why") and the others are still drawn. --once prints one frame (status 1 if a node failed), --json the same data.`;
  static override schema = 'cluster-top.json';
  static override examples = [
    { description: 'Watch the cluster', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One frame', command: '<%= config.bin %> <%= command.id %> --once' },
  ];
  static override flags = {
    ...clusterFlags,
    interval: Flags.integer({ char: 'i', summary: 'Milliseconds between refreshes.', default: 1000, min: 50 }),
    once: Flags.boolean({ summary: 'Print one frame and exit.' }),
    count: Flags.integer({ char: 'n', summary: 'Stop after this many refreshes.', min: 1 }),
  };

  async run(): Promise<ClusterTop | undefined> {
    const { flags } = await this.parse(ClusterTopCmd);
    const s = await this.connect(flags);
    const mountErrors = await mountNodes(s, flags.node);
    const rates = new Map<string, Rates>();
    const since = new Map<string, number>();
    const read = (): Promise<ClusterTop> => readCluster(s, async (v: Session, n) => {
      let r = rates.get(n.node);
      if (!r) rates.set(n.node, r = new Rates());
      const d = await gatherTop(v, [], r, since.get(n.node));
      since.set(n.node, d.clock.now);
      return d;
    }, mountErrors);
    if (flags.once || this.jsonEnabled()) {
      const r = await read();
      this.out(formatClusterTop(r));
      return partial(this, r);
    }
    const intr = onInterrupt();
    try {
      for (let i = 1; ; i++) {
        const r = await read();
        const frame = formatClusterTop(r, this.tty ? process.stdout.rows || 24 : undefined) + errorLines(r.errors);
        process.stdout.write(this.tty ? `\x1b[H\x1b[2J${frame}` : `${i > 1 ? '\n' : ''}${frame}`);
        if ((flags.count !== undefined && i >= flags.count) || await sleep(flags.interval, intr.signal)) return undefined;
      }
    } finally {
      intr.dispose();
    }
  }
}
