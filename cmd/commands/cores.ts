// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { ownerColors } from '../lib/color.js';
import { table } from '../lib/format.js';
import { readCoreMap, readSummary, type CoreRow, type MachineSummary } from '../lib/machine.js';
import type { Session } from '../lib/connect.js';
import { fmtDuration } from '../lib/units.js';
import { watch, watchFlags } from '../lib/watch.js';

export interface CoresResult {
  summary: MachineSummary;
  cores: Array<CoreRow & { owner: string | null }>;
}

const dash = (n: number | string | null): string | number => (n === null ? '-' : n);

export async function readCores(s: Session): Promise<CoresResult> {
  const [summary, map] = await Promise.all([readSummary(s), readCoreMap(s)]);
  const pids = [...new Set(map.map((c) => c.alloc).filter((p): p is number => p !== null))];
  const owners = new Map<number, string>();
  await Promise.all(pids.map(async (p) => {
    const u = await s.readMaybe(`/proc/${p}/user`);
    if (u !== undefined) owners.set(p, u.trim());
  }));
  return { summary, cores: map.map((c) => ({ ...c, owner: c.alloc === null ? null : owners.get(c.alloc) ?? null })) };
}

export function formatCores(r: CoresResult, color = false): string {
  const m = r.summary;
  const head = `ncores ${m.ncores}  ll ${m.ll.text || '-'}  cg ${m.cg}  idle ${m.idle}` +
    `${m.offline.ids.length ? `  offline ${m.offline.text}` : ''}  policy ${m.policy}` +
    `  grace ${fmtDuration(m.grace)}  tick ${fmtDuration(m.tick)}\n`;
  const owners = ownerColors(r.cores.map((c) => c.alloc).filter((p): p is number => p !== null));
  return head + table(['core', 'role', 'state', 'prov', 'alloc', 'vcore', 'owner'],
    r.cores.map((c) => [c.core, c.role, c.state, dash(c.prov), dash(c.alloc), dash(c.vcore), dash(c.owner)]),
    color ? (ri, ci) => {
      if (ri < 0) return '1';
      const c = r.cores[ri];
      if (c.role === 'll') return '2';
      if (c.state === 'offline') return '31';
      if (ci === 4 && c.alloc !== null) return owners.get(c.alloc);
      if (ci === 3 && c.prov !== null) return '1';
      return undefined;
    } : undefined);
}

export default class Cores extends AkarosCommand {
  static override summary = 'Show the core map: each core\'s role, state, provisioning, owner and vcore.';
  static override description = `Reads /core/ctl (the machine summary) and /core/map (one line per pcore), and the owner of each allocated core from /proc/N/user. "prov" is the pid a core is provisioned to, "alloc" the pid running on it now. On a terminal the running pid is in its owner's colour (as in top and ps; NO_COLOR=1 turns colour off). --watch redraws every --interval until Ctrl-C; with --json, one JSON document per line per refresh.`;
  static override schema = 'cores.json';
  static override examples = [
    { description: 'cat /core/ctl /core/map', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Watch it change', command: '<%= config.bin %> <%= command.id %> --watch --interval 500' },
    { description: 'The LL cores as a list of ids', command: '<%= config.bin %> <%= command.id %> --json | jq -c .summary.ll.ids' },
  ];
  static override flags = {
    ...watchFlags,
    count: Flags.integer({ char: 'n', summary: 'With --watch: stop after this many refreshes.', min: 1 }),
  };

  async run(): Promise<CoresResult | undefined> {
    const { flags } = await this.parse(Cores);
    const s = await this.connect(flags);
    if (flags.watch) {
      await watch({
        interval: flags.interval, json: this.jsonEnabled(), tty: this.tty, count: flags.count,
        read: () => readCores(s), format: (r) => formatCores(r, this.tty),
      });
      return undefined;
    }
    const r = await readCores(s);
    this.out(formatCores(r, this.tty));
    return r;
  }
}
