// SPDX-License-Identifier: GPL-2.0-or-later
//
// The views of a trace, from the README's session (examples/lend-and-reclaim.json run in
// process): the Chrome trace-event JSON against the format's rules and against the
// scenario (tracks, one slice per tenure, warnings, preemptions, counters), and the SVG
// timeline parsed as XML (one bar per tenure, marks at the x of their virtual time).

import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExperiment } from '../../cmd/experiment.js';
import { parseExperiment } from '../../cmd/lib/experiment.js';
import { timelineOf } from '../../cmd/lib/trace-output.js';
import { CORES_PID, MCP_PID_BASE, toChrome, type ChromeEvent } from '../../cmd/lib/trace-chrome.js';
import { timelineSvg } from '../../cmd/lib/svg-timeline.js';
import { cdfSvg, ftqSvg } from '../../cmd/lib/svg-plots.js';
import { checkResults, ftqResults, latencyResults } from '../../cmd/lib/results.js';
import { validateChromeTrace } from './chrome-schema.js';
import { byClass, parseXml } from './xml.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ms = (n: number) => n * 1e6;

const exp = parseExperiment(JSON.parse(readFileSync(join(root, 'examples', 'lend-and-reclaim.json'), 'utf8')));
const run = await runExperiment(exp);
const tl = timelineOf(run.lines, run.end);

/** Expected tenures of the scenario: [pcore, pid, vcore, t0, t1, end]. */
const TENURES: [number, number, number, number, number, string][] = [
  [1, 1, 0, 0, 0, 'yield'], [2, 1, 1, 0, 0, 'yield'], [3, 1, 2, 0, ms(600), 'end'], [4, 1, 3, 0, ms(600), 'end'],
  ...Array.from({ length: 11 }, (_x, v): [number, number, number, number, number, string] => [v + 5, 2, v, 0, ms(600), 'end']),
  [1, 2, 11, ms(10), ms(510), 'revoke'], [2, 2, 12, ms(10), ms(10), 'yield'],
  [2, 1, 1, ms(10), ms(600), 'end'], [1, 1, 0, ms(510), ms(600), 'end'],
];
const key = (x: unknown[]) => x.join(' ');

t.test('the model: tenures, warnings, revokes, counters', async (t) => {
  t.equal(tl.t0, 0);
  t.equal(tl.t1, ms(600));
  t.same(tl.tenures.map((x) => key([x.pcore, x.pid, x.vcore, x.t0, x.t1, x.end])).sort(), TENURES.map(key).sort());
  t.same(tl.warnings.map((w) => key([w.pcore, w.pid, w.vcore, w.for, w.t, w.deadline, w.end, w.outcome])), [
    key([2, 2, 12, 1, ms(10), ms(210), ms(10), 'yield']),
    key([1, 2, 11, 1, ms(310), ms(510), ms(510), 'revoke']),
  ]);
  t.same(tl.revokes, [{ t: ms(510), pcore: 1, pid: 2, vcore: 11, for: 1 }]);
  t.same(tl.counters.get(1)!.map((c) => [c.t, c.wanted, c.granted, c.provisioned]), [
    [0, 2, 2, 4], [ms(10), 3, 3, 4], [ms(310), 4, 3, 4], [ms(510), 4, 4, 4],
  ], "A's wanted / granted / provisioned over time (the last value at each time)");
  t.equal(tl.procs.get(1)!.name, 'spin');
});

t.test('Chrome trace JSON: valid, and it is the scenario', async (t) => {
  const doc = JSON.parse(JSON.stringify(toChrome(tl)));
  t.same(validateChromeTrace(doc), [], 'no violation of the format');
  const ev: ChromeEvent[] = doc.traceEvents;
  const threads = ev.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === CORES_PID);
  t.same(threads.map((e) => e.args!.name), ['core 0 (ll)', ...Array.from({ length: 15 }, (_x, c) => `core ${c + 1}`)], 'one track per core');
  const slices = ev.filter((e) => e.ph === 'X' && e.cat === 'tenure');
  t.same(slices.map((e) => key([e.tid - 1, e.args!.pid, e.args!.vcore, e.ts * 1000, (e.ts + e.dur!) * 1000, e.args!.end])).sort(),
    TENURES.map(key).sort(), 'one slice per tenure, at its times (µs)');
  t.equal(slices.find((e) => e.args!.pid === 2)!.name, 'mcp 2 hog', 'named for the MCP');
  const grace = ev.filter((e) => e.ph === 'X' && e.cat === 'grace');
  t.same(grace.map((e) => [e.tid - 1, e.ts, e.dur]), [[1, 310000, 200000]], 'the grace period B let run out');
  const inst = ev.filter((e) => e.ph === 'i' && e.pid === CORES_PID).map((e) => [e.name, e.tid - 1, e.ts]);
  t.same(inst, [['warn', 2, 10000], ['warn', 1, 310000], ['preempt', 1, 510000]], 'warnings and the forced revoke');
  const counters = ev.filter((e) => e.ph === 'C' && e.pid === MCP_PID_BASE + 2);
  t.same(counters.map((e) => [e.ts, e.args]), [
    [0, { wanted: 15, granted: 11, provisioned: 0 }], [10000, { wanted: 15, granted: 12, provisioned: 0 }],
    [510000, { wanted: 15, granted: 11, provisioned: 0 }],
  ], "B's counter track: 13 cores for an instant at 10 ms, shown as where it settled");
  const bEvents = ev.filter((e) => e.ph === 'i' && e.pid === MCP_PID_BASE + 2).map((e) => [e.name, e.ts]);
  t.same(bEvents, [['EV_PREEMPT_PENDING', 10000], ['EV_PREEMPT_PENDING', 310000], ['EV_VCORE_PREEMPT', 510000]], "B's events");
});

t.test('the schema check fails on what the format forbids', async (t) => {
  const good = toChrome(tl);
  const bad = (mut: (e: ChromeEvent[]) => void): string[] => {
    const d = JSON.parse(JSON.stringify(good));
    mut(d.traceEvents);
    return validateChromeTrace(d);
  };
  t.match(validateChromeTrace({}), ['top level: no traceEvents array']);
  t.match(bad((e) => { delete e.find((x) => x.ph === 'X')!.dur; }), [/X without a dur/]);
  t.match(bad((e) => { e.find((x) => x.ph === 'i')!.s = 'q' as 'g'; }), [/instant scope q/]);
  t.match(bad((e) => { e.find((x) => x.ph === 'C')!.args = { wanted: 'x' }; }), [/counter args/]);
  t.match(bad((e) => { e.push({ name: 'x', ph: 'X', pid: CORES_PID, tid: 2, ts: 5000, dur: 20000 }); }), [/overlaps/]);
  t.match(bad((e) => { e.push({ name: 'x', ph: 'X', pid: 7, tid: 1, ts: 0, dur: 1 }); }), [/pid 7 has no process_name/, /thread 7\/1 has no thread_name/]);
  t.match(bad((e) => { e[0].pid = -1; }), [/pid -1/]);
});

t.test('SVG timeline: well-formed, one bar per tenure, marks at their virtual times', async (t) => {
  const svg = parseXml(timelineSvg(tl, { width: 1000 }));
  t.equal(svg.name, 'svg');
  const x0 = Number(svg.attrs['data-x0']), x1 = Number(svg.attrs['data-x1']);
  const t0 = Number(svg.attrs['data-t0']), t1 = Number(svg.attrs['data-t1']);
  t.same([t0, t1], [0, ms(600)]);
  const xOf = (v: number) => x0 + ((v - t0) / (t1 - t0)) * (x1 - x0);
  const close = (a: number, b: number) => Math.abs(a - b) < 0.02;
  const bars = byClass(svg, 'tenure');
  t.same(bars.map((b) => key([b.attrs['data-pcore'], b.attrs['data-pid'], b.attrs['data-vcore'], b.attrs['data-t0'], b.attrs['data-t1'], b.attrs['data-end']])).sort(),
    TENURES.map(key).sort(), 'one bar per tenure');
  for (const b of bars) {
    const a = Number(b.attrs['data-t0']), z = Number(b.attrs['data-t1']);
    t.ok(close(Number(b.attrs.x), xOf(a)), `bar ${b.attrs['data-pcore']}/${a} starts at x(${a})`);
    if (z > a) t.ok(close(Number(b.attrs.x) + Number(b.attrs.width), xOf(z)), `and ends at x(${z})`);
  }
  t.equal(bars.find((b) => b.attrs['data-pid'] === '1')!.attrs.fill, bars.filter((b) => b.attrs['data-pid'] === '1').pop()!.attrs.fill, 'one colour per MCP');
  t.not(bars.find((b) => b.attrs['data-pid'] === '1')!.attrs.fill, bars.find((b) => b.attrs['data-pid'] === '2')!.attrs.fill);
  const warns = byClass(svg, 'warn');
  t.same(warns.map((w) => [w.attrs['data-pcore'], Number(w.attrs['data-t'])]), [['2', ms(10)], ['1', ms(310)]]);
  for (const w of warns) t.ok(close(Number(w.attrs['data-x']), xOf(Number(w.attrs['data-t']))), `warning at x(${w.attrs['data-t']})`);
  for (const w of warns) t.ok(w.attrs.d.startsWith(`M${Math.round((xOf(Number(w.attrs['data-t'])) - 4) * 100) / 100},`), 'the triangle is drawn there');
  const rv = byClass(svg, 'revoke');
  t.same(rv.map((r) => [r.attrs['data-pcore'], Number(r.attrs['data-t'])]), [['1', ms(510)]]);
  t.ok(close(Number(rv[0].attrs['data-x']), xOf(ms(510))), 'the forced revoke at x(510 ms)');
  const grace = byClass(svg, 'grace');
  t.same(grace.map((g) => [g.attrs['data-pcore'], g.attrs['data-outcome']]), [['1', 'revoke']], 'the grace period that ran out');
  t.ok(close(Number(grace[0].attrs.x), xOf(ms(310))) && close(Number(grace[0].attrs.x) + Number(grace[0].attrs.width), xOf(ms(510))));
  const legend = byClass(svg, 'legend-item').map((g) => g.children.find((c) => c.name === 'text')!.text);
  t.same(legend, ['mcp 1 spin', 'mcp 2 hog', 'preempt warning', 'grace period', 'forced revoke']);
  const labels = svg.children.filter((c) => c.name === 'text').map((c) => c.text);
  t.ok(labels.includes('virtual time (ms)'), 'the axis says its unit');
  t.ok(labels.includes('600'), 'ticks labelled in that unit');
});

t.test('SVG timeline: a window', async (t) => {
  const svg = parseXml(timelineSvg(tl, { from: ms(300), to: ms(520), width: 800 }));
  const bars = byClass(svg, 'tenure');
  t.ok(bars.every((b) => Number(b.attrs['data-t1']) >= ms(300)), 'only what overlaps the window');
  t.ok(bars.every((b) => Number(b.attrs.x) >= Number(svg.attrs['data-x0']) - 0.01 && Number(b.attrs.x) + Number(b.attrs.width) <= Number(svg.attrs['data-x1']) + 0.01), 'clipped to it');
  t.same(byClass(svg, 'warn').map((w) => w.attrs['data-t']), [String(ms(310))]);
  t.equal(byClass(svg, 'revoke').length, 1);
});

t.test('result plots: latency CDF and FTQ', async (t) => {
  const r = checkResults({
    experiment: 'x', workloads: [
      { kind: 'latency', mcp: 'A', name: 'rpc', samples: [300, 100, 200, 200, 900] },
      { kind: 'latency', mcp: 'B', name: 'rpc', samples: [1000, 2000] },
      { kind: 'ftq', mcp: 'A', name: 'ftq', start_ns: 0, interval_ns: 1e6, samples: [10, 9, 10, 2, 10] },
      { kind: 'other', mcp: 'A', name: 'kept' },
    ],
  });
  const cdf = parseXml(cdfSvg(latencyResults(r)));
  const paths = byClass(cdf, 'cdf');
  t.equal(paths.length, 2, 'one curve per latency workload');
  t.same(paths.map((p) => p.attrs['data-n']), ['5', '3'], 'a step per distinct latency, from 0');
  const ftq = parseXml(ftqSvg(ftqResults(r)));
  t.same(byClass(ftq, 'ftq').map((p) => p.attrs['data-n']), ['5']);
  t.ok(ftq.children.some((c) => c.name === 'text' && c.text === 'virtual time (ms)'));
  t.throws(() => checkResults({ workloads: [{ kind: 'ftq', samples: [1] }] }), /ftq/);
  t.throws(() => checkResults({ workloads: [{ kind: 'latency', samples: ['a'] }] }), /latency/);
});
