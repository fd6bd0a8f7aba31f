// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { usage } from '../../lib/connect.js';
import { killAndReap, readStatus, formatStatus, type McpStatus } from '../../lib/mcp.js';

export default class McpNew extends AkarosCommand {
  static override summary = 'Create a many-core process (cat /mcp/clone).';
  static override description = `Reading /mcp/clone creates a new MCP — RUNNABLE_M, wanting 0 cores, owned by you — and returns its id. It lives until killed (closing clone does not end it). --name then writes "name NAME", --cores N writes "cores N" and --run "WORKLOAD key=value..." writes "run WORKLOAD key=value..." to its ctl; if that fails the new process is killed and reaped (its wait file read), so a failed "mcp new" leaves nothing behind, not even a dead entry in ps. Prints the id (on a terminal, its status line; --json, its status).`;
  static override schema = 'mcp-status.json';
  static override examples = [
    { description: 'cat /mcp/clone', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'pid=$(cat /mcp/clone); echo name spin > /mcp/$pid/ctl; echo cores 4 > /mcp/$pid/ctl',
      command: '<%= config.bin %> <%= command.id %> --name spin --cores 4',
    },
    {
      description: 'A latency-critical server on 4 guaranteed cores (echo run server ... > /mcp/$pid/ctl)',
      command: '<%= config.bin %> <%= command.id %> --cores 4 --run server rate=20000 dist=lognormal mean=50us',
    },
  ];
  static override flags = {
    name: Flags.string({ char: 'n', summary: 'Process name (at most 19 bytes).' }),
    cores: Flags.integer({ char: 'c', summary: 'Guarantee this many cores (cores N).', min: 0 }),
    run: Flags.string({ char: 'r', summary: 'Then run a program: --run WORKLOAD key=value... (run ... on its ctl; mcp(3) "Programs").' }),
  };

  // the words after --run WORKLOAD are its key=value parameters
  static override strict = false;

  async run(): Promise<McpStatus> {
    const { flags, argv } = await this.parse(McpNew);
    const extra = argv as string[];
    if (extra.length && flags.run === undefined) throw usage(`unexpected arguments: ${extra.join(' ')} (parameters go after --run WORKLOAD)`);
    const program = flags.run === undefined ? undefined : [flags.run, ...extra].join(' ');
    const s = await this.connect(flags);
    const pid = Number((await s.read('/mcp/clone')).trim());
    const ctl = `/mcp/${pid}/ctl`;
    try {
      if (flags.name !== undefined) await s.write(ctl, `name ${flags.name}\n`);
      if (flags.cores !== undefined) await s.write(ctl, `cores ${flags.cores}\n`);
      if (program !== undefined) await s.write(ctl, `run ${program}\n`);
    } catch (e) {
      await killAndReap(s, pid);
      throw e;
    }
    const st = await readStatus(s, pid);
    if (this.jsonEnabled()) return st;
    this.out(process.stdout.isTTY ? formatStatus(st) : `${pid}`);
    return st;
  }
}
