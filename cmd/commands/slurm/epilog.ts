// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { runEpilog, type EpilogResult } from '../../lib/slurm.js';
import { hookFlags } from '../../lib/slurm-flags.js';

export default class SlurmEpilog extends AkarosCommand {
  static override summary = 'Slurm node epilog: kill the job\'s MCP (slurm-JOBID) and check its cores came back.';
  static override description = `Run by slurmd as root (contrib/slurm/epilog.sh runs the same code through the lighter akaros-slurm). Attaches to this node's akaros server as the job's user, kills every process named slurm-JOBID, reads its wait file (which reaps it), and checks /core/map: none of the cores may still be provisioned to it or running it. No such process is success (it is already gone). Exits non-zero when the server cannot be reached or a core was not given back: Slurm then drains the node.`;
  static override enableJsonFlag = false;
  // The server, the user and the auth come from the hooks configuration and Slurm.
  static override baseFlags = {} as typeof AkarosCommand.baseFlags;
  static override examples = [
    { description: 'what contrib/slurm/epilog.sh does (it runs akaros-slurm epilog)', command: '<%= config.bin %> <%= command.id %>' },
  ];
  static override flags = { ...hookFlags };

  async run(): Promise<EpilogResult> {
    const { flags } = await this.parse(SlurmEpilog);
    const { line, result } = await runEpilog(flags, process.env);
    this.out(line);
    return result;
  }
}
