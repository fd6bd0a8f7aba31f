// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { ctl, formatStatus, pidArg, type McpStatus } from '../../lib/mcp.js';

export default class McpWant extends AkarosCommand {
  static override summary = 'Ask for N cores, best effort (echo want N > /mcp/ID/ctl).';
  static override description = `Akaros's amt_wanted: no guarantee; the scheduler grants idle cores (and the process's provisioned ones, taking them back from others: at once, as Akaros does, or after a warning and a grace period when one is set with grace on /core/ctl). ERANGE outside 0..max_vcores.`;
  static override schema = 'mcp-status.json';
  static override examples = [
    { description: 'echo want 8 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 8' },
  ];
  static override args = { id: pidArg, n: Args.integer({ description: 'number of cores wanted', required: true, min: 0 }) };

  async run(): Promise<McpStatus> {
    const { args, flags } = await this.parse(McpWant);
    const st = await ctl(await this.connect(flags), args.id, `want ${args.n}`);
    this.out(formatStatus(st));
    return st;
  }
}
