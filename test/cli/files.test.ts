// SPDX-License-Identifier: GPL-2.0-or-later
//
// The file commands (ls, cat, write, stat, read), the connection flags, the error and
// exit-status conventions, and help.

import t from 'tap';
import { akaros, json, jsonErr, runner, startMachine, until } from './harness.js';
import { interrupt, waiting } from '../../cmd/lib/signal.js';
import { Session, blame, type CliError } from '../../cmd/lib/connect.js';

t.test('file commands', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const eve = runner(m, 'eve');

  t.test('ls', async (t) => {
    const r = await run('ls', '/');
    t.equal(r.exit, 0);
    t.same(r.stdout.split('\n').filter(Boolean), ['alarm/', 'core/', 'dev/', 'lib/', 'mcp/', 'n/', 'net/', 'proc/', 'sim/', 'srv/']);
    const j = await run('ls', '/dev', '--json');
    const names = json<Array<{ name: string; dir: boolean }>>(j).map((e) => e.name);
    t.ok(names.includes('errstr') && names.includes('kmesg'), 'ls --json lists /dev');
    const l = await run('ls', '-l', '/sim');
    t.match(l.stdout, /^--rw-rw-r--\s+\S+\s+\S+\s+0\s+ctl$/m, 'ls -l: mode uid gid length name');
    t.match(l.stdout, /^--r--r--r--\s+\S+\s+\S+\s+0\s+status$/m);
    const lj = json<Array<{ name: string; stat: { length: number; perm: string } }>>(await run('ls', '-l', '/sim', '--json'));
    t.equal(lj.find((e) => e.name === 'status')?.stat.perm, '444');
    const f = await run('ls', '/sim/status');
    t.equal(f.stdout, 'status\n', 'ls of a file names it');
  });

  t.test('cat and write', async (t) => {
    const c = await run('cat', '/dev/sysname');
    t.equal(c.stdout, 'nanwan\n');
    t.same(json(await run('cat', '/dev/user', '--json')), { path: '/dev/user', data: 'glenda\n' });
    const w = await eve('write', '/dev/sysname', 'kremvax');
    t.equal(w.exit, 0);
    t.equal(w.stdout, '');
    t.equal((await run('cat', '/dev/sysname')).stdout, 'kremvax\n');
    t.same(json(await eve('write', '/dev/sysname', 'nanwan', '--json')), { path: '/dev/sysname', bytes: 7 });
  });

  t.test('write errors carry errno text and /dev/errstr detail', async (t) => {
    const pid = (await run('mcp', 'new')).stdout.trim();
    const r = await run('write', `/mcp/${pid}/ctl`, 'banana');
    t.equal(r.exit, 1);
    t.equal(r.stderr, 'akaros: banana: Invalid argument: unknown control message "banana"\n');
    const j = await run('write', `/mcp/${pid}/ctl`, 'banana', '--json');
    t.equal(j.exit, 1);
    t.same(jsonErr(j), { error: { message: 'banana: Invalid argument: unknown control message "banana"', exit: 1, errno: 'EINVAL' } });
    const perm = await runner(m, 'bob')('write', `/mcp/${pid}/ctl`, 'want 1');
    t.equal(perm.exit, 1);
    t.match(perm.stderr, /^akaros: \/mcp\/\d+\/ctl: Operation not permitted/);
  });

  t.test('a multi-line write names the line the server refused', async (t) => {
    const pid = (await run('mcp', 'new')).stdout.trim();
    // What `write PATH -` does with standard input (e2e.test.ts runs the command itself).
    const s = await Session.open({ address: m.address, user: 'glenda', dialect: '9P2000.L' });
    t.teardown(() => s.close());
    const write = async (text: string): Promise<{ stderr: string; exit: number }> => {
      try {
        await s.write(`/mcp/${pid}/ctl`, Buffer.from(text));
        return { stderr: '', exit: 0 };
      } catch (e) {
        return { stderr: `akaros: ${(e as Error).message}\n`, exit: (e as CliError).exit };
      }
    };
    const r = await write('want 2\nbanana\nwant 3\n');
    t.equal(r.exit, 1);
    t.equal(r.stderr, 'akaros: banana: Invalid argument: unknown control message "banana"\n', 'banana, not "want 2"');
    t.match((await run('cat', `/mcp/${pid}/status`)).stdout, /^wanted 2$/m, 'the line before it stayed applied, the one after was not');
    const e = await write('want 1\nwant 99\n');
    t.equal(e.stderr, 'akaros: want 99: Numerical result out of range: want 0..15 (max_vcores)\n');
    const y = await write('want 1\nyield 7 nice\n');
    t.match(y.stderr, /^akaros: yield 7 nice: Invalid argument: vcore 7 of \d+ is not online\n$/, 'a prefix of the line');
    const arity = await write('cores 1\ncores\n');
    t.equal(arity.stderr, 'akaros: cores: Invalid argument: wrong number of args "cores"\n', 'the line as the detail quotes it');
    const arity2 = await write('cores 1\ncores 2 3\n');
    t.equal(arity2.stderr, 'akaros: cores 2 3: Invalid argument: wrong number of args "cores 2 3"\n');
    // A detail that names only a verb two lines share: the file, never a line that was applied.
    t.equal(blame('cores 1\ncores 2 3\n', 'Invalid argument: wrong number of args "cores"', 'Invalid argument', '/mcp/2/ctl'), '/mcp/2/ctl');
    t.equal(blame('want 1\ncores 2 3\n', 'Invalid argument: wrong number of args "cores"', 'Invalid argument', '/mcp/2/ctl'), 'cores 2 3');
    t.equal(blame('want 1\n', 'anything', 'x', '/p'), 'want 1', 'one line: that line');
  });

  t.test('stat', async (t) => {
    const r = await run('stat', '/mcp/clone');
    t.match(r.stdout, /^name clone$/m);
    t.match(r.stdout, /^length 0$/m);
    const j = json<{ name: string; length: number; qid: { version: number } }>(await run('stat', '/mcp/clone', '--json'));
    t.equal(j.name, 'clone');
    t.equal(j.length, 0);
    t.equal(j.qid.version, 0, 'synthetic files have qid.version 0');
  });

  t.test('read: one read, and -f cancelled by Ctrl-C', async (t) => {
    const r = await run('read', '/dev/sysname');
    t.equal(r.stdout, 'nanwan\n');
    t.same(json(await run('read', '/dev/user', '--json')), { path: '/dev/user', data: 'glenda\n', ended: 'once' });
    const pid = (await run('mcp', 'new')).stdout.trim();
    const before = m.booted.server.stats();
    const p = run('read', '-f', `/mcp/${pid}/events`, '--json');
    await until(() => waiting() > 0 && m.booted.server.stats().inflight > before.inflight, 'the events read to block');
    interrupt();
    const f = await p;
    t.equal(f.exit, 0, 'Ctrl-C ends read -f with status 0');
    t.same(json(f), { path: `/mcp/${pid}/events`, data: '', ended: 'interrupted' });
    await until(() => m.booted.server.stats().inflight === 0, 'the flushed read to be gone');
    t.equal(m.booted.server.stats().inflight, 0, 'the server has no read left behind');
  });

  t.test('errors and exit statuses', async (t) => {
    const nf = await run('cat', '/nope');
    t.equal(nf.exit, 1);
    t.equal(nf.stderr, 'akaros: /nope: No such file or directory\n');
    const bad = await akaros(['ls', '-a', 'carrier!pigeon']);
    t.equal(bad.exit, 2, 'bad dial string: usage');
    t.match(bad.stderr, /^akaros: bad dial string "carrier!pigeon": unknown network "carrier"/);
    const refused = await akaros(['ls', '-a', 'tcp!127.0.0.1!1']);
    t.equal(refused.exit, 1);
    t.equal(refused.stderr, 'akaros: dial tcp!127.0.0.1!1: connection refused\n');
    const missing = await run('cat');
    t.equal(missing.exit, 2, 'missing argument: usage');
    t.match(missing.stderr, /^akaros: Missing 1 required arg/);
    const flag = await run('ls', '--bogus');
    t.equal(flag.exit, 2);
    const nocmd = await akaros(['frobnicate']);
    t.equal(nocmd.exit, 2);
    t.match(nocmd.stderr, 'akaros: no command "frobnicate"');
  });

  t.test('addresses: HOST:PORT, and a missing port named', async (t) => {
    const port = m.address.split('!')[2];
    const hp = await akaros(['cat', '/dev/user', '-a', `127.0.0.1:${port}`, '-u', 'glenda']);
    t.equal(hp.stdout, 'glenda\n', 'HOST:PORT as well as tcp!HOST!PORT');
    const colon = await akaros(['cat', '/dev/user', '-a', `:${port}`, '-u', 'glenda']);
    t.equal(colon.stdout, 'glenda\n', ':PORT is the local host');
    const noport = await akaros(['ls', '-a', 'localhost:']);
    t.equal(noport.exit, 2);
    t.equal(noport.stderr, 'akaros: address "localhost:": no port after ":" (give tcp!HOST!PORT, HOST:PORT or unix!/PATH)\n');
    const bang = await akaros(['ls', '-a', 'tcp!localhost!']);
    t.equal(bang.exit, 2);
    t.match(bang.stderr, /^akaros: address "tcp!localhost!": no port after the last "!" \(give tcp!HOST!PORT/);
    const word = await akaros(['ls', '-a', 'tcp!localhost!http']);
    t.match(word.stderr, /the service must be a port number, not "http" \(give tcp!HOST!PORT, HOST:PORT/);
  });

  t.test('owner names with 9P2000.L', async (t) => {
    const l = await run('ls', '-l', '/dev');
    t.match(l.stdout, /^--rw-rw-rw-\s+eve\s+eve\s+0\s+errstr$/m, 'ls -l: names, not numeric ids');
    const pid = (await run('mcp', 'new')).stdout.trim();
    t.match((await run('stat', `/mcp/${pid}/ctl`)).stdout, /^uid glenda$/m, 'stat: the process owner');
  });

  t.test('AKAROS_ADDRESS and dialects', async (t) => {
    process.env.AKAROS_ADDRESS = m.address;
    t.teardown(() => { delete process.env.AKAROS_ADDRESS; });
    for (const d of ['9P2000', '9P2000.u', '9P2000.L']) {
      const r = await akaros(['cat', '/dev/user', '-u', 'glenda', '--dialect', d]);
      t.equal(r.stdout, 'glenda\n', d);
    }
    const l = await akaros(['ls', '-l', '/dev', '-u', 'glenda', '--dialect', '9P2000']);
    t.match(l.stdout, /^--rw-rw-rw-\s+eve\s+eve\s+0\s+errstr$/m, '9P2000 ls -l shows owner names');
  });

  t.test('help', async (t) => {
    const top = await akaros(['--help']);
    for (const c of ['cat', 'cores', 'ls', 'mount', 'prov', 'ps', 'read', 'serve', 'stat', 'top', 'write']) {
      t.match(top.stdout, new RegExp(`^  ${c} `, 'm'), `--help lists ${c}`);
    }
    t.match(top.stdout, /^  mcp /m);
    t.match(top.stdout, /^  sim /m);
    const h = await akaros(['help', 'mcp', 'cores']);
    t.match(h.stdout, /\$ akaros mcp cores ID N/);
    t.match(h.stdout, /echo 4 > \/mcp\/7\/ctl/, 'examples show the shell file operation');
    const p = await akaros(['prov', '--help']);
    t.match(p.stdout, /-t, --type=<value>/);
    const mh = await akaros(['help', 'mcp']);
    for (const c of ['new', 'cores', 'want', 'yield', 'events', 'wait', 'kill']) t.match(mh.stdout, `mcp ${c}`);
    t.match(mh.stdout, /^# mcp\(3\) — many-core processes$/m, 'help mcp: the device\'s man page...');
    t.ok(mh.stdout.indexOf('# mcp(3)') < mh.stdout.indexOf('mcp cores'), '...then its commands');
    for (const d of ['core', 'proc', 'sim', 'cons']) {
      const r = await akaros(['help', d]);
      t.equal(r.exit, 0);
      t.match(r.stdout, new RegExp(`^# ${d}\\(3\\)`), `help ${d}: its man page`);
    }
    t.match((await akaros(['help', 'dev'])).stdout, /^# cons\(3\)/, '/dev is #cons');
    t.match(top.stdout, /DEVICE MANUALS\n {2}akaros help alarm\|cons\|core\|mcp\|ndb\|net\|proc\|sim\|srv/, '--help lists them');
    const none = await akaros(['help', 'frob']);
    t.equal(none.exit, 2);
    t.match(none.stderr, /^akaros: no command or manual "frob"/);
  });
});
