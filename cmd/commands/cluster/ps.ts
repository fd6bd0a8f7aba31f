// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { clusterFlags, mountNodes, partial, readCluster, type ClusterResult } from '../../lib/cluster.js';
import { table } from '../../lib/format.js';
import { readProcs, type ProcRow } from '../../lib/machine.js';

export type ClusterPs = ClusterResult<{ procs: ProcRow[] }>;

const dash = (n: number | null): string | number => (n === null ? '-' : n);

export function formatClusterPs(r: ClusterPs): string {
  const rows = r.nodes.flatMap((n) => n.procs.map((p) =>
    [n.node, p.pid, p.name || '-', p.user, p.state, dash(p.wanted), dash(p.granted), dash(p.provisioned), p.ppid]));
  return table(['node', 'pid', 'name', 'user', 'state', 'wanted', 'granted', 'provisioned', 'ppid'], rows);
}

export default class ClusterPsCmd extends AkarosCommand {
  static override summary = 'Every process of every node of the cluster (ps on each), with a node column.';
  static override description = `The server connected to and every 9P server its namespace mounts at /n/NODE (serve --cluster mounts them; /dev/ns lists them) are read at once, each as \`akaros ps\` reads one machine. A node that cannot be read is reported on stderr as "akaros: NODE: why" (EIO for a node that is down) after the rows of the others, and the status is 1; with --json its failure is in "errors".`;
  static override schema = 'cluster-ps.json';
  static override examples = [
    { description: 'Every process of the cluster', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The pids on node2', command: '<%= config.bin %> <%= command.id %> --json | jq -c \'.nodes[] | select(.node == "node2") | [.procs[].pid]\'' },
  ];

  static override flags = clusterFlags;

  async run(): Promise<ClusterPs> {
    const { flags } = await this.parse(ClusterPsCmd);
    const s = await this.connect(flags);
    const r = await readCluster(s, (v) => readProcs(v).then((procs) => ({ procs })), await mountNodes(s, flags.node));
    this.out(formatClusterPs(r));
    return partial(this, r);
  }
}
