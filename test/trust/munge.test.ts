// SPDX-License-Identifier: GPL-2.0-or-later
//
// `--auth munge` with the real munged: our lib/9p client and diod's own tools (diodls,
// diodcat, unchanged) authenticate, and are refused without a credential or when they
// name another user than the credential's. diod's tools always use libmunge's built-in
// socket (/run/munge/munge.socket.2), so they run in a private mount namespace where our
// private munged's directory is bound over /run/munge: the machine's own munged (and
// test/munge's, which owns the default socket) are never touched.

import t from 'tap';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../lib/9p/client.js';
import { dial } from '../../lib/9p/dial.js';
import { P9Error } from '../../lib/9p/error.js';
import { NONUNAME } from '../../lib/9p/const.js';
import { Munge } from '../../lib/munge/index.js';
import { needTools } from '../clients/realclients.js';
import { MUNGE_TOOLS, startMunged } from '../munge/munged.js';
import { akaros } from '../cli/harness.js';
import { HOST, machine } from './harness.js';

const NOBODY = 65534;

function run(cmd: string, args: string[]): Promise<{ rc: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30000 }, (e, out, err) => {
      resolve({ rc: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err });
    });
  });
}

const errnoName = (e: unknown) => (e instanceof P9Error ? e.ename : String(e));

t.test('--auth munge with munged, lib/9p and diod\'s tools', { skip: process.getuid?.() !== 0 && 'needs root (a mount namespace for diod\'s tools)' }, async (t) => {
  if (!needTools(t, [...MUNGE_TOOLS, 'diodls', 'diodcat', 'unshare'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'trust-munge-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sockDir = join(dir, 'run');
  const munged = await startMunged({ socket: join(sockDir, 'munge.socket.2') });
  t.teardown(() => munged.stop());
  const munge = new Munge({ socket: munged.socket });
  const m = await machine(t, { auth: 'munge', munge });
  const addr = `tcp!127.0.0.1!${m.port}`;
  const me = process.getuid!();

  const attach = async (opts: { uname?: string; nUname?: number; cred?: () => Promise<string> }) => {
    const c = await Client.connect(await dial(addr));
    try {
      await c.attach({ uname: opts.uname ?? '', nUname: opts.nUname ?? me, ...(opts.cred ? { credential: opts.cred, requireAuth: true } : {}) });
      return c;
    } catch (e) {
      c.close();
      throw e;
    }
  };

  t.test('lib/9p', async (t) => {
    const c = await attach({ cred: () => munge.encode() });
    t.equal((await c.readFile('dev/user')).toString(), 'root\n', 'a credential of root attaches as root');
    c.close();
    t.equal(await attach({}).then(() => 'attached', errnoName), 'EPERM', 'no credential: refused');
    t.equal(await attach({ cred: () => munge.encode(), uname: HOST, nUname: NONUNAME }).then(() => 'attached', errnoName), 'EPERM',
      'the host owner\'s name with root\'s credential: refused');
    t.equal(await attach({ cred: () => munge.encode(), nUname: NOBODY }).then(() => 'attached', errnoName), 'EPERM',
      'another uid than the credential\'s: refused');
    const n = await attach({ cred: () => munge.encode({ uid: NOBODY, gid: NOBODY }), nUname: NOBODY });
    t.equal((await n.readFile('dev/user')).toString(), 'nobody\n', 'a credential of nobody attaches as nobody');
    n.close();
    const none = await machine(t);
    const c2 = await Client.connect(await dial(`tcp!127.0.0.1!${none.port}`));
    t.equal(await c2.attach({ credential: () => munge.encode(), requireAuth: true }).then(() => 'attached', errnoName), 'EPERM',
      'requireAuth: a server that does not authenticate is refused');
    t.ok(await c2.attach({ credential: () => munge.encode(), uname: 'glenda', nUname: NONUNAME }), 'without requireAuth, a plain attach');
    c2.close();
  });

  t.test('the akaros CLI: --auth munge', async (t) => {
    process.env.AKAROS_MUNGE_SOCKET = munged.socket;
    t.teardown(() => { delete process.env.AKAROS_MUNGE_SOCKET; });
    const ok = await akaros(['cat', '/dev/user', '-a', addr, '-u', 'root', '--auth', 'munge']);
    t.equal(ok.exit, 0, ok.stderr);
    t.equal(ok.stdout, 'root\n', 'authenticated as root');
    const none = await akaros(['cat', '/dev/user', '-a', addr, '-u', 'root']);
    t.equal(none.exit, 1, 'without --auth munge: refused');
    t.match(none.stderr, /Operation not permitted/);
    const other = await akaros(['cat', '/dev/user', '-a', addr, '-u', HOST, '--auth', 'munge']);
    t.equal(other.exit, 1, 'another user\'s name with our credential: refused');
    t.match(other.stderr, /attach as eve: Operation not permitted/);
    process.env.AKAROS_AUTH = 'munge';
    t.teardown(() => { delete process.env.AKAROS_AUTH; });
    const env = await akaros(['cat', '/dev/user', '-a', addr, '-u', 'root']);
    t.equal(env.stdout, 'root\n', 'AKAROS_AUTH=munge does the same');
  });

  t.test('diodls and diodcat, unchanged', async (t) => {
    mkdirSync('/run/munge', { recursive: true });
    const ns = (cmd: string) => run('unshare', ['-m', 'sh', '-c', `mount --bind '${sockDir}' /run/munge && exec ${cmd}`]);
    const server = `-s 127.0.0.1:${m.port}`;
    const ls = await ns(`diodls ${server} -a /dev`);
    t.equal(ls.rc, 0, `diodls authenticates (${ls.err})`);
    t.match(ls.out, /^sysname$/m, 'and lists /dev');
    const cat = await ns(`diodcat ${server} -a /dev user`);
    t.equal(cat.out, 'root\n', `diodcat reads /dev/user as root (${cat.err})`);
    const other = await ns(`diodls ${server} -a /dev -u ${NOBODY}`);
    t.not(other.rc, 0, 'diodls naming nobody with root\'s credential is refused');
    t.match(other.err, /Operation not permitted|error/);
    const nomunge = await run('unshare', ['-m', 'sh', '-c', `mount --bind '${dir}' /run/munge && exec diodls ${server} -a /dev`]);
    t.not(nomunge.rc, 0, 'without munged there is no credential, and no service');
  });
});
