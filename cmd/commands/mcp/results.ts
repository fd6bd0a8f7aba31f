// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { pidArg } from '../../lib/mcp.js';
import { parseResults, type McpResults } from '../../lib/mcpresults.js';

export default class McpResultsCmd extends AkarosCommand {
  static override summary = 'The results of the program an MCP runs (cat /mcp/ID/results).';
  static override description = `The program started with "run WORKLOAD key=value..." on /mcp/ID/ctl (or mcp new --run): its accounting (useful, spin, overhead, noise time), the workload's figures (request latency percentiles and throughput for server, iterations for phases, the quantum samples for ftq) and one line per vcore. Readable while the program runs and after it ends, until the process is reaped. --json: {pid, ran, values, vcores}, every number a number.`;
  static override schema = 'mcp-results.json';
  static override examples = [
    { description: 'cat /mcp/7/results', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'The p99 latency in ns', command: '<%= config.bin %> <%= command.id %> 7 --json | jq .values.lat_p99' },
  ];
  static override args = { id: pidArg };

  async run(): Promise<McpResults> {
    const { args, flags } = await this.parse(McpResultsCmd);
    const s = await this.connect(flags);
    const text = await s.read(`/mcp/${args.id}/results`);
    const r = parseResults(args.id, text);
    if (!this.jsonEnabled()) process.stdout.write(text || `mcp ${args.id}: no program has run\n`);
    return r;
  }
}
