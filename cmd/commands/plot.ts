// SPDX-License-Identifier: GPL-2.0-or-later
import { readFileSync, writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { usage } from '../lib/connect.js';
import { onInterrupt } from '../lib/signal.js';
import { recordTrace } from '../lib/trace-record.js';
import { durationFlag, recordFlags } from '../lib/trace-flags.js';
import { timelineOf } from '../lib/trace-output.js';
import { timelineSvg } from '../lib/svg-timeline.js';
import { cdfSvg, ftqSvg } from '../lib/svg-plots.js';
import { checkResults, ftqResults, latencyResults } from '../lib/results.js';

export interface PlotResult {
  output: string;
  kind: 'timeline' | 'cdf' | 'ftq';
  from_ns: number | null;
  to_ns: number | null;
  records: number | null;
}

export default class Plot extends AkarosCommand {
  static override summary = 'Draw a trace as an SVG timeline (cores × virtual time), or a results file as a latency CDF or FTQ plot.';
  static override description = `INPUT is a text trace (what /sim/trace gives; akaros trace --text, or trace.txt from akaros sim run) or a results.json. A trace is drawn as one row per core and virtual time across, each tenure coloured by MCP, preemption warnings (triangles), grace periods (hatched) and forced revokes (red crosses) marked, with axes and a legend; --from/--to cut a window. A results file is drawn as the latency CDF of its latency workloads or the FTQ samples of its ftq workloads (--kind; default whichever it has). Without INPUT the trace is recorded live from the server first (the recording flags, or Ctrl-C, end it).`;
  static override schema = 'plot.json';
  static override examples = [
    { description: 'The timeline of an experiment', command: '<%= config.bin %> <%= command.id %> out/lend/trace.txt -o timeline.svg --from 0 --to 600ms' },
    { description: 'Record 500 ms of virtual time and draw it', command: '<%= config.bin %> <%= command.id %> --for 500ms -o now.svg' },
    { description: 'Latency CDF of a run', command: '<%= config.bin %> <%= command.id %> out/rpc/results.json --kind cdf -o cdf.svg' },
  ];
  static override args = { input: Args.string({ description: 'trace text or results.json (default: record from the server)' }) };
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'The SVG file to write.', required: true }),
    from: Flags.string({ summary: 'Start of the window (virtual time since boot: 0, 250ms).' }),
    to: Flags.string({ summary: 'End of the window.' }),
    width: Flags.integer({ summary: 'Width in pixels.', default: 1000, min: 300 }),
    title: Flags.string({ summary: 'Title of the plot.' }),
    kind: Flags.string({ summary: 'For a results file: cdf or ftq.', options: ['cdf', 'ftq'] }),
    ...recordFlags,
  };

  async run(): Promise<PlotResult> {
    const { args, flags } = await this.parse(Plot);
    const from = durationFlag(flags.from, 'from'), to = durationFlag(flags.to, 'to');
    if (from !== undefined && to !== undefined && to <= from) throw usage(`--to ${flags.to} is not after --from ${flags.from}`);
    let lines: string[];
    let end: number | undefined;
    if (args.input) {
      let text: string;
      try { text = readFileSync(args.input, 'utf8'); } catch (e) { throw usage(`${args.input}: ${e instanceof Error ? e.message : String(e)}`); }
      if (text.trimStart().startsWith('{')) return this.results(args.input, text, flags.output, flags.kind as 'cdf' | 'ftq' | undefined, flags.title);
      lines = text.split('\n').filter((l) => l.trim() !== '');
    } else {
      const s = await this.connect(flags);
      const intr = onInterrupt();
      try {
        const wall = durationFlag(flags.wall, 'wall');
        const rec = await recordTrace(s, {
          signal: intr.signal, records: flags.records, until: durationFlag(flags.until, 'until'), for: durationFlag(flags.for, 'for'),
          wallMs: wall === undefined ? undefined : wall / 1e6,
        });
        lines = rec.lines;
        end = rec.end;
      } finally {
        intr.dispose();
      }
    }
    const tl = timelineOf(lines, end);
    const svg = timelineSvg(tl, { from, to, width: flags.width, title: flags.title });
    writeFileSync(flags.output, svg);
    const f = from ?? tl.t0, t = to ?? tl.t1;
    this.out(`${lines.length} records, ${f}..${t} ns -> ${flags.output}`);
    return { output: flags.output, kind: 'timeline', from_ns: f, to_ns: t, records: lines.length };
  }

  private results(file: string, text: string, output: string, kind: 'cdf' | 'ftq' | undefined, title?: string): PlotResult {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch (e) { throw usage(`${file}: ${e instanceof Error ? e.message : String(e)}`); }
    if (raw && typeof raw === 'object' && 'traceEvents' in raw) throw usage(`${file}: a Chrome trace; plot the text trace (akaros trace --text FILE, or trace.txt)`);
    const r = checkResults(raw, file);
    const lat = latencyResults(r), ftq = ftqResults(r);
    const k = kind ?? (lat.length ? 'cdf' : 'ftq');
    if (k === 'cdf' && !lat.length) throw usage(`${file}: no latency workload to plot`);
    if (k === 'ftq' && !ftq.length) throw usage(`${file}: no ftq workload to plot`);
    writeFileSync(output, k === 'cdf' ? cdfSvg(lat, title) : ftqSvg(ftq, title));
    this.out(`${k === 'cdf' ? lat.length : ftq.length} workloads -> ${output}`);
    return { output, kind: k, from_ns: null, to_ns: null, records: null };
  }
}
