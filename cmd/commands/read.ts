// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { follow, type FollowResult } from '../lib/follow.js';
import { onInterrupt } from '../lib/signal.js';

export interface ReadResult {
  path: string;
  data: string;
  /** eof: the file ended; once: one read done (no -f); interrupted: Ctrl-C (flushed). */
  ended: FollowResult['ended'];
}

export default class Read extends AkarosCommand {
  static override summary = 'Read a blocking file: one read, or follow it with -f until Ctrl-C.';
  static override description = `Without -f: one read (one Tread), printed as it comes — on an events file that is the next burst of events, waiting for one if none is queued. With -f: read after read, printing each as it arrives, until end of file or Ctrl-C; Ctrl-C flushes the outstanding read (Tflush) and exits 0.`;
  static override schema = 'read.json';
  static override examples = [
    { description: 'Follow an MCP\'s events (cat /mcp/7/events)', command: '<%= config.bin %> <%= command.id %> -f /mcp/7/events' },
    { description: 'Follow the kernel log (cat /dev/kmesg)', command: '<%= config.bin %> <%= command.id %> -f /dev/kmesg' },
  ];
  static override args = { path: Args.string({ description: 'file to read', required: true }) };
  static override flags = { follow: Flags.boolean({ char: 'f', summary: 'Keep reading until end of file or Ctrl-C.' }) };

  async run(): Promise<ReadResult> {
    const { args, flags } = await this.parse(Read);
    const s = await this.connect(flags);
    const intr = onInterrupt();
    const parts: Buffer[] = [];
    try {
      const r = await follow(s, args.path, (b) => {
        parts.push(b);
        if (!this.jsonEnabled()) process.stdout.write(b);
      }, intr.signal, !flags.follow);
      return { path: args.path, data: Buffer.concat(parts).toString(), ended: r.ended };
    } finally {
      intr.dispose();
    }
  }
}
