// SPDX-License-Identifier: GPL-2.0-or-later
//
// The commands: `akaros sim run` on the examples (one command reproduces the README's
// session), `akaros trace` recording from a live server into Perfetto JSON and text,
// `akaros plot` from a saved trace and from a results file.

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { akaros, json, runner, startMachine, until } from '../cli/harness.js';
import { validateChromeTrace } from './chrome-schema.js';
import { byClass, parseXml } from './xml.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'akaros-trace-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

t.test('sim run: every example runs and its checks hold', async (t) => {
  for (const name of ['lend-and-reclaim', 'tour', 'immediate']) {
    const out = join(tmp, name);
    const r = await akaros<{ ok: boolean; files: string[]; results: { checks: { ok: boolean; what: string }[] } }>(
      ['sim', 'run', join(root, 'examples', `${name}.json`), '-o', out, '--json']);
    t.equal(r.exit, 0, `${name}: exit 0 ${r.stderr}`);
    const res = json(r);
    t.equal(res.ok, true);
    t.ok(res.results.checks.length > 0 && res.results.checks.every((c: { ok: boolean }) => c.ok), `${name}: every check holds`);
    for (const f of ['trace.txt', 'trace.json', 'timeline.svg', 'results.json']) t.ok(existsSync(join(out, f)), `${name}: ${f}`);
    t.same(validateChromeTrace(JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'))), [], `${name}: trace.json is valid`);
    t.ok(byClass(parseXml(readFileSync(join(out, 'timeline.svg'), 'utf8')), 'tenure').length > 0, `${name}: timeline.svg has bars`);
  }
  const human = await akaros(['sim', 'run', join(root, 'examples', 'lend-and-reclaim.json'), '-o', join(tmp, 'h')]);
  t.match(human.stdout, /ok +at 510000000: revoke pid=2 vcore=11 pcore=1 for=1/, 'the README result, printed');
  // The README's timeline is this run's: regenerate it with AKAROS_UPDATE_DOCS=1 after a change to the drawing.
  const svg = readFileSync(join(tmp, 'h', 'timeline.svg'), 'utf8');
  const doc = join(root, 'docs', 'lend-and-reclaim.svg');
  if (process.env.AKAROS_UPDATE_DOCS) writeFileSync(doc, svg);
  t.equal(readFileSync(doc, 'utf8'), svg, 'docs/lend-and-reclaim.svg is what the example draws');
});

t.test('sim run: a failed check exits 1, a bad file 2', async (t) => {
  const e = JSON.parse(readFileSync(join(root, 'examples', 'lend-and-reclaim.json'), 'utf8'));
  e.expect = [{ at: '500ms', record: 'revoke pid=$B' }];
  const f = join(tmp, 'fail.json');
  writeFileSync(f, JSON.stringify(e));
  const r = await akaros(['sim', 'run', f, '-o', join(tmp, 'fail')]);
  t.equal(r.exit, 1);
  t.match(r.stdout, /FAIL at 500000000: revoke pid=2 \(got at 510000000\)/);
  writeFileSync(f, JSON.stringify({ mcps: [{ id: 'A' }], script: [{ at: '1ms', mcp: 'Z', ctl: 'want 1' }] }));
  const bad = await akaros(['sim', 'run', f, '-o', join(tmp, 'bad')]);
  t.equal(bad.exit, 2);
  t.match(bad.stderr, /script\[0\]\.mcp: "Z" is not an MCP id/);
  writeFileSync(f, JSON.stringify({ mcps: [{ id: 'A', workload: { kind: 'rpc' } }] }));
  const wl = await akaros(['sim', 'run', f, '-o', join(tmp, 'bad')]);
  t.equal(wl.exit, 2);
  t.match(wl.stderr, /no workload kind "rpc"/);
  writeFileSync(f, JSON.stringify({ mcps: [{ id: 'A' }], script: [{ at: 0, mcp: 'A', ctl: 'cores 99' }] }));
  const refused = await akaros(['sim', 'run', f, '-o', join(tmp, 'bad')]);
  t.equal(refused.exit, 1);
  t.match(refused.stderr, /cores 99 > \/mcp\/1\/ctl: .*cores 99: want 0\.\.15/);
});

t.test('trace and plot against a live server', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const k = m.booted.kernel;
  const jsonOut = join(tmp, 'live.json'), text = join(tmp, 'live.txt');
  const p = run<{ records: number; ended: string }>('trace', '--records', '7', '-o', jsonOut, '--text', text, '--json');
  await until(() => k.trace.on, 'the trace to be open');
  const a = k.createMcp('glenda', 'spin');   // create + 3 states
  k.cores('glenda', a, 1);                   // prov, want, grant, state
  const r = await p;
  t.equal(r.exit, 0, r.stderr);
  t.match(json(r), { records: 2 + 7, ended: 'records' });
  const lines = readFileSync(text, 'utf8').trim().split('\n');
  t.same(lines.slice(2).map((l) => l.split(' ')[1]), ['create', 'state', 'state', 'state', 'prov', 'want', 'grant']);
  const doc = JSON.parse(readFileSync(jsonOut, 'utf8'));
  t.same(validateChromeTrace(doc), []);
  t.ok(doc.traceEvents.some((e: { ph: string; cat?: string; tid: number }) => e.ph === 'X' && e.cat === 'tenure' && e.tid === 2), 'the grant is a slice on core 1');
  await until(() => !k.trace.on, 'the trace to be closed');

  // plain `akaros trace`: the lines as they come
  const q = run('trace', '--records', '1');
  await until(() => k.trace.on, 'the trace to be open');
  k.want('glenda', a, 0);
  const plain = await q;
  t.equal(plain.exit, 0, plain.stderr);
  t.match(plain.stdout, /^\d+ machine ncores=16 .*\n.*\n\d+ sync\n\d+ want pid=1 n=0\n$/s);

  const svg = join(tmp, 'live.svg');
  const pr = await akaros(['plot', text, '-o', svg, '--json']);
  t.equal(pr.exit, 0, pr.stderr);
  t.equal(byClass(parseXml(readFileSync(svg, 'utf8')), 'tenure').length, 1);
  const conv = await akaros(['trace', '--input', text, '-o', join(tmp, 'conv.json')]);
  t.equal(conv.exit, 0, conv.stderr);
  t.same(validateChromeTrace(JSON.parse(readFileSync(join(tmp, 'conv.json'), 'utf8'))), []);
});

t.test('plot: results files and bad input', async (t) => {
  const res = join(tmp, 'results.json');
  writeFileSync(res, JSON.stringify({ experiment: 'e', workloads: [{ kind: 'latency', mcp: 'A', name: 'rpc', samples: [1, 2, 3] }] }));
  const r = await akaros(['plot', res, '-o', join(tmp, 'cdf.svg')]);
  t.equal(r.exit, 0, r.stderr);
  t.equal(byClass(parseXml(readFileSync(join(tmp, 'cdf.svg'), 'utf8')), 'cdf').length, 1);
  const noFtq = await akaros(['plot', res, '--kind', 'ftq', '-o', join(tmp, 'ftq.svg')]);
  t.equal(noFtq.exit, 2);
  t.match(noFtq.stderr, /no ftq workload/);
  const junk = join(tmp, 'junk.txt');
  writeFileSync(junk, 'hello world\n');
  const j = await akaros(['plot', junk, '-o', join(tmp, 'j.svg')]);
  t.equal(j.exit, 2);
  t.match(j.stderr, /not a trace record: "hello world"/);
  const w = await akaros(['plot', junk, '-o', join(tmp, 'j.svg'), '--from', '2ms', '--to', '1ms']);
  t.equal(w.exit, 2);
});
