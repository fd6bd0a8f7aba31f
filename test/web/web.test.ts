// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros web` in a real browser: Debian's chromium, headless, driven by playwright-core
// (nothing downloaded). The page is loaded against a running server; a `cores 4` written
// over 9P turns four cells to the MCP's colour within a second; the page's buttons change
// the kernel through the ctl files, as the user the view attached as (another user's MCP
// cannot be driven); a screenshot of a real run is saved for the docs (docs/web-view.png
// when AKAROS_UPDATE_DOCS=1, dist/docs/ otherwise). Without chromium the test is skipped,
// unless CI is set (then it fails: .ci/run installs it).

import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Session } from '../../cmd/lib/connect.js';
import { startWeb, type WebServer } from '../../cmd/lib/web-server.js';
import { pidColor } from '../../cmd/lib/svg.js';
import { akaros, startMachine, until, type Machine } from '../cli/harness.js';
import { interrupt, waiting } from '../../cmd/lib/signal.js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

if (!existsSync(CHROMIUM)) {
  const msg = `no ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
  if (process.env.CI) t.fail(msg);
  else t.test(msg, { skip: msg }, () => {});
} else {
  await main();
}

const rgb = (hex: string): string => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

async function open(user: string, m: Machine): Promise<Session> {
  return Session.open({ address: m.address, user, dialect: '9P2000.L' });
}

/** A raw HTTP request (fetch cannot set Host). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (b) => { text += b; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const m = await startMachine(16);
  const k = m.booted.kernel;
  const glenda = await open('glenda', m), bob = await open('bob', m), eve = await open('eve', m);
  const webSession = await open('glenda', m);
  const web: WebServer = await startWeb({ session: webSession, port: 0 });
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // outermost last: the 9P server's close waits for its connections to end
  t.teardown(async () => {
    await browser.close();
    await web.close();
    for (const s of [webSession, glenda, bob, eve]) s.close();
    await m.close();
  });
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const remote: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(web.url)) remote.push(r.url()); });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(web.url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });

  t.test('a cores 4 write turns four cells to the MCP\'s colour within a second', async (t) => {
    const pid = Number((await glenda.read('/mcp/clone')).trim());
    await glenda.write(`/mcp/${pid}/ctl`, 'name spin\n');
    await glenda.write(`/mcp/${pid}/ctl`, 'cores 4\n');
    const t0 = Date.now();
    const want = rgb(pidColor(pid));
    await page.waitForFunction(([p, c]) => {
      const cells = [...document.querySelectorAll(`.cell[data-owner="${p}"]`)];
      return cells.length === 4 && cells.every((e) => getComputedStyle(e).backgroundColor === c);
    }, [pid, want] as const, { timeout: 1000 });
    t.ok(Date.now() - t0 <= 1000, 'within a second');
    const colours = await page.$$eval(`.cell[data-owner="${pid}"]`, (els) => els.map((e) => getComputedStyle(e).backgroundColor));
    t.same(colours, Array(4).fill(rgb(pidColor(pid))), 'in the MCP\'s colour');
    const row = await page.$$eval(`#mcps tr[data-pid="${pid}"] td`, (tds) => tds.map((td) => td.textContent));
    t.same(row.slice(1, 8), [String(pid), 'spin', 'glenda', 'RUNNING_M', '4', '4', '4'], 'its row: wanted, granted, provisioned');
  });

  t.test('the buttons change the kernel through the ctl files', async (t) => {
    const pid = k.mcpPids()[0];
    const input = page.locator(`#mcps tr[data-pid="${pid}"] input.n`);
    await input.fill('6');
    await page.click(`#mcps tr[data-pid="${pid}"] button.want`);
    await until(() => k.status(pid).wanted === 6, 'want 6 to reach the kernel');
    t.equal(k.status(pid).granted, 6, 'granted at once (the want pokes the ksched)');
    await page.waitForFunction((p) => document.querySelectorAll(`.cell[data-owner="${p}"]`).length === 6, pid, { timeout: 5000 });
    t.pass('and the grid follows');
    await page.locator(`#mcps tr[data-pid="${pid}"] input.vc`).fill('5');
    await page.click(`#mcps tr[data-pid="${pid}"] button.yield`);
    await page.waitForFunction(() => /yield 5: .*wanted 6 >= granted 6/.test(document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 5000 });
    t.pass('a refusal shows the kernel\'s reason');
    const other = Number((await glenda.read('/mcp/clone')).trim());
    await page.waitForSelector(`#mcps tr[data-pid="${other}"]`, { timeout: 5000 });
    await page.click(`#mcps tr[data-pid="${other}"] button.kill`);
    await until(() => k.proc(other)?.dead !== false, 'the kill');
    t.pass('kill');
  });

  t.test('permissions are the files\' own: another user\'s MCP is not driven', async (t) => {
    const theirs = Number((await bob.read('/mcp/clone')).trim());
    await page.waitForSelector(`#mcps tr[data-pid="${theirs}"]`, { timeout: 5000 });
    t.ok(await page.isDisabled(`#mcps tr[data-pid="${theirs}"] button.kill`), 'its buttons are disabled');
    t.ok(await page.isDisabled('#pause'), 'the clock is the host owner\'s');
    const r = await page.evaluate(async (p) => {
      const res = await fetch('/api/ctl', { method: 'POST', headers: { 'content-type': 'application/json', 'x-akaros': '1' }, body: JSON.stringify({ pid: p, cmd: 'kill' }) });
      return { status: res.status, body: await res.json() };
    }, theirs);
    t.equal(r.status, 409);
    t.match(r.body.error, /Operation not permitted/);
    t.equal(k.proc(theirs)!.dead, false, 'still alive');
  });

  t.test('the HTTP side refuses what it does not serve', async (t) => {
    const host = `127.0.0.1:${web.port}`;
    t.equal((await raw(web.port, 'POST', '/api/ctl', { host, 'content-type': 'application/json' }, '{"pid":1,"cmd":"kill"}')).status, 403, 'no X-Akaros header');
    t.equal((await raw(web.port, 'GET', '/api/state', { host: `evil.example:${web.port}` })).status, 421, 'another Host');
    t.equal((await raw(web.port, 'POST', '/api/ctl', { host, 'x-akaros': '1' }, '{"pid":1,"cmd":"notify 3"}')).status, 400, 'only the view\'s verbs');
    t.equal((await raw(web.port, 'POST', '/api/ctl', { host, 'x-akaros': '1' }, 'x'.repeat(5000))).status, 413, 'a body over 4 KiB');
    t.equal((await raw(web.port, 'GET', '/../package.json', { host })).status, 404);
  });

  t.test('a run for the docs: the screenshot', async (t) => {
    for (const pid of k.mcpPids()) if (!k.proc(pid)!.dead) k.kill('eve', pid);
    for (const pid of k.mcpPids()) k.reap('eve', pid);   // what a `wait` read does: a clean table for the picture
    await eve.write('/core/ctl', 'grace 20ms\n');
    const a = Number((await glenda.read('/mcp/clone')).trim());
    const b = Number((await glenda.read('/mcp/clone')).trim());
    const c = Number((await bob.read('/mcp/clone')).trim());
    await glenda.write(`/mcp/${a}/ctl`, 'name db\n');
    await glenda.write(`/mcp/${b}/ctl`, 'name batch\n');
    await bob.write(`/mcp/${c}/ctl`, 'name web\n');
    await glenda.write(`/mcp/${a}/ctl`, 'cores 4\n');
    await bob.write(`/mcp/${c}/ctl`, 'cores 3\n');
    await glenda.write(`/mcp/${b}/ctl`, 'want 15\n');
    await eve.write('/sim/ctl', 'step 20ms\n');
    await glenda.write(`/mcp/${a}/ctl`, 'want 2\n');
    for (const v of k.vcoreRows(a).filter((r) => r.state === 'online').slice(2)) await glenda.write(`/mcp/${a}/ctl`, `yield ${v.vcore}\n`);
    await eve.write('/sim/ctl', 'step 20ms\n');
    await glenda.write(`/mcp/${a}/ctl`, 'want 4\n');
    await eve.write('/sim/ctl', 'step 30ms\n');
    await bob.write(`/mcp/${c}/ctl`, 'want 1\n');
    await eve.write('/sim/ctl', 'step 15ms\n');
    await page.selectOption('#span', '100000000');
    await page.waitForFunction((p) => document.querySelectorAll(`.cell[data-owner="${p}"]`).length === 4, a, { timeout: 5000 });
    await page.waitForTimeout(300);
    const dir = process.env.AKAROS_UPDATE_DOCS ? join(root, 'docs') : join(root, 'dist', 'docs');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'web-view.png');
    await page.screenshot({ path: file, fullPage: true });
    t.ok(existsSync(file), `saved ${file}`);
    t.same(remote, [], 'the page fetched nothing from anywhere else');
    t.same(pageErrors, [], 'no script error');
  });

  t.test('akaros web: starts, serves, stops on Ctrl-C', async (t) => {
    const before = waiting();
    const p = akaros(['web', '--port', '0', '-a', m.address, '-u', 'glenda']);
    await until(() => waiting() > before, 'the command to wait');
    interrupt();
    const r = await p;
    t.equal(r.exit, 0, r.stderr);
    t.match(r.stdout, /akaros web: http:\/\/127\.0\.0\.1:\d+\/ \(as glenda on tcp!127\.0\.0\.1!\d+\)/);
    const bad = await akaros(['web', '--listen', '0.0.0.0', '-a', m.address]);
    t.equal(bad.exit, 2);
    t.match(bad.stderr, /loopback only/);
  });
}
