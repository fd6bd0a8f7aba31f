// SPDX-License-Identifier: GPL-2.0-or-later
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Args, Errors, Flags } from '@oclif/core';
import { AkarosCommand } from '../../lib/base.js';
import { usage } from '../../lib/connect.js';
import { parseExperiment } from '../../lib/experiment.js';
import { writeRunFiles } from '../../lib/trace-output.js';
import { fmtNs } from '../../lib/svg.js';
import type { Results } from '../../lib/results.js';
import { runExperiment } from '../../experiment.js';

export interface SimRunResult {
  results: Results;
  files: string[];
  records: number;
  end_ns: number;
  ok: boolean;
}

export default class SimRun extends AkarosCommand {
  static override summary = 'Run an experiment file in fast virtual time on a kernel in this process.';
  static override description = `EXPERIMENT.json names a machine (cores, LL cores, policy, grace, tick), a seed, a duration, the MCPs and a script of ctl writes at virtual times (examples/README.md has the format). The kernel is built in this process with its clock paused and the script is played through the same files a user writes (/mcp/clone, /mcp/N/ctl, /core/ctl, /sim/ctl over 9P), as fast as the machine allows. Writes to DIR: trace.txt (the /sim/trace records), trace.json (Chrome trace-event JSON for Perfetto or chrome://tracing), timeline.svg (cores × virtual time), results.json, and plots of workload results when there are any. The "expect" checks of the file are printed; exit 1 if one fails. Needs no server (the connection flags are unused).`;
  static override schema = 'sim-run.json';
  static override examples = [
    { description: 'Reproduce the README\'s session', command: '<%= config.bin %> <%= command.id %> examples/lend-and-reclaim.json -o out/lend' },
  ];
  static override args = { experiment: Args.file({ description: 'the experiment file (JSON)', required: true, exists: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Directory for the results (default: NAME.out, NAME from the file).' }),
    width: Flags.integer({ summary: 'Width of timeline.svg in pixels.', default: 1000, min: 300 }),
  };

  async run(): Promise<SimRunResult> {
    const { args, flags } = await this.parse(SimRun);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(args.experiment, 'utf8'));
    } catch (e) {
      throw usage(`${args.experiment}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const exp = parseExperiment(raw, basename(args.experiment).replace(/\.json$/, ''));
    const run = await runExperiment(exp);
    const dir = flags.output ?? join('.', `${exp.name}.out`);
    const out = writeRunFiles(dir, run.lines, run.end, run.results, { width: flags.width });
    const checks = run.results.checks ?? [];
    const ok = checks.every((c) => c.ok);
    this.out(`${exp.name}: ${fmtNs(exp.duration)} of virtual time, ${exp.mcps.length} MCPs (${[...run.pids].map(([id, pid]) => `${id}=${pid}`).join(' ')}), ${run.lines.length} trace records`);
    for (const w of run.writes.filter((x) => !x.ok)) this.out(`  refused at ${w.at}: ${w.error}`);
    for (const c of checks) this.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}${c.ok ? '' : ` (got ${c.got})`}`);
    this.out(`wrote ${out.files.join(' ')}`);
    const result = { results: run.results, files: out.files, records: run.lines.length, end_ns: run.end, ok };
    if (!ok) {
      if (this.jsonEnabled()) this.logJson(result);
      const failed = checks.filter((c) => !c.ok).length;
      if (!this.jsonEnabled()) process.stderr.write(`akaros: ${exp.name}: ${failed} of ${checks.length} checks failed\n`);
      throw new Errors.ExitError(1);
    }
    return result;
  }
}
