// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { runProlog, type PrologResult } from '../../lib/slurm.js';
import { cpusFlag, hookFlags } from '../../lib/slurm-flags.js';

export default class SlurmProlog extends AkarosCommand {
  static override summary = 'Slurm node prolog: make the job\'s cores on this node an MCP (slurm-JOBID).';
  static override description = `Run by slurmd as root (contrib/slurm/prolog.sh runs the same code through the lighter akaros-slurm). Attaches to this node's akaros server (the "node" line of the hooks configuration) as the job's user, creates an MCP named slurm-JOBID, provisions it exactly the cores Slurm allocated here (Slurm CPU id i is the i-th CG core unless the node has a map=), and guarantees their count (cores N), in one ctl write. A process already named slurm-JOBID (a prolog whose epilog never ran) is killed first. Writes JOBID.NODE in the spool directory for the TaskProlog (AKAROS_MCP, AKAROS_ADDRESS). Exits non-zero when the server cannot be reached or refuses: Slurm then drains the node and requeues the job.`;
  static override enableJsonFlag = false;
  // The server, the user and the auth come from the hooks configuration and Slurm.
  static override baseFlags = {} as typeof AkarosCommand.baseFlags;
  static override examples = [
    { description: 'what contrib/slurm/prolog.sh does (it runs akaros-slurm prolog)', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'by hand, for job 42 on n1 with Slurm CPUs 0-3', command: '<%= config.bin %> <%= command.id %> --job 42 --job-user alice --node n1 --cpus 0-3' },
  ];
  static override flags = { ...hookFlags, cpus: cpusFlag };

  async run(): Promise<PrologResult> {
    const { flags } = await this.parse(SlurmProlog);
    const { line, result } = await runProlog(flags, process.env);
    this.out(line);
    return result;
  }
}
