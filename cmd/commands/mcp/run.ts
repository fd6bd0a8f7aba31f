// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { pidArg } from '../../lib/mcp.js';
import { parseResults, type McpResults } from '../../lib/mcpresults.js';

export default class McpRun extends AkarosCommand {
  static override summary = 'Start a program on an MCP (echo run WORKLOAD key=value... > /mcp/ID/ctl).';
  static override description = `Workloads: spin, phases, server, ftq; their parameters and defaults are in mcp(3) "Programs". The program runs on the vcores the process is granted, so it does nothing until the process has cores (mcp cores, mcp want). One program per MCP: EBUSY while one runs (mcp stop it first). Prints the program's first results lines (workload, args, state, seed); --json: its results as mcp results gives them.`;
  static override schema = 'mcp-results.json';
  static override examples = [
    { description: 'echo run spin threads=4 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 spin threads=4' },
    {
      description: 'A server with lognormal service times and a fixed seed',
      command: '<%= config.bin %> <%= command.id %> 7 server rate=20000 dist=lognormal mean=50us seed=42',
    },
  ];
  static override args = {
    id: pidArg,
    workload: Args.string({ description: 'spin, phases, server or ftq', required: true }),
  };

  // the words after WORKLOAD are its key=value parameters
  static override strict = false;
  static override usage = '<%= command.id %> ID WORKLOAD [KEY=VALUE...]';

  async run(): Promise<McpResults> {
    const { args, argv, flags } = await this.parse(McpRun);
    const params = (argv as string[]).slice(2);
    const s = await this.connect(flags);
    const command = ['run', args.workload, ...params].join(' ');
    await s.write(`/mcp/${args.id}/ctl`, `${command}\n`, command);
    const r = parseResults(args.id, await s.read(`/mcp/${args.id}/results`));
    const v = r.values;
    this.out(`${args.id}: ${v.state} ${v.workload}${v.args ? ` ${v.args}` : ''} (seed ${v.seed})`);
    return r;
  }
}
