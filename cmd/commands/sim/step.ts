// SPDX-License-Identifier: GPL-2.0-or-later
import { Args } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { formatSim, simCtl, type SimStatus } from '../../lib/sim.js';

export default class SimStep extends AkarosCommand {
  static override summary = 'Advance the paused clock (echo step DURATION > /sim/ctl).';
  static override description = 'Host owner only. DURATION is nanoseconds or a number with a unit: ns, us, ms, s (10ms). Every kernel event due in that time runs, in order.';
  static override schema = 'sim-status.json';
  static override examples = [
    { description: 'echo step 10ms > /sim/ctl', command: '<%= config.bin %> <%= command.id %> 10ms' },
  ];
  static override args = { duration: Args.string({ description: 'how far: 10ms, 1s, 500us, 250000ns', required: true }) };

  async run(): Promise<SimStatus> {
    const { args, flags } = await this.parse(SimStep);
    const st = await simCtl(await this.connect(flags), `step ${args.duration}`);
    this.out(formatSim(st));
    return st;
  }
}
