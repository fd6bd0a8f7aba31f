// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { CliError, usage, type Session } from '../lib/connect.js';
import { formatCpulist } from '../lib/format.js';
import { cpulist, cpulistOf, type Cpulist } from '../lib/units.js';
import { readCoreMap, type CoreRow } from '../lib/machine.js';
import { killAndReap } from '../lib/mcp.js';

/** --json (cmd/schemas/prov.json): -s gives the map; -p and CMD what was provisioned. */
export type ProvResult =
  | { mode: 'show'; map: CoreRow[] }
  | {
    mode: 'pid' | 'cmd';
    pid: number;
    /** Cores asked for, LL cores masked out. */
    requested: Cpulist;
    /** LL cores named in -v and skipped (Akaros's prov masks them). */
    skipped_ll: Cpulist;
    /** Cores provisioned by this run (all of requested unless one failed). */
    done: Cpulist;
    cleared: boolean;
    /** The process's provisioned cores afterwards (/mcp/PID/prov). */
    provisioned_cores: Cpulist;
  };

/** parlib_parse_cores: "1,3-5,9" with Akaros's messages, bounded by the core count. */
export function parseCores(list: string, ncores: number): number[] {
  const out = new Set<number>();
  for (const tok of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
    if (!m) throw usage(`Invalid CPU range: ${tok}`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (a >= ncores) throw usage(`CPU number out of bound: ${a}`);
    if (b >= ncores) throw usage(`CPU number out of bound: ${b}`);
    if (a > b) throw usage(`CPU range is backwards: ${a}-${b}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

export default class Prov extends AkarosCommand {
  static override summary = 'Provision cores to a process, with the options of Akaros\'s prov tool.';
  static override description = `prov -t c (-p PID | -s | CMD) (-v LIST | -m) [--clear]

-t c selects cores (-t m: memory is not supported, as in Akaros). -p PID provisions to an existing MCP; CMD creates a new MCP named CMD (through /mcp/clone) and provisions to it. -v LIST takes a core list such as 1,3-5,9; -m takes every core. LL cores are always masked out, then one "prov N" is written to /mcp/PID/ctl per core in ascending order, stopping at the first failure, as Akaros's provision_core_set does. --clear first drops every provision ("unprov all"). -s prints /core/map (Akaros printed its map on the console). A -v list of LL cores only is refused (EBUSY, status 1): an LL core is never provisioned.`;
  static override schema = 'prov.json';
  static override strict = false;
  static override examples = [
    { description: 'Cores 1 and 3-5 to MCP 7 (echo prov 1 > /mcp/7/ctl; echo prov 3 > ...)', command: '<%= config.bin %> <%= command.id %> -t c -p 7 -v 1,3-5' },
    { description: 'Every CG core to MCP 7', command: '<%= config.bin %> <%= command.id %> -tc -p 7 -m' },
    { description: 'Drop MCP 7\'s provisions (echo unprov all > /mcp/7/ctl)', command: '<%= config.bin %> <%= command.id %> -t c -p 7 --clear' },
    { description: 'The provisioning map (cat /core/map)', command: '<%= config.bin %> <%= command.id %> -s' },
  ];
  static override args = { cmd: Args.string({ description: 'create a new MCP with this name and provision it' }) };
  static override flags = {
    type: Flags.string({ char: 't', summary: 'Resource type: c (cores); m (memory) is not supported.' }),
    pid: Flags.integer({ char: 'p', summary: 'Provision to this existing process.', min: 1 }),
    values: Flags.string({ char: 'v', summary: 'Core list, e.g. 1,3-5,9.' }),
    max: Flags.boolean({ char: 'm', summary: 'Every core (LL cores masked out).' }),
    show: Flags.boolean({ char: 's', summary: 'Print the provisioning map (/core/map).' }),
    clear: Flags.boolean({ summary: 'Drop every provision of the process first (unprov all).' }),
  };

  async run(): Promise<ProvResult> {
    const { flags, argv } = await this.parse(Prov);
    const cmd = argv as string[];
    if (flags.type !== undefined) {
      if (flags.type === 'm') throw usage('Provisioning memory is not supported yet');
      if (flags.type !== 'c') throw usage(`Unsupported resource type: ${flags.type}`);
    }
    const modes = (flags.pid !== undefined ? 1 : 0) + (flags.show ? 1 : 0) + (cmd.length > 0 ? 1 : 0);
    if (modes > 1) throw usage('Too many modes given (-p, -s, CMD, etc)');
    if (flags.values !== undefined && flags.max) throw usage('Provide only -v or -m, not both');
    if (modes === 0) throw usage('No mode selected (-p, -s, etc).');
    const s = await this.connect(flags);
    if (flags.show) {
      const text = await s.read('/core/map');
      this.out(text);
      return { mode: 'show', map: await readCoreMap(s) };
    }
    if (flags.type === undefined) throw usage('No resource type selected.  Use -t');
    if (flags.values === undefined && !flags.max && !flags.clear) throw usage('No cores selected: give -v LIST, -m or --clear');
    const map = await readCoreMap(s);
    const ll = new Set(map.filter((c) => c.role === 'll').map((c) => c.core));
    let want: number[] = [];
    if (flags.values !== undefined) want = parseCores(flags.values, map.length);
    if (flags.max) want = map.map((c) => c.core);
    const skipped = flags.max ? [] : want.filter((c) => ll.has(c));
    want = want.filter((c) => !ll.has(c));
    if (skipped.length > 0 && want.length === 0 && !flags.clear) {
      const list = formatCpulist(skipped);
      throw new CliError(`prov ${list}: Device or resource busy: ${skipped.length > 1 ? `cores ${list} are LL cores` : `core ${list} is an LL core`}, never provisioned`, 1, 16, 'EBUSY');
    }

    let pid = flags.pid;
    const mode = pid === undefined ? 'cmd' : 'pid';
    if (pid === undefined) pid = await newMcp(s, cmd.join(' '));
    const ctl = `/mcp/${pid}/ctl`;
    const done: number[] = [];
    try {
      if (flags.clear) await s.write(ctl, 'unprov all\n');
      for (const c of want) {
        await s.write(ctl, `prov ${c}\n`);
        done.push(c);
      }
    } catch (e) {
      if (mode === 'cmd') {
        await killAndReap(s, pid);
        if (e instanceof CliError) throw new CliError(`Unable to provision to child: ${e.message}`, e.exit, e.errno, e.ename);
      }
      throw e;
    }
    const prov = cpulist(await s.read(`/mcp/${pid}/prov`));
    this.out(`pid ${pid} prov ${prov.text || '-'}`);
    return {
      mode, pid, requested: cpulistOf(want), skipped_ll: cpulistOf(skipped), done: cpulistOf(done),
      cleared: flags.clear ?? false, provisioned_cores: prov,
    };
  }
}

async function newMcp(s: Session, name: string): Promise<number> {
  const pid = Number((await s.read('/mcp/clone')).trim());
  try {
    await s.write(`/mcp/${pid}/ctl`, `name ${name.slice(0, 19)}\n`);
  } catch (e) {
    await killAndReap(s, pid);
    throw e;
  }
  return pid;
}
