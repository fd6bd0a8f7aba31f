// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { CliError } from '../lib/connect.js';
import { follow } from '../lib/follow.js';
import { Sink } from '../lib/output.js';
import { onInterrupt } from '../lib/signal.js';

export interface CatResult { path: string; data: string }

/** --json holds the whole file in memory (one JSON string): this much at most. */
export const CAT_JSON_MAX = 16 << 20;

export default class Cat extends AkarosCommand {
  static override summary = 'Print a file of the server\'s tree, as it arrives.';
  static override description = `Opens the file for reading and reads it to end of file, writing each reply as it comes, like cat(1) on a mount: "cat /dev/kmesg" prints the log and then each new line until Ctrl-C (which flushes the read and exits 0); "cat /dev/zero | head -c 1M" stops when head does. Nothing is held in memory, except with --json, which returns the whole file as one string and refuses one longer than ${CAT_JSON_MAX >> 20} MiB.`;
  static override schema = 'cat.json';
  static override examples = [
    { description: 'A process\'s state (cat /mcp/7/status)', command: '<%= config.bin %> <%= command.id %> /mcp/7/status' },
    { description: 'The provisioning map (cat /core/map)', command: '<%= config.bin %> <%= command.id %> /core/map' },
    { description: 'The kernel log, then each new line (cat /dev/kmesg)', command: '<%= config.bin %> <%= command.id %> /dev/kmesg' },
  ];
  static override args = { path: Args.string({ description: 'file to print', required: true }) };

  async run(): Promise<CatResult> {
    const { args, flags } = await this.parse(Cat);
    const s = await this.connect(flags);
    const json = this.jsonEnabled();
    const intr = onInterrupt();
    const sink = new Sink();
    const stop = AbortSignal.any([intr.signal, sink.closed.signal]);
    const parts: Buffer[] = [];
    let held = 0;
    try {
      await follow(s, args.path, (b) => {
        if (!json) return sink.write(b);
        held += b.length;
        if (held > CAT_JSON_MAX) throw new CliError(`${args.path}: longer than ${CAT_JSON_MAX >> 20} MiB: too long for --json (use cat without --json)`, 1);
        parts.push(b);
        return undefined;
      }, stop);
    } finally {
      intr.dispose();
      sink.dispose();
    }
    return { path: args.path, data: Buffer.concat(parts).toString() };
  }
}
