// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../lib/base.js';
import { table } from '../lib/format.js';
import { readProcs, type ProcRow } from '../lib/machine.js';

const dash = (n: number | null): string | number => (n === null ? '-' : n);

export default class Ps extends AkarosCommand {
  static override summary = 'List every process: pid, name, user, state, cores wanted/granted/provisioned, ppid.';
  static override description = `Akaros ps's columns (pid, name, state, ppid) from /proc/N/status, the owner from /proc/N/user, and for many-core processes the core counts from /mcp/N/status. A process that is not an MCP shows "-" for the counts.`;
  static override examples = [
    { description: 'for p in /proc/[0-9]*; do cat $p/status; done', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'As JSON for scripts', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  async run(): Promise<ProcRow[]> {
    const { flags } = await this.parse(Ps);
    const s = await this.connect(flags);
    const rows = await readProcs(s);
    this.out(table(['pid', 'name', 'user', 'state', 'wanted', 'granted', 'provisioned', 'ppid'],
      rows.map((r) => [r.pid, r.name || '-', r.user, r.state, dash(r.wanted), dash(r.granted), dash(r.provisioned), r.ppid])));
    return rows;
  }
}
