// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { formatSim, readSim, type SimStatus } from '../../lib/sim.js';

export default class SimStatusCmd extends AkarosCommand {
  static override summary = 'Show the simulation clock (cat /sim/status).';
  static override description = 'mode (running or paused), speed, now (virtual ns since boot), lag (how far behind real time), events run.';
  static override schema = 'sim-status.json';
  static override examples = [{ description: 'cat /sim/status', command: '<%= config.bin %> <%= command.id %>' }];

  async run(): Promise<SimStatus> {
    const { flags } = await this.parse(SimStatusCmd);
    const st = await readSim(await this.connect(flags));
    this.out(formatSim(st));
    return st;
  }
}
