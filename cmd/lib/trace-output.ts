// SPDX-License-Identifier: GPL-2.0-or-later
//
// What a recorded trace becomes on disk: the raw lines (trace.txt, what /sim/trace gave),
// the Chrome trace-event JSON (trace.json), the core timeline (timeline.svg) and, for an
// experiment with workloads, results.json and its plots. Shared by `akaros trace`,
// `akaros plot` and `akaros sim run`, so all three write the same files the same way.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace } from './trace-parse.js';
import { buildTimeline, type Timeline } from './trace-model.js';
import { toChrome } from './trace-chrome.js';
import { timelineSvg, type TimelineSvgOptions } from './svg-timeline.js';
import { cdfSvg, ftqSvg } from './svg-plots.js';
import { ftqResults, latencyResults, type Results } from './results.js';

export function timelineOf(lines: readonly string[], end?: number): Timeline {
  return buildTimeline(parseTrace(lines.join('\n')), { end });
}

export function chromeText(tl: Timeline, info: Record<string, string | number> = {}): string {
  return `${JSON.stringify(toChrome(tl, info))}\n`;
}

/** Result plots by file name (latency.svg, ftq.svg) for the workloads that have samples. */
export function resultPlots(r: Results): Map<string, string> {
  const out = new Map<string, string>();
  const lat = latencyResults(r), ftq = ftqResults(r);
  if (lat.length) out.set('latency.svg', cdfSvg(lat, `${r.experiment}: latency CDF`));
  if (ftq.length) out.set('ftq.svg', ftqSvg(ftq, `${r.experiment}: FTQ`));
  return out;
}

export interface RunFiles { dir: string; files: string[] }

/** Write trace.txt, trace.json, timeline.svg, results.json and the result plots to dir. */
export function writeRunFiles(dir: string, lines: readonly string[], end: number, results: Results,
  svg: TimelineSvgOptions = {}): RunFiles {
  mkdirSync(dir, { recursive: true });
  const tl = timelineOf(lines, end);
  const files = new Map<string, string>([
    ['trace.txt', lines.map((l) => `${l}\n`).join('')],
    ['trace.json', chromeText(tl, { experiment: results.experiment, seed: results.seed })],
    ['timeline.svg', timelineSvg(tl, { title: `${results.experiment}: cores × virtual time`, ...svg })],
    ['results.json', `${JSON.stringify(results, null, 2)}\n`],
    ...resultPlots(results),
  ]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return { dir, files: [...files.keys()].map((n) => join(dir, n)) };
}
