// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { follow } from '../../lib/follow.js';
import { parseEvents, pidArg, type McpEvent } from '../../lib/mcp.js';
import { onInterrupt } from '../../lib/signal.js';
import { timeoutFlag, timeoutSignal } from '../../lib/timeout.js';

export interface EventsResult {
  pid: number;
  events: McpEvent[];
  /** once: one read returned; eof: the process died; interrupted: Ctrl-C; timeout: --timeout passed. */
  ended: 'eof' | 'interrupted' | 'once' | 'timeout';
}

export default class McpEvents extends AkarosCommand {
  static override summary = 'Read an MCP\'s event mailbox (cat /mcp/ID/events).';
  static override description = `Events are consumed as they are read: "SEQ TIME TYPE key=value...". Without -f, one read: the events queued now, or the next burst if none is (it waits). With -f, every event as it comes until the process dies (end of file) or Ctrl-C (the read is flushed, exit 0). With -f --json, one JSON object per event per line. --timeout D stops waiting after D of real time (status 0, "ended": "timeout"), so a script never hangs on a quiet process.`;
  static override schema = 'mcp-events.json';
  static override examples = [
    { description: 'head -1 /mcp/7/events', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'cat /mcp/7/events', command: '<%= config.bin %> <%= command.id %> 7 -f' },
    { description: 'Every event for two seconds, one JSON object a line', command: '<%= config.bin %> <%= command.id %> 7 -f --timeout 2s --json' },
  ];
  static override args = { id: pidArg };
  static override flags = {
    follow: Flags.boolean({ char: 'f', summary: 'Keep reading until the process dies or Ctrl-C.' }),
    timeout: timeoutFlag,
  };

  async run(): Promise<EventsResult | undefined> {
    const { args, flags } = await this.parse(McpEvents);
    const limit = timeoutSignal(flags.timeout);
    const s = await this.connect(flags);
    const intr = onInterrupt();
    const events: McpEvent[] = [];
    const stream = flags.follow && this.jsonEnabled();
    try {
      const r = await follow(s, `/mcp/${args.id}/events`, (b) => {
        const evs = parseEvents(b.toString());
        if (this.jsonEnabled() && !stream) events.push(...evs);
        if (stream) for (const e of evs) process.stdout.write(`${JSON.stringify(e)}\n`);
        else if (!this.jsonEnabled()) process.stdout.write(b);
      }, limit ? AbortSignal.any([intr.signal, limit]) : intr.signal, !flags.follow);
      const ended = r.ended === 'interrupted' && limit?.aborted ? 'timeout' : r.ended;
      return stream ? undefined : { pid: args.id, events, ended };
    } finally {
      intr.dispose();
    }
  }
}
