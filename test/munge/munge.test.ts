// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/munge against a real, private munged (Debian package `munge`).

import t from 'tap';
import { Munge, MungeError, MungeStatus } from '../../lib/munge/index.js';
import { EAGAIN, EPERM } from '../../lib/9p/errno.js';
import { needTools } from '../clients/realclients.js';
import { MUNGE_TOOLS, startMunged, type Munged } from './munged.js';

const uid = process.getuid!();
const gid = process.getgid!();

function status(s: number): { name: string; status: number } {
  return { name: 'MungeError', status: s };
}

/** Flip one base64 character in the middle: inside the encrypted, MAC-covered part. */
function tamper(cred: string): string {
  const i = Math.floor(cred.length / 2);
  return cred.slice(0, i) + (cred[i] === 'A' ? 'B' : 'A') + cred.slice(i + 1);
}

t.test('against a private munged', async (t) => {
  if (!needTools(t, MUNGE_TOOLS)) return;
  const d: Munged = await startMunged();
  t.teardown(() => d.stop());
  const m = new Munge({ socket: d.socket });

  t.test('round trip: the credential says who encoded it', async (t) => {
    const cred = await m.encode();
    t.match(cred, /^MUNGE:[A-Za-z0-9+/]+=*:$/);
    const c = await m.decode(cred);
    t.equal(c.uid, uid);
    t.equal(c.gid, gid);
    t.equal(c.payload.length, 0);
    t.equal(c.ttl, 300, "munged's default time-to-live");
    t.match(c.host, /^\d+\.\d+\.\d+\.\d+$/);
    t.ok(c.decodeTime >= c.encodeTime);
  });

  t.test('payload and ttl travel inside', async (t) => {
    const bin = Buffer.from([0, 10, 13, 0x3a, 0xff, 0x80, 10]);
    t.same((await m.decode(await m.encode({ payload: bin }))).payload, bin, 'binary bytes, newlines and NULs');
    t.equal((await m.decode(await m.encode({ payload: 'hello' }))).payload.toString(), 'hello');
    t.equal((await m.decode(await m.encode({ ttl: 17 }))).ttl, 17);
  });

  t.test('trailing blanks are not part of the credential', async (t) => {
    const cred = await m.encode();
    t.equal((await m.decode(Buffer.from(cred + '\n\0'))).uid, uid);
  });

  t.test('root encodes for another uid', { skip: uid !== 0 && 'needs root' }, async (t) => {
    const c = await m.decode(await m.encode({ uid: 1000, gid: 1001 }));
    t.equal(c.uid, 1000);
    t.equal(c.gid, 1001);
  });

  t.test('a tampered credential is rejected', async (t) => {
    const cred = await m.encode();
    await t.rejects(m.decode(tamper(cred)), status(MungeStatus.CRED_INVALID));
    await t.rejects(m.decode(tamper(cred)), { name: /Error$/, errno: EPERM });
    t.equal((await m.decode(cred)).uid, uid, 'the genuine one still decodes');
  });

  t.test('what is not a credential never reaches munged', async (t) => {
    await t.rejects(m.decode('hello'), status(MungeStatus.BAD_CRED));
    await t.rejects(m.decode('MUNGE:abc:def:'), status(MungeStatus.BAD_CRED));
    await t.rejects(m.decode(''), status(MungeStatus.BAD_CRED));
    const small = new Munge({ socket: d.socket, maxLength: 64 });
    await t.rejects(small.decode(await m.encode()), status(MungeStatus.BAD_LENGTH));
  });

  t.test('a replayed credential is rejected', async (t) => {
    const cred = await m.encode({ payload: 'once' });
    t.equal((await m.decode(cred)).uid, uid);
    const e = await m.decode(cred).then(() => null, (x: unknown) => x);
    t.ok(e instanceof MungeError && e.status === MungeStatus.CRED_REPLAYED, `replayed: ${e}`);
    t.equal((e as MungeError).errno, EPERM);
    t.equal((e as MungeError).credential?.uid, uid, 'munged still vouches for the contents');
    t.equal((e as MungeError).credential?.payload.toString(), 'once');
  });

  t.test('an expired credential is rejected', async (t) => {
    const cred = await m.encode({ ttl: 1 });
    // munged counts whole seconds: expired once now > encode time + 1.
    const after = Math.floor(Date.now() / 1000) + 2;
    while (Math.floor(Date.now() / 1000) < after) await new Promise((r) => setTimeout(r, 100));
    const e = await m.decode(cred).then(() => null, (x: unknown) => x);
    t.ok(e instanceof MungeError && e.status === MungeStatus.CRED_EXPIRED, `expired: ${e}`);
    t.equal((e as MungeError).credential?.ttl, 1);
  });

  t.test('a credential restricted to another uid is not ours to decode', async (t) => {
    const cred = await m.encode({ restrictUid: uid + 4242 });
    await t.rejects(m.decode(cred), status(MungeStatus.CRED_UNAUTHORIZED));
  });

  t.test('a credential from a munged with another key is rejected', async (t) => {
    const other = await startMunged();
    t.teardown(() => other.stop());
    const cred = await m.encode({ socket: other.socket });
    t.equal((await m.decode(cred, { socket: other.socket })).uid, uid, 'its own munged takes it');
    await t.rejects(m.decode(await m.encode({ socket: other.socket })), status(MungeStatus.CRED_INVALID));
  });

  t.test('munged unreachable', async (t) => {
    const gone = new Munge({ socket: `${d.dir}/no-such-socket` });
    await t.rejects(gone.encode(), status(MungeStatus.SOCKET));
    await t.rejects(gone.decode(await m.encode()), { name: /Error$/, ename: 'ECONNREFUSED' });
  });

  t.test('concurrency bound: maxConcurrent run, maxQueue wait, the rest EAGAIN', async (t) => {
    const creds = await Promise.all([0, 1, 2, 3, 4].map(() => m.encode()));
    const b = new Munge({ socket: d.socket, maxConcurrent: 2, maxQueue: 2 });
    const calls = creds.map((c) => b.decode(c).then((x) => x.uid, (e: unknown) => e));
    t.equal(b.running, 2, 'two children at once');
    t.equal(b.queued, 2, 'two waiting');
    const got = await Promise.all(calls);
    t.same(got.slice(0, 4), [uid, uid, uid, uid], 'the admitted ones all decode');
    t.match(got[4], { name: /Error$/, errno: EAGAIN }, 'the fifth is refused at once');
    t.equal(b.running, 0);
    t.equal(b.queued, 0);
    t.equal((await b.decode(creds[4])).uid, uid, 'the refused credential was never spent');
  });
});
