// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { CliError } from '../../lib/connect.js';
import { follow } from '../../lib/follow.js';
import { pidArg } from '../../lib/mcp.js';
import { onInterrupt } from '../../lib/signal.js';

export interface WaitResult { pid: number; code: number; reason: string }

export default class McpWait extends AkarosCommand {
  static override summary = 'Wait for a process to die (cat /mcp/ID/wait).';
  static override description = 'Blocks until the process has died, then prints "ID EXITCODE REASON". Ctrl-C stops waiting (the read is flushed) and exits 1.';
  static override schema = 'mcp-wait.json';
  static override examples = [
    { description: 'cat /mcp/7/wait', command: '<%= config.bin %> <%= command.id %> 7' },
  ];
  static override args = { id: pidArg };

  async run(): Promise<WaitResult> {
    const { args, flags } = await this.parse(McpWait);
    const s = await this.connect(flags);
    const intr = onInterrupt();
    let text = '';
    try {
      const r = await follow(s, `/mcp/${args.id}/wait`, (b) => { text += b.toString(); }, intr.signal, true);
      if (r.ended === 'interrupted') throw new CliError(`wait ${args.id}: interrupted`, 1);
    } finally {
      intr.dispose();
    }
    const [pid, code, ...reason] = text.trim().split(/\s+/);
    this.out(text.trim());
    return { pid: Number(pid), code: Number(code), reason: reason.join(' ') };
  }
}
