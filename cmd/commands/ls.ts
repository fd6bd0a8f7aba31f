// SPDX-License-Identifier: GPL-2.0-or-later
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { names } from '../lib/connect.js';
import { table } from '../lib/format.js';
import { DT_DIR } from '../../lib/9p/const.js';
import { statJson, modeString, type StatJson } from '../lib/stat.js';

export interface LsEntry {
  name: string;
  dir: boolean;
  /** With -l only. */
  stat?: StatJson;
}

export default class Ls extends AkarosCommand {
  static override summary = 'List a directory of the server\'s tree.';
  static override description = `Reads the directory with Treaddir (9P2000.L) or Tread of a directory (9P2000, 9P2000.u), like plan9port's "9p ls". Directories are shown with a trailing slash; -l adds a stat per entry, with owner names in every dialect (9P2000.L's Rgetattr carries only numeric ids, so -l reads the names over a second, 9P2000.u connection).`;
  static override schema = 'ls.json';
  static override examples = [
    { description: 'The top of the tree (ls /)', command: '<%= config.bin %> <%= command.id %> /' },
    { description: 'Every many-core process (ls -l /mcp)', command: '<%= config.bin %> <%= command.id %> -l /mcp' },
  ];
  static override args = { path: Args.string({ description: 'directory (or file) to list', default: '/' }) };
  static override flags = { long: Flags.boolean({ char: 'l', summary: 'Long listing: mode, owner, group, length, name.' }) };

  async run(): Promise<LsEntry[]> {
    const { args, flags } = await this.parse(Ls);
    const s = await this.connect(flags);
    const st = flags.long ? await s.statNamed(args.path) : await s.stat(args.path);
    let entries: LsEntry[];
    if (!(st.qid.type & 0x80)) {
      entries = [{ name: names(args.path).pop() ?? '/', dir: false }];
      if (flags.long) entries[0].stat = statJson(st);
    } else {
      const list = flags.long ? await s.lsNamed(args.path) : await s.ls(args.path);
      entries = list.map((e) => ({
        name: e.name, dir: e.type === DT_DIR || Boolean(e.qid.type & 0x80), ...(e.stat ? { stat: statJson(e.stat) } : {}),
      }));
    }
    if (flags.long) {
      this.out(table(['mode', 'uid', 'gid', 'length', 'name'],
        entries.map((e) => [modeString(e.stat!.mode), e.stat!.uid, e.stat!.gid, e.stat!.length, e.dir ? `${e.name}/` : e.name]))
        .split('\n').slice(1).join('\n'));
    } else {
      this.out(entries.map((e) => (e.dir ? `${e.name}/` : e.name)).join('\n'));
    }
    return entries;
  }
}
