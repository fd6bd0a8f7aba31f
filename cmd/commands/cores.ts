// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { table } from '../lib/format.js';
import { readCoreMap, readSummary, type CoreRow, type MachineSummary } from '../lib/machine.js';
import type { Session } from '../lib/connect.js';
import { onInterrupt } from '../lib/signal.js';

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

export function formatCores(r: CoresResult): string {
  const m = r.summary;
  const head = `ncores ${m.ncores}  ll ${m.ll}  cg ${m.cg}  idle ${m.idle ?? '-'}  policy ${m.policy}  grace ${m.grace}ns  tick ${m.tick}ns\n`;
  return head + table(['core', 'role', 'state', 'prov', 'alloc', 'vcore', 'owner'],
    r.cores.map((c) => [c.core, c.role, c.state, dash(c.prov), dash(c.alloc), dash(c.vcore), dash(c.owner)]));
}

export default class Cores extends AkarosCommand {
  static override summary = 'Show the core map: each core\'s role, state, provisioning, owner and vcore.';
  static override description = `Reads /core/ctl (the machine summary) and /core/map (one line per pcore), and the owner of each allocated core from /proc/N/user. "prov" is the pid a core is provisioned to, "alloc" the pid running on it now. --watch redraws every --interval until Ctrl-C.`;
  static override examples = [
    { description: 'cat /core/ctl /core/map', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Watch it change', command: '<%= config.bin %> <%= command.id %> --watch --interval 500' },
  ];
  static override flags = {
    watch: Flags.boolean({ char: 'w', summary: 'Redraw every --interval until Ctrl-C.' }),
    interval: Flags.integer({ summary: 'Milliseconds between redraws with --watch.', default: 1000, min: 50 }),
  };

  async run(): Promise<CoresResult> {
    const { flags } = await this.parse(Cores);
    const s = await this.connect(flags);
    let r = await readCores(s);
    if (!flags.watch || this.jsonEnabled()) {
      this.out(formatCores(r));
      return r;
    }
    const intr = onInterrupt();
    try {
      for (;;) {
        this.out(`${this.tty ? '\x1b[H\x1b[2J' : '\n'}${formatCores(r)}`);
        const stop = await new Promise<boolean>((res) => {
          const t = setTimeout(() => res(false), flags.interval);
          intr.signal.addEventListener('abort', () => { clearTimeout(t); res(true); }, { once: true });
        });
        if (stop) return r;
        r = await readCores(s);
      }
    } finally {
      intr.dispose();
    }
  }
}
