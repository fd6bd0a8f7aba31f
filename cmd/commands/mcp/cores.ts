// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { ctl, formatStatus, pidArg, type McpStatus } from '../../lib/mcp.js';

export default class McpCores extends AkarosCommand {
  static override summary = 'Guarantee N cores to an MCP (echo cores N > /mcp/ID/ctl).';
  static override description = `Provisions N CG cores to the process (keeping the ones it has, adding or dropping to reach N, new ones picked by the allocator policy), sets wanted N and runs the scheduler. All or nothing: ENOSPC when fewer than N cores can be provisioned, ERANGE above max_vcores. "cores 0" drops every provision and wants 0.`;
  static override schema = 'mcp-status.json';
  static override examples = [
    { description: 'echo 4 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 4' },
    { description: 'echo cores 0 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 0' },
  ];
  static override args = { id: pidArg, n: Args.integer({ description: 'number of cores', required: true, min: 0 }) };

  async run(): Promise<McpStatus> {
    const { args, flags } = await this.parse(McpCores);
    const st = await ctl(await this.connect(flags), args.id, `cores ${args.n}`);
    this.out(formatStatus(st));
    return st;
  }
}
