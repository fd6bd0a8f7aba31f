// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { names } from '../lib/connect.js';
import { modeString, statJson, type StatJson } from '../lib/stat.js';

export default class Stat extends AkarosCommand {
  static override summary = 'Print the 9P stat of a file (stat(1) on a mount).';
  static override description = `Tstat, with the owner names the server keeps (with --dialect 9P2000.L, whose Rgetattr has only numeric ids, the stat is read over a second, 9P2000.u connection). Synthetic files report length 0 and qid.version 0, so no client caches them.`;
  static override schema = 'stat.json';
  static override examples = [
    { description: 'stat /mcp/7/ctl', command: '<%= config.bin %> <%= command.id %> /mcp/7/ctl' },
  ];
  static override args = { path: Args.string({ description: 'file to stat', required: true }) };

  async run(): Promise<StatJson> {
    const { args, flags } = await this.parse(Stat);
    const s = await this.connect(flags);
    const st = statJson(await s.statNamed(args.path));
    if (!st.name) st.name = names(args.path).pop() ?? '/';
    this.out([
      `name ${st.name}`,
      `mode ${modeString(st.mode)} (${st.perm})`,
      `qid ${st.qid.path} ${st.qid.version} ${st.qid.type.toString(16).padStart(2, '0')}`,
      `length ${st.length}`,
      `uid ${st.uid}`, `gid ${st.gid}`, `muid ${st.muid}`,
      `mtime ${st.mtime}`, `atime ${st.atime}`,
    ].join('\n'));
    return st;
  }
}
