// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { pidArg } from '../../lib/mcp.js';

export interface KillResult { pid: number; code: number }

export default class McpKill extends AkarosCommand {
  static override summary = 'Destroy a process (echo kill [CODE] > /mcp/ID/ctl).';
  static override description = 'Its cores go back to the allocator; readers of /mcp/ID/wait wake up with the exit code (default 1337, Akaros\'s).';
  static override schema = 'mcp-kill.json';
  static override examples = [
    { description: 'echo kill > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'echo kill 3 > /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> 7 --code 3' },
  ];
  static override args = { id: pidArg };
  static override flags = { code: Flags.integer({ summary: 'Exit code.', default: 1337 }) };

  async run(): Promise<KillResult> {
    const { args, flags } = await this.parse(McpKill);
    const s = await this.connect(flags);
    await s.write(`/mcp/${args.id}/ctl`, `kill ${flags.code}\n`);
    this.out(`killed ${args.id}`);
    return { pid: args.id, code: flags.code };
  }
}
