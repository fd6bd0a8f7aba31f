// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Command, Errors, loadHelpClass } from '@oclif/core';
import { manuals, page, readManual } from '../lib/manual.js';

export default class HelpCmd extends Command {
  static override summary = 'Show help for akaros or one of its commands, or a device\'s manual.';
  static override description = `"help DEVICE" prints the device's man page (mcp, core, proc, sim, cons; dev is cons): its files, their formats, the ctl commands and their errors. For mcp and sim, the commands of that topic follow. "help COMMAND..." prints the command's help.`;
  static override strict = false;
  static override examples = [
    '<%= config.bin %> help',
    '<%= config.bin %> help mcp',
    '<%= config.bin %> help mcp cores',
  ];
  static override args = { command: Args.string({ description: 'command (topic words separated by spaces) or device' }) };

  // Our errors are printed already; oclif's default catch would also set process.exitCode
  // (wrong for a test that runs commands in-process).
  protected override async catch(err: Error): Promise<unknown> {
    throw err;
  }

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCmd);
    const words = argv as string[];
    const Help = await loadHelpClass(this.config);
    const help = new Help(this.config, this.config.pjson.oclif.helpOptions ?? {});
    const manual = words.length === 1 ? readManual(words[0]) : undefined;
    if (manual === undefined) {
      if (words.length === 1 && !this.config.findCommand(words[0]) && !this.config.findTopic(words[0])) {
        process.stderr.write(`akaros: no command or manual "${words[0]}" (manuals: ${manuals().join(', ')})\n`);
        throw new Errors.ExitError(2);
      }
      await help.showHelp(words);
      return;
    }
    await page(manual.endsWith('\n') ? manual : `${manual}\n`);
    if (this.config.findTopic(words[0])) {
      process.stdout.write('\n');
      await help.showHelp(words);
    }
  }
}
