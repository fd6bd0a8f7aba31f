// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { epilog, hookFlags, hookLog, jobContext, loadHooksConf, within, type EpilogResult, type HooksConf } from '../../lib/slurm.js';

export default class SlurmEpilog extends AkarosCommand {
  static override summary = 'Slurm node epilog: kill the job\'s MCP (slurm-JOBID) and check its cores came back.';
  static override description = `Run by slurmd as root (contrib/slurm/epilog.sh). Attaches to this node's akaros server as the job's user, kills every process named slurm-JOBID, reads its wait file (which reaps it), and checks /core/map: none of the cores may still be provisioned to it or running it. No such process is success (it is already gone). Exits non-zero when the server cannot be reached or a core was not given back: Slurm then drains the node.`;
  static override enableJsonFlag = false;
  // The server, the user and the auth come from the hooks configuration and Slurm.
  static override baseFlags = {} as typeof AkarosCommand.baseFlags;
  static override examples = [
    { description: 'what contrib/slurm/epilog.sh runs', command: '<%= config.bin %> <%= command.id %>' },
  ];
  static override flags = { ...hookFlags };

  async run(): Promise<EpilogResult> {
    const { flags } = await this.parse(SlurmEpilog);
    let conf: HooksConf | undefined;
    const ctx = jobContext(process.env, flags);
    try {
      conf = loadHooksConf(flags.conf);
      const address = flags.server;
      const r = await within(flags['hook-timeout'] * 1000, `epilog of job ${ctx.jobId}`,
        epilog({ ctx, conf, address, timeoutMs: flags['hook-timeout'] * 1000 }));
      const line = `epilog job ${r.job} node ${r.node}: ` +
        (r.killed.length ? r.killed.map((k) => `pid ${k.pid} cores ${k.cores || '-'} released (${k.wait})`).join('; ') : 'no MCP (already gone)');
      hookLog(conf, line);
      this.out(line);
      return r;
    } catch (e) {
      hookLog(conf, `epilog job ${ctx.jobId} node ${ctx.node}: FAILED: ${(e as Error).message}`);
      throw e;
    }
  }
}
