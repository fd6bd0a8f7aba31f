// SPDX-License-Identifier: GPL-2.0-or-later
import { readFileSync, writeFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { usage } from '../lib/connect.js';
import { onInterrupt } from '../lib/signal.js';
import { recordTrace } from '../lib/trace-record.js';
import { durationFlag, recordFlags } from '../lib/trace-flags.js';
import { chromeText, timelineOf } from '../lib/trace-output.js';

export interface TraceResult {
  records: number;
  start_ns: number;
  end_ns: number;
  ended: string;
  output: string | null;
  text: string | null;
}

export default class Trace extends AkarosCommand {
  static override summary = 'Record the scheduling trace (cat /sim/trace); write it as Chrome trace-event JSON.';
  static override description = `/sim/trace gives every scheduling decision as one line, "T KIND key=value..." in virtual ns (devs/sim/sim.md). Without -o the lines are printed as they come. With -o FILE the recording is written as Chrome trace-event JSON that ui.perfetto.dev and chrome://tracing open as they are: a track per core with a slice for each MCP's tenure, "grace" slices, "warn" and "preempt" instants, and per MCP a "cores" counter (wanted, granted, provisioned) and its events. Recording ends at Ctrl-C, --records, --for, --until or --wall. --input converts a saved text trace without a server.`;
  static override schema = 'trace.json';
  static override examples = [
    { description: 'cat /sim/trace', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One virtual second, for Perfetto; keep the text too', command: '<%= config.bin %> <%= command.id %> --for 1s -o trace.json --text trace.txt' },
    { description: 'Convert a saved trace', command: '<%= config.bin %> <%= command.id %> --input trace.txt -o trace.json' },
  ];
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Write Chrome trace-event JSON here.' }),
    text: Flags.string({ summary: 'Also write the raw /sim/trace lines here.' }),
    input: Flags.string({ char: 'i', summary: 'Read a saved text trace instead of the server.' }),
    ...recordFlags,
  };

  async run(): Promise<TraceResult> {
    const { flags } = await this.parse(Trace);
    if (flags.input) {
      if (!flags.output) throw usage('--input needs -o FILE');
      let text: string;
      try { text = readFileSync(flags.input, 'utf8'); } catch (e) { throw usage(`${flags.input}: ${e instanceof Error ? e.message : String(e)}`); }
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const tl = timelineOf(lines);
      writeFileSync(flags.output, chromeText(tl));
      this.out(`${lines.length} records, ${tl.t0}..${tl.t1} ns -> ${flags.output}`);
      return { records: lines.length, start_ns: tl.t0, end_ns: tl.t1, ended: 'eof', output: flags.output, text: null };
    }
    const forNs = durationFlag(flags.for, 'for');
    const untilNs = durationFlag(flags.until, 'until');
    const wall = durationFlag(flags.wall, 'wall');
    const s = await this.connect(flags);
    const intr = onInterrupt();
    const print = !flags.output && !this.jsonEnabled();
    let rec;
    try {
      rec = await recordTrace(s, {
        signal: intr.signal, records: flags.records, until: untilNs, for: forNs, wallMs: wall === undefined ? undefined : wall / 1e6,
        onLine: print ? (l) => process.stdout.write(`${l}\n`) : undefined,
      });
    } finally {
      intr.dispose();
    }
    if (flags.text) writeFileSync(flags.text, rec.lines.map((l) => `${l}\n`).join(''));
    if (flags.output) {
      writeFileSync(flags.output, chromeText(timelineOf(rec.lines, rec.end), { recorded_from: flags.address }));
      this.out(`${rec.lines.length} records, ${rec.start}..${rec.end} ns (${rec.ended}) -> ${flags.output}`);
    }
    return { records: rec.lines.length, start_ns: rec.start, end_ns: rec.end, ended: rec.ended, output: flags.output ?? null, text: flags.text ?? null };
  }
}
