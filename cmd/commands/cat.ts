// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';

export interface CatResult { path: string; data: string }

export default class Cat extends AkarosCommand {
  static override summary = 'Print a file of the server\'s tree.';
  static override description = `Opens the file for reading and reads it to end of file, like cat(1) on a mount. A blocking file (events, wait, kmesg) waits for data: use "read" to follow one.`;
  static override examples = [
    { description: 'A process\'s state (cat /mcp/7/status)', command: '<%= config.bin %> <%= command.id %> /mcp/7/status' },
    { description: 'The provisioning map (cat /core/map)', command: '<%= config.bin %> <%= command.id %> /core/map' },
  ];
  static override args = { path: Args.string({ description: 'file to print', required: true }) };

  async run(): Promise<CatResult> {
    const { args, flags } = await this.parse(Cat);
    const s = await this.connect(flags);
    const data = await s.readBytes(args.path);
    if (!this.jsonEnabled()) process.stdout.write(data);
    return { path: args.path, data: data.toString() };
  }
}
