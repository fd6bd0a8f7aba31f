// SPDX-License-Identifier: GPL-2.0-or-later
import { clusterFlags, mountNodes, partial, readCluster, type ClusterResult } from '../../lib/cluster.js';
import { AkarosCommand } from '../../lib/base.js';
import { table } from '../../lib/format.js';
import { fmtDuration } from '../../lib/units.js';
import { readCores, type CoresResult } from '../cores.js';

export type ClusterCores = ClusterResult<CoresResult>;

const dash = (n: number | string | null): string | number => (n === null ? '-' : n);

export function formatClusterCores(r: ClusterCores): string {
  const heads = r.nodes.map((n) => {
    const m = n.summary;
    return [n.node, m.ncores, m.ll.text || '-', m.cg, m.idle, m.offline.text || '-', m.policy, fmtDuration(m.grace), fmtDuration(m.tick)];
  });
  const rows = r.nodes.flatMap((n) => n.cores.map((c) =>
    [n.node, c.core, c.role, c.state, dash(c.prov), dash(c.alloc), dash(c.vcore), dash(c.owner)]));
  return `${table(['node', 'ncores', 'll', 'cg', 'idle', 'offline', 'policy', 'grace', 'tick'], heads)}\n` +
    table(['node', 'core', 'role', 'state', 'prov', 'alloc', 'vcore', 'owner'], rows);
}

export default class ClusterCoresCmd extends AkarosCommand {
  static override summary = 'Every core of every node of the cluster: each machine\'s summary, then the core maps with a node column.';
  static override description = `Reads /core/ctl, /core/map and the owners of the running processes on the server connected to and on every /n/NODE it mounts, at once. A node that cannot be read is reported on stderr as "akaros: NODE: why" after the others, and the status is 1; with --json its failure is in "errors".`;
  static override schema = 'cluster-cores.json';
  static override examples = [
    { description: 'Every core of the cluster', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Idle cores per node', command: '<%= config.bin %> <%= command.id %> --json | jq -c \'.nodes[] | {node, idle: .summary.idle}\'' },
  ];

  static override flags = clusterFlags;

  async run(): Promise<ClusterCores> {
    const { flags } = await this.parse(ClusterCoresCmd);
    const s = await this.connect(flags);
    const r = await readCluster(s, (v) => readCores(v), await mountNodes(s, flags.node));
    this.out(formatClusterCores(r));
    return partial(this, r);
  }
}
