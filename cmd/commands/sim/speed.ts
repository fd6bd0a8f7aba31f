// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { formatSim, simCtl, type SimStatus } from '../../lib/sim.js';

export default class SimSpeed extends AkarosCommand {
  static override summary = 'Set the virtual clock speed (echo speed X > /sim/ctl).';
  static override description = 'Host owner only. X is virtual ns per real ns: 0.5 runs at half speed, 10 ten times faster.';
  static override schema = 'sim-status.json';
  static override examples = [
    { description: 'echo speed 0.1 > /sim/ctl', command: '<%= config.bin %> <%= command.id %> 0.1' },
  ];
  static override args = { x: Args.string({ description: 'virtual ns per real ns (> 0)', required: true }) };

  async run(): Promise<SimStatus> {
    const { args, flags } = await this.parse(SimSpeed);
    const st = await simCtl(await this.connect(flags), `speed ${args.x}`);
    this.out(formatSim(st));
    return st;
  }
}
