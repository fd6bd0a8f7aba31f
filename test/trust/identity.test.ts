// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 10's identity rows: row 1 (attach naming the host owner, or .L n_uname 0, took
// over the machine) and row 12 (control characters in unames, anames and file names
// forged lines). Here `--auth munge` runs against a stand-in decoder, so every rule of the
// afid exchange is checked without munged (munge.test.ts does it with the real one), and
// the safe listener defaults are checked on a non-loopback address.

import t from 'tap';
import * as F from '../../lib/9p/fcall.js';
import { EBADF, EFBIG, EINVAL, EIO, ENAMETOOLONG, ENOENT, EPERM } from '../../lib/9p/errno.js';
import { NOFID, NONUNAME, QTAUTH } from '../../lib/9p/const.js';
import { Server } from '../../srv/server.js';
import { UserDb } from '../../srv/users.js';
import { CertUsers } from '../../srv/certusers.js';
import type { CredentialDecoder } from '../../srv/types.js';
import { fakeNamespace } from '../srv/fakens.js';
import { errnoOf, freshClient, HOST, machine, openAt, rawPeer, type Msg } from './harness.js';

const PASSWD = 'root:x:0:0::/root:/bin/sh\nglenda:x:1001:1001::/:/bin/sh\neve:x:1002:1002::/:/bin/sh\n';
const GLENDA = 1001, EVE = 1002;

/** Stands in for munged: `CRED:UID:` decodes to UID, once (munged's replay cache). */
function fakeMunge(): CredentialDecoder & { decoded: number } {
  const seen = new Set<string>();
  const d = {
    decoded: 0,
    async decode(cred: Buffer) {
      const s = cred.toString();
      const m = /^CRED:(\d+):[a-z0-9]*$/.exec(s.trim());
      if (!m) throw new Error('Invalid credential format');
      if (seen.has(s)) throw new Error('Replayed credential');
      seen.add(s);
      d.decoded++;
      return { uid: Number(m[1]) };
    },
  };
  return d;
}

let nonce = 0;
const cred = (uid: number) => Buffer.from(`CRED:${uid}:n${nonce++}`);

async function mungeMachine(t: Parameters<typeof machine>[0]) {
  const munge = fakeMunge();
  const m = await machine(t, { auth: 'munge', munge, server: { users: new UserDb(PASSWD) } });
  return { m, munge };
}

const tauth = (afid: number, uname: string, nUname = NONUNAME) => ({ type: F.Tauth, afid, uname, aname: '', nUname } as Msg);
const tattach = (fid: number, afid: number, uname: string, nUname = NONUNAME) =>
  ({ type: F.Tattach, fid, afid, uname, aname: '', nUname } as Msg);
const twrite = (fid: number, data: Buffer, offset = 0n) => ({ type: F.Twrite, fid, offset, data } as Msg);

async function readUser(raw: Awaited<ReturnType<typeof rawPeer>>, root: number, fid: number): Promise<string> {
  await raw.rpc({ type: F.Twalk, fid: root, newfid: fid, wnames: ['dev', 'user'] } as Msg);
  await raw.rpc({ type: F.Tlopen, fid, flags: 0 } as Msg);
  const r = await raw.rpc({ type: F.Tread, fid, offset: 0n, count: 100 } as Msg) as F.RreadMsg;
  await raw.rpc({ type: F.Tclunk, fid } as Msg);
  return r.data.toString();
}

t.test('row 1 with --auth munge: the credential names the user, nothing else does', async (t) => {
  const { m } = await mungeMachine(t);
  const raw = await rawPeer(m.port, { attach: false });
  t.equal(errnoOf(await raw.rpc(tattach(0, NOFID, HOST))), EPERM, 'attach as the host owner without a credential');
  t.equal(errnoOf(await raw.rpc(tattach(0, NOFID, '', 0))), EPERM, '.L n_uname 0 without a credential');
  const r = await raw.rpc(tauth(1, '', GLENDA)) as F.RauthMsg;
  t.equal(r.aqid.type, QTAUTH, 'Tauth gives an afid');
  t.equal(errnoOf(await raw.rpc(tattach(0, 1, '', GLENDA))), EPERM, 'nothing written to the afid yet');
  t.equal((await raw.rpc(twrite(1, cred(GLENDA)))).type, F.Rwrite, 'the credential is written');
  t.equal(errnoOf(await raw.rpc(tattach(0, 1, '', 0))), EPERM, 'n_uname 0 with glenda\'s afid');
  t.equal(errnoOf(await raw.rpc(tattach(0, 1, HOST, GLENDA))), EPERM, 'uname of the host owner with glenda\'s afid');
  t.equal((await raw.rpc(tattach(0, 1, '', GLENDA))).type, F.Rattach, 'the credential\'s own uid attaches');
  t.equal(await readUser(raw, 0, 50), 'glenda\n', 'as glenda');
  t.equal(errnoOf(await raw.rpc(tattach(2, 1, '', GLENDA))), EPERM, 'one afid, one attach');
  t.equal((await raw.rpc(tattach(2, NOFID, 'glenda'))).type, F.Rattach, 'the authenticated connection attaches glenda again without an afid');
  for (const [uname, n] of [[HOST, NONUNAME], ['', 0], ['', EVE]] as const) {
    t.equal(errnoOf(await raw.rpc(tattach(3, NOFID, uname, n))), EPERM, `but not ${uname || `uid ${n}`}`);
  }
  await raw.rpc({ type: F.Twalk, fid: 0, newfid: 60, wnames: ['sim', 'ctl'] } as Msg);
  t.equal(errnoOf(await raw.rpc({ type: F.Tlopen, fid: 60, flags: 1 } as Msg)), EPERM, 'glenda has no host-owner powers');
  raw.stream.destroy();
});

t.test('a credential of the host owner gives host-owner powers; root may name anyone', async (t) => {
  const { m } = await mungeMachine(t);
  const eve = await rawPeer(m.port, { attach: false });
  await eve.rpc(tauth(1, '', EVE));
  await eve.rpc(twrite(1, cred(EVE)));
  t.equal((await eve.rpc(tattach(0, 1, '', EVE))).type, F.Rattach);
  await openAt(eve, 60, 'sim/ctl', 1);
  t.equal((await eve.rpc(twrite(60, Buffer.from('pause')))).type, F.Rwrite, 'eve, the host owner, may write /sim/ctl');
  const root = await rawPeer(m.port, { attach: false });
  await root.rpc(tauth(1, 'root'));
  await root.rpc(twrite(1, cred(0)));
  t.equal((await root.rpc(tattach(0, 1, 'root'))).type, F.Rattach, 'root by name');
  t.equal((await root.rpc(tattach(2, NOFID, '', GLENDA))).type, F.Rattach, 'a root-authenticated connection attaches any uid (diod)');
  t.equal(await readUser(root, 2, 50), 'glenda\n');
  eve.stream.destroy();
  root.stream.destroy();
});

t.test('the afid: append-only, bounded, never a file', async (t) => {
  const { m, munge } = await mungeMachine(t);
  const raw = await rawPeer(m.port, { attach: false });
  await raw.rpc(tauth(1, 'glenda'));
  t.equal(errnoOf(await raw.rpc(tauth(1, 'glenda'))), EBADF, 'Tauth on a fid in use');
  t.equal(errnoOf(await raw.rpc({ type: F.Twalk, fid: 1, newfid: 2, wnames: ['dev'] } as Msg)), EBADF, 'Twalk on an afid');
  t.equal(errnoOf(await raw.rpc({ type: F.Tlopen, fid: 1, flags: 0 } as Msg)), EBADF, 'Tlopen on an afid');
  t.equal(errnoOf(await raw.rpc({ type: F.Tgetattr, fid: 1, requestMask: 0x7ffn } as Msg)), EBADF, 'Tgetattr on an afid');
  t.equal(errnoOf(await raw.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 10 } as Msg)), EIO, 'Tread on an afid is EIO (diod)');
  const c = cred(GLENDA);
  t.equal(errnoOf(await raw.rpc(twrite(1, c, 5n))), EIO, 'a write not at the end');
  await raw.rpc(twrite(1, c.subarray(0, 4)));
  await raw.rpc(twrite(1, c.subarray(4), 4n));
  t.equal((await raw.rpc(tattach(0, 1, 'glenda'))).type, F.Rattach, 'a credential written in two pieces');
  t.equal(errnoOf(await raw.rpc(twrite(1, c, BigInt(c.length)))), EIO, 'no writing after use');
  await raw.rpc(tauth(3, 'glenda'));
  t.equal(errnoOf(await raw.rpc(twrite(3, Buffer.alloc(5000, 'C')))), EFBIG, 'at most 4096 bytes');
  await raw.rpc(twrite(3, Buffer.from('garbage')));
  t.equal(errnoOf(await raw.rpc(tattach(4, 3, 'glenda'))), EPERM, 'a credential munged refuses');
  await raw.rpc(tauth(5, 'glenda'));
  await raw.rpc(twrite(5, cred(GLENDA)));
  await raw.rpc({ type: F.Tclunk, fid: 5 } as Msg);
  t.equal(errnoOf(await raw.rpc(tattach(6, 5, 'glenda'))), EPERM, 'a clunked afid');
  t.equal(errnoOf(await raw.rpc(tattach(6, 0, 'glenda'))), EPERM, 'a fid that is not an afid');
  t.ok(munge.decoded >= 1, 'the decoder was asked');
  raw.stream.destroy();
});

t.test('--auth none: Tauth is ENOENT (diod\'s "not required"), an afid is EPERM', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { attach: false });
  t.equal(errnoOf(await raw.rpc(tauth(1, HOST))), ENOENT);
  t.equal(errnoOf(await raw.rpc(tattach(0, 1, HOST))), EPERM);
  t.equal((await raw.rpc(tattach(0, NOFID, HOST))).type, F.Rattach, 'on loopback, uname is believed (the documented trust)');
  raw.stream.destroy();
});

t.test('safe defaults: no believing unames beyond loopback unless told', async (t) => {
  const warnings: string[] = [];
  const server = new Server({ ns: fakeNamespace().ns, hostowner: HOST, warn: (s) => warnings.push(s), munge: fakeMunge() });
  t.teardown(() => server.close());
  const refused = await server.listen('tcp!*!0').then(() => 'listened', (e: { errno: number }) => e.errno);
  t.equal(refused, EPERM, 'tcp!*! with --auth none is refused');
  t.equal(await server.listen('tcp!0.0.0.0!0', { auth: 'none' }).then(() => 'listened', (e: { errno: number }) => e.errno), EPERM);
  t.match((await server.listen('tcp!*!0', { insecure: true })).address, /^tcp!\*!\d+$/, '--insecure listens');
  t.match(warnings.join('\n'), /WARNING: tcp!\*!0 believes any user name/, 'and warns');
  t.match((await server.listen('tcp!*!0', { auth: 'munge' })).address, /^tcp!\*!\d+$/, '--auth munge listens anywhere');
  const nomunge = new Server({ ns: fakeNamespace().ns, hostowner: HOST });
  t.equal(await nomunge.listen('tcp!127.0.0.1!0', { auth: 'munge' }).then(() => 'listened', (e: { errno: number }) => e.errno),
    EINVAL, '--auth munge without a decoder is refused');
  const tlsNoUsers = await server.listen('tls!*!0', { tls: { cert: 'x', key: 'y' } }).then(() => 'listened', (e: { errno: number }) => e.errno);
  t.equal(tlsNoUsers, EPERM, 'TLS alone identifies nobody: refused beyond loopback too');
  t.ok(new CertUsers('glenda cn=alice\n').size === 1);
});

t.test('row 12: control characters in unames, anames and names are EINVAL', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { attach: false });
  // (A NUL never gets this far: the codec refuses strings holding one.)
  for (const uname of ['a\nb', 'eve\r', 'tab\tbed', 'esc\x1b', 'del\x7f']) {
    t.equal(errnoOf(await raw.rpc(tattach(0, NOFID, uname))), EINVAL, `uname ${JSON.stringify(uname)}`);
  }
  t.equal(errnoOf(await raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: HOST, aname: '/dev\n', nUname: NONUNAME } as Msg)), EINVAL, 'aname with a newline');
  t.equal(errnoOf(await raw.rpc(tattach(0, NOFID, 'x'.repeat(300)))), ENAMETOOLONG, 'a 300-byte uname');
  t.equal((await raw.rpc(tattach(0, NOFID, HOST))).type, F.Rattach);
  t.equal(errnoOf(await raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dev\n'] } as Msg)), EINVAL, 'walk');
  const w = await raw.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['dev', 'x\ny'] } as Msg) as F.RwalkMsg;
  t.equal(w.qids.length, 1, 'a bad later name stops the walk short');
  t.equal(errnoOf(await raw.rpc({ type: F.Tlcreate, fid: 0, name: 'a\rb', flags: 0, mode: 0o644, gid: 0 } as Msg)), EINVAL, 'create');
  t.equal(errnoOf(await raw.rpc({ type: F.Tmkdir, dfid: 0, name: 'a\x1bb', mode: 0o755, gid: 0 } as Msg)), EINVAL, 'mkdir');
  await raw.rpc({ type: F.Twalk, fid: 0, newfid: 2, wnames: ['dev'] } as Msg);
  t.equal(errnoOf(await raw.rpc({ type: F.Trename, fid: 2, dfid: 0, name: 'a\nb' } as Msg)), EINVAL, 'rename');
  t.equal(await freshClient(m.port), 'glenda\n', 'a fresh client is served');
  raw.stream.destroy();
});

t.test('row 12 in 9P2000.u: wstat names and unames', async (t) => {
  const m = await machine(t);
  const raw = await rawPeer(m.port, { dialect: '9P2000.u', attach: false });
  t.equal(errnoOf2(await raw.rpc(tattach(0, NOFID, 'a\nb'))), EINVAL, 'uname');
  t.equal((await raw.rpc(tattach(0, NOFID, HOST))).type, F.Rattach);
  t.equal(errnoOf2(await raw.rpc({ type: F.Tcreate, fid: 0, name: 'x\ny', perm: 0o644, mode: 0, extension: '' } as Msg)), EINVAL, 'create');
  raw.stream.destroy();
});

function errnoOf2(m: F.RMessage): number | string {
  return m.type === F.Rerror ? ((m as F.RerrorMsg).errno ?? -1) : `type ${m.type}`;
}
