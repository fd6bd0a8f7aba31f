// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { follow } from '../../lib/follow.js';
import { parseEvents, pidArg, type McpEvent } from '../../lib/mcp.js';
import { onInterrupt } from '../../lib/signal.js';

export interface EventsResult {
  pid: number;
  events: McpEvent[];
  ended: 'eof' | 'interrupted' | 'once';
}

export default class McpEvents extends AkarosCommand {
  static override summary = 'Read an MCP\'s event mailbox (cat /mcp/ID/events).';
  static override description = `Events are consumed as they are read: "SEQ TIME TYPE key=value...". Without -f, one read: the events queued now, or the next burst if none is (it waits). With -f, every event as it comes until the process dies (end of file) or Ctrl-C (the read is flushed, exit 0). With -f --json, one JSON object per event per line.`;
  static override examples = [
    { description: 'head -1 /mcp/7/events', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'cat /mcp/7/events', command: '<%= config.bin %> <%= command.id %> 7 -f' },
  ];
  static override args = { id: pidArg };
  static override flags = { follow: Flags.boolean({ char: 'f', summary: 'Keep reading until the process dies or Ctrl-C.' }) };

  async run(): Promise<EventsResult | undefined> {
    const { args, flags } = await this.parse(McpEvents);
    const s = await this.connect(flags);
    const intr = onInterrupt();
    const events: McpEvent[] = [];
    const stream = flags.follow && this.jsonEnabled();
    try {
      const r = await follow(s, `/mcp/${args.id}/events`, (b) => {
        const evs = parseEvents(b.toString());
        events.push(...evs);
        if (stream) for (const e of evs) process.stdout.write(`${JSON.stringify(e)}\n`);
        else if (!this.jsonEnabled()) process.stdout.write(b);
      }, intr.signal, !flags.follow);
      return stream ? undefined : { pid: args.id, events, ended: r.ended };
    } finally {
      intr.dispose();
    }
  }
}
