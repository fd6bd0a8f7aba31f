// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { formatSim, simCtl, type SimStatus } from '../../lib/sim.js';

export default class SimResume extends AkarosCommand {
  static override summary = 'Let virtual time follow real time again (echo resume > /sim/ctl).';
  static override description = 'Host owner only. Virtual time runs at "speed" virtual ns per real ns from now on.';
  static override schema = 'sim-status.json';
  static override examples = [
    { description: 'echo resume > /sim/ctl', command: '<%= config.bin %> <%= command.id %>' },
  ];

  async run(): Promise<SimStatus> {
    const { flags } = await this.parse(SimResume);
    const st = await simCtl(await this.connect(flags), 'resume');
    this.out(formatSim(st));
    return st;
  }
}
