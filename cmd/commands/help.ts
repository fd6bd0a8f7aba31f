// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Command, loadHelpClass } from '@oclif/core';

export default class HelpCmd extends Command {
  static override summary = 'Show help for akaros or one of its commands.';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> help',
    '<%= config.bin %> help mcp cores',
  ];
  static override args = { command: Args.string({ description: 'command (topic words separated by spaces)' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCmd);
    const Help = await loadHelpClass(this.config);
    const help = new Help(this.config, this.config.pjson.oclif.helpOptions ?? {});
    await help.showHelp(argv as string[]);
  }
}
