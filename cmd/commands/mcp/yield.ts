// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { ctl, formatStatus, pidArg, type McpStatus } from '../../lib/mcp.js';

export default class McpYield extends AkarosCommand {
  static override summary = 'Give a vcore\'s pcore back (echo yield VC [nice] > /mcp/ID/ctl).';
  static override description = `By Akaros's yield rules: EAGAIN when Akaros would refuse (wanted >= granted and no preemption pending, a notification pending, a preemption in flight). --nice answers a preemption warning (EV_PREEMPT_PENDING) and is always allowed while one is pending on VC.`;
  static override schema = 'mcp-status.json';
  static override examples = [
    { description: 'echo yield 3 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 3' },
    { description: 'echo yield 3 nice > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 3 --nice' },
  ];
  static override args = { id: pidArg, vc: Args.integer({ description: 'vcore number', required: true, min: 0 }) };
  static override flags = { nice: Flags.boolean({ summary: 'Answer a pending preemption warning.' }) };

  async run(): Promise<McpStatus> {
    const { args, flags } = await this.parse(McpYield);
    const st = await ctl(await this.connect(flags), args.id, `yield ${args.vc}${flags.nice ? ' nice' : ''}`);
    this.out(formatStatus(st));
    return st;
  }
}
