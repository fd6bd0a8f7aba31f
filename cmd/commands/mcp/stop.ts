// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { pidArg } from '../../lib/mcp.js';
import { parseResults, type McpResults } from '../../lib/mcpresults.js';
import { fmtDuration } from '../../lib/units.js';

export default class McpStop extends AkarosCommand {
  static override summary = 'End the program an MCP runs (echo stop > /mcp/ID/ctl).';
  static override description = `The program's state becomes stopped: its threads are dropped and its pending events cancelled, and its results stay readable (mcp results) until the next run or the reap. The process itself goes on (mcp kill ends it). EINVAL when no program is running. Prints how long (virtual time) it ran; --json: its final results as mcp results gives them.`;
  static override schema = 'mcp-results.json';
  static override examples = [
    { description: 'echo stop > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'Stop it and keep the p99 latency', command: '<%= config.bin %> <%= command.id %> 7 --json | jq .values.lat_p99' },
  ];
  static override args = { id: pidArg };

  async run(): Promise<McpResults> {
    const { args, flags } = await this.parse(McpStop);
    const s = await this.connect(flags);
    await s.write(`/mcp/${args.id}/ctl`, 'stop\n', 'stop');
    const r = parseResults(args.id, await s.read(`/mcp/${args.id}/results`));
    this.out(`${args.id}: stopped ${r.values.workload} after ${fmtDuration(Number(r.values.elapsed_ns))} of virtual time`);
    return r;
  }
}
