// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { clusterFlags, clusterNodes, eachNode, mountNodes, partial, type NodeError } from '../../lib/cluster.js';
import { table } from '../../lib/format.js';
import { readProcs, readSummary } from '../../lib/machine.js';

export interface NodeRow {
  node: string;
  /** The dial string it is mounted from; null for the server connected to. */
  address: string | null;
  state: 'up' | 'down';
  sysname: string | null;
  ncores: number | null;
  /** Idle cores now. */
  idle: number | null;
  procs: number | null;
  mcps: number | null;
}

export interface ClusterNodes {
  nodes: NodeRow[];
  errors: NodeError[];
}

const dash = (v: string | number | null): string | number => (v === null ? '-' : v);

export function formatNodes(r: ClusterNodes): string {
  return table(['node', 'state', 'sysname', 'ncores', 'idle', 'procs', 'mcps', 'address'],
    r.nodes.map((n) => [n.node, n.state, dash(n.sysname), dash(n.ncores), dash(n.idle), dash(n.procs), dash(n.mcps), n.address ?? '(this server)']));
}

export default class ClusterNodesCmd extends AkarosCommand {
  static override summary = 'The nodes of the cluster: this server and every /n/NODE it mounts, up or down.';
  static override description = `The server connected to, then each 9P server its namespace mounts at /n/NODE (from /dev/ns; serve --cluster NAME mounts every node of the ndb cluster NAME), with its state, /dev/sysname, cores, idle cores and processes. A node that cannot be read is listed as down, its reason on stderr ("akaros: NODE: why"), and the status is 1; with --json the reason is in "errors".`;
  static override schema = 'cluster-nodes.json';
  static override examples = [
    { description: 'Which nodes answer', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The nodes that are down', command: '<%= config.bin %> <%= command.id %> --json | jq -r \'.errors[].node\'' },
  ];

  static override flags = clusterFlags;

  async run(): Promise<ClusterNodes> {
    const { flags } = await this.parse(ClusterNodesCmd);
    const s = await this.connect(flags);
    const mountErrors = await mountNodes(s, flags.node);
    const nodes = await clusterNodes(s);
    const r = await eachNode(s, nodes, async (v) => {
      const [sysname, summary, procs] = await Promise.all([v.read('/dev/sysname'), readSummary(v), readProcs(v)]);
      return { sysname: sysname.trim(), ncores: summary.ncores, idle: summary.idle, procs: procs.length, mcps: procs.filter((p) => p.mcp).length };
    });
    const errors = [...mountErrors, ...r.errors];
    const down = new Set(errors.map((e) => e.node));
    const got = new Map(r.ok.map(({ node, value }) => [node.node, value]));
    const result: ClusterNodes = {
      nodes: nodes.map((n) => {
        const v = got.get(n.node);
        return {
          node: n.node, address: n.address, state: down.has(n.node) ? 'down' : 'up',
          sysname: v?.sysname ?? null, ncores: v?.ncores ?? null, idle: v?.idle ?? null, procs: v?.procs ?? null, mcps: v?.mcps ?? null,
        };
      }),
      errors,
    };
    this.out(formatNodes(result));
    return partial(this, result);
  }
}
