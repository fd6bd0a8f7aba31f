// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { ownerColors, stateColor } from '../lib/color.js';
import { table } from '../lib/format.js';
import { readProcs, type ProcRow } from '../lib/machine.js';
import { watch, watchFlags } from '../lib/watch.js';

const dash = (n: number | null): string | number => (n === null ? '-' : n);

const HEAD = ['pid', 'name', 'user', 'state', 'wanted', 'granted', 'provisioned', 'ppid'];

/** The ps table; with colour, pids in their owner colour (as top and cores show them) and
 *  states by kind (running green, runnable cyan, dying red), a warned MCP in yellow. */
export function formatPs(rows: ProcRow[], color = false): string {
  const owners = ownerColors(rows.filter((r) => r.granted).map((r) => r.pid));
  return table(HEAD,
    rows.map((r) => [r.pid, r.name || '-', r.user, r.state, dash(r.wanted), dash(r.granted), dash(r.provisioned), r.ppid]),
    color ? (ri, ci) => {
      if (ri < 0) return '1';
      const r = rows[ri];
      if (ci === 0) return owners.get(r.pid);
      if (ci === 3) return r.preempt_pending ? '33;1' : stateColor(r.state);
      return undefined;
    } : undefined);
}

export default class Ps extends AkarosCommand {
  static override summary = 'List every process: pid, name, user, state, cores wanted/granted/provisioned, ppid.';
  static override description = `Akaros ps's columns (pid, name, state, ppid) from /proc/N/status, the owner from /proc/N/user, and for many-core processes the core counts from /mcp/N/status. A process that is not an MCP shows "-" for the counts (null in --json). On a terminal the table is in colour (NO_COLOR=1 turns it off). --watch redraws every --interval until Ctrl-C; with --json, one JSON array per line per refresh.`;
  static override schema = 'ps.json';
  static override examples = [
    { description: 'for p in /proc/[0-9]*; do cat $p/status; done', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'As JSON for scripts', command: '<%= config.bin %> <%= command.id %> --json' },
    { description: 'A sample every half second, one JSON array a line', command: '<%= config.bin %> <%= command.id %> --watch --interval 500 --json' },
  ];
  static override flags = {
    ...watchFlags,
    count: Flags.integer({ char: 'n', summary: 'With --watch: stop after this many refreshes.', min: 1 }),
  };

  async run(): Promise<ProcRow[] | undefined> {
    const { flags } = await this.parse(Ps);
    const s = await this.connect(flags);
    if (flags.watch) {
      await watch({
        interval: flags.interval, json: this.jsonEnabled(), tty: this.tty, count: flags.count,
        read: () => readProcs(s), format: (rows) => formatPs(rows, this.tty),
      });
      return undefined;
    }
    const rows = await readProcs(s);
    this.out(formatPs(rows, this.tty));
    return rows;
  }
}
