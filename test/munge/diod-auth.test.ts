// SPDX-License-Identifier: GPL-2.0-or-later
//
// The reference: how Debian's diod (1.0.24) answers MUNGE authentication, pinned so that
// our server's `--auth munge` can be held to it. diod and diodls always use libmunge's
// built-in socket, so this starts the private munged there, and skips when another munged
// already owns it (under CI that fails instead). Cases that crash diod 1.0.24 (Twalk on an
// afid, Tauth reusing a live fid) are left out.

import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../lib/9p/client.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, QTAUTH } from '../../lib/9p/const.js';
import { Munge } from '../../lib/munge/index.js';
import { needTools } from '../clients/realclients.js';
import { findDiod, startDiod } from '../9p/diod.js';
import { DEFAULT_MUNGE_SOCKET, MUNGE_TOOLS, startMunged, type Munged } from './munged.js';
import { freePort } from '../harness/port.js';

/** Debian's nobody/nogroup: present on every machine, unlike uid 1000. */
const NOBODY = 65534;

function run(cmd: string, args: string[]): Promise<{ rc: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20000 }, (e, out, err) => {
      resolve({ rc: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err });
    });
  });
}

function dial(port: number): Promise<Client> {
  return new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { Client.connect(s).then(res, rej); });
    s.once('error', rej);
  });
}

t.test('diod with MUNGE authentication', { skip: process.getuid?.() !== 0 && 'needs root (diod switches users)' }, async (t) => {
  if (!needTools(t, [...MUNGE_TOOLS, 'diod', 'diodls', 'diodcat'])) return;
  let munged: Munged;
  try {
    munged = await startMunged({ socket: DEFAULT_MUNGE_SOCKET });
  } catch (e) {
    const msg = `no private munged at ${DEFAULT_MUNGE_SOCKET}: ${(e as Error).message}`;
    if (process.env.CI) t.fail(msg);
    else t.test(msg, { skip: msg }, () => {});
    return;
  }
  t.teardown(() => munged.stop());
  const dir = mkdtempSync(join(tmpdir(), 'diod-auth-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'f'), 'hello\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const port = await freePort();
  const diod = spawn(findDiod()!, ['-f', '-l', `127.0.0.1:${port}`, '-e', dir, '-L', 'stderr', '-c', '/dev/null'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  diod.stderr!.on('data', (b: Buffer) => { if (log.length < 65536) log += b.toString(); });
  const exited = new Promise<void>((r) => diod.once('close', () => r()));
  t.teardown(async () => {
    if (diod.exitCode === null && diod.signalCode === null) { process.kill(diod.pid!, 'SIGTERM'); await exited; }
  });
  for (let i = 0; ; i++) {
    try { (await dial(port)).close(); break; } catch (e) {
      if (i > 200 || diod.exitCode !== null) throw new Error(`diod did not listen: ${e}: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const m = new Munge();
  const aname = dir;
  const auth = (c: Client, afid: number, nUname: number) => c.rpc({ type: F.Tauth, afid, uname: '', aname, nUname });
  const attach = (c: Client, fid: number, afid: number, nUname: number) =>
    c.rpc({ type: F.Tattach, fid, afid, uname: '', aname, nUname });
  const write = (c: Client, fid: number, offset: number, s: string) =>
    c.rpc({ type: F.Twrite, fid, offset: BigInt(offset), data: Buffer.from(s) });
  const EPERM = { name: 'P9Error', ename: 'EPERM' };
  const EIO = { name: 'P9Error', ename: 'EIO' };

  t.test("diod's own tools authenticate", async (t) => {
    const ls = await run('diodls', ['-s', `127.0.0.1:${port}`, '-a', dir]);
    t.equal(ls.rc, 0, ls.err);
    t.equal(ls.out, 'f\n');
    const cat = await run('diodcat', ['-s', `127.0.0.1:${port}`, '-a', dir, 'f']);
    t.equal(cat.out, 'hello\n');
    const as = await run('diodls', ['-s', `127.0.0.1:${port}`, '-a', dir, '-u', String(NOBODY)]);
    t.not(as.rc, 0, "root's credential does not authenticate nobody");
    t.match(as.err, /Operation not permitted/);
  });

  t.test('the afid: write-only, append-only, one attach', async (t) => {
    const c = await dial(port);
    t.teardown(() => c.close());
    const r = await auth(c, 0, 0);
    t.equal(r.aqid.type, QTAUTH, 'Rauth qid is QTAUTH');
    await t.rejects(c.rpc({ type: F.Tread, fid: 0, offset: 0n, count: 64 }), EIO, 'reading the afid is EIO');
    await t.rejects(write(c, 0, 5, 'xx'), EIO, 'a write not at the end is EIO');
    const cred = await m.encode();
    t.equal((await write(c, 0, 0, cred.slice(0, 50))).count, 50);
    t.equal((await write(c, 0, 50, cred.slice(50))).count, cred.length - 50, 'appending at the end');
    await t.rejects(attach(c, 1, 0, NOBODY), EPERM, 'n_uname other than the Tauth one');
    t.ok(await attach(c, 1, 0, 0), 'the credential is good for its uid');
    await t.rejects(attach(c, 2, 0, 0), EPERM, 'a second attach on the afid: munged says replayed');
    await t.rejects(write(c, 0, 0, cred), EIO, 'no rewriting');
    t.ok(await attach(c, 3, NOFID, NOBODY), 'a root-authenticated connection attaches anyone without afid');
    t.ok(await c.rpc({ type: F.Tclunk, fid: 0 }));
  });

  t.test('refusals', async (t) => {
    const c = await dial(port);
    t.teardown(() => c.close());
    await t.rejects(attach(c, 1, NOFID, 0), EPERM, 'no afid on an unauthenticated connection');
    await auth(c, 0, 0);
    await t.rejects(attach(c, 1, 0, 0), EPERM, 'nothing written');
    await t.rejects(auth(c, 2, 4242), EPERM, 'Tauth for a uid with no passwd entry');
    await auth(c, 3, 0);
    await write(c, 3, 0, 'hello');
    await t.rejects(attach(c, 4, 3, 0), EPERM, 'garbage credential');
    await auth(c, 5, NOBODY);
    await write(c, 5, 0, await m.encode());
    await t.rejects(attach(c, 6, 5, NOBODY), EPERM, "root's credential on nobody's afid");
    await c.rpc({ type: F.Tclunk, fid: 0 });
    await t.rejects(attach(c, 7, 0, 0), EPERM, 'a clunked afid');
    await t.rejects(attach(c, 8, NOFID, 0), EPERM, 'still not authenticated');
  });

  t.test('nobody authenticated: NOFID attaches only as nobody', async (t) => {
    const c = await dial(port);
    t.teardown(() => c.close());
    await auth(c, 0, NOBODY);
    await write(c, 0, 0, (await m.encode({ uid: NOBODY, gid: NOBODY })) + '\n');
    t.ok(await attach(c, 1, 0, NOBODY), 'a trailing newline is tolerated');
    t.ok(await attach(c, 2, NOFID, NOBODY));
    await t.rejects(attach(c, 3, NOFID, 0), EPERM);
  });

  t.test('with -n, Tauth is ENOENT and diodls attaches without afid', async (t) => {
    const d = await startDiod(findDiod()!, dir);
    t.teardown(() => d.stop());
    const c = await dial(d.port);
    t.teardown(() => c.close());
    await t.rejects(auth(c, 0, 0), { name: 'P9Error', ename: 'ENOENT' });
    const ls = await run('diodls', ['-s', `127.0.0.1:${d.port}`, '-a', dir]);
    t.equal(ls.out, 'f\n', ls.err);
  });
});
