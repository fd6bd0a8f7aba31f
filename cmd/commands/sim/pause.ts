// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { formatSim, simCtl, type SimStatus } from '../../lib/sim.js';

export default class SimPause extends AkarosCommand {
  static override summary = 'Stop virtual time (echo pause > /sim/ctl).';
  static override description = 'Host owner only. While paused, nothing happens in the kernel until "sim step" or "sim resume".';
  static override schema = 'sim-status.json';
  static override examples = [
    { description: 'echo pause > /sim/ctl', command: '<%= config.bin %> <%= command.id %>' },
  ];

  async run(): Promise<SimStatus> {
    const { flags } = await this.parse(SimPause);
    const st = await simCtl(await this.connect(flags), 'pause');
    this.out(formatSim(st));
    return st;
  }
}
