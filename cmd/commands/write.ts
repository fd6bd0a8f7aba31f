// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';

export interface WriteResult { path: string; bytes: number }

async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export default class Write extends AkarosCommand {
  static override summary = 'Write text to a file of the server\'s tree (echo TEXT > PATH).';
  static override description = `Opens the file for writing (truncating) and writes TEXT followed by a newline in one write, as echo(1) does; with "-" or no TEXT, writes standard input as it is. A failed write prints the line the server refused, its error and the detail from /dev/errstr (the lines before it stay applied, as with echo).`;
  static override schema = 'write.json';
  static override strict = false;
  static override examples = [
    { description: 'Guarantee 4 cores to MCP 7 (echo 4 > /mcp/7/ctl)', command: '<%= config.bin %> <%= command.id %> /mcp/7/ctl 4' },
    { description: 'Step the paused clock (echo step 10ms > /sim/ctl)', command: '<%= config.bin %> <%= command.id %> /sim/ctl step 10ms' },
    { description: 'From standard input (cat cmds > /mcp/7/ctl)', command: 'printf \'want 2\\nyield 1\\n\' | <%= config.bin %> <%= command.id %> /mcp/7/ctl -' },
  ];
  static override args = {
    path: Args.string({ description: 'file to write', required: true }),
    text: Args.string({ description: 'words to write (joined by spaces, newline added), or - for standard input' }),
  };

  async run(): Promise<WriteResult> {
    const { args, flags, argv } = await this.parse(Write);
    const words = (argv as string[]).slice(1);
    const s = await this.connect(flags);
    const data = words.length === 0 || (words.length === 1 && words[0] === '-')
      ? await readStdin()
      : Buffer.from(`${words.join(' ')}\n`);
    // Several lines: the server applies them in order and stops at the first bad one;
    // Session.write names that line in the error.
    const bytes = await s.write(args.path, data);
    return { path: args.path, bytes };
  }
}
