// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/munge against stand-in tools (sh scripts) that misbehave the ways a real one could:
// hang, print garbage, lie about the status, flood. No munged needed.

import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Munge, MungeError, MungeStatus } from '../../lib/munge/index.js';
import { ECANCELED, ENOENT, EPROTO, ETIMEDOUT, EPERM } from '../../lib/9p/errno.js';

const CRED = 'MUNGE:AwQFAACcblu7y7wL1U2O3o7J0aLn/zSpeiZUMjTGlklYPtIhzOlRw4wr=:';
const dir = mkdtempSync(join(tmpdir(), 'munge-tools-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function tool(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

const meta = (status: number, uid = 7): string =>
  `STATUS:           ${status}\nENCODE_HOST:      10.0.0.1\nENCODE_TIME:      100\nDECODE_TIME:      101\n` +
  `TTL:              300\nUID:              ${uid}\nGID:              8\nLENGTH:           2\n\nhi`;

t.test('reads what a well-behaved unmunge prints', async (t) => {
  const u = tool('good', `cat >/dev/null; printf '%s' '${meta(0)}'`);
  const c = await new Munge({ unmungePath: u }).decode(CRED);
  t.same(c, { uid: 7, gid: 8, payload: Buffer.from('hi'), encodeTime: 100, decodeTime: 101, ttl: 300, host: '10.0.0.1' });
  const r = tool('replayed', `cat >/dev/null; printf '%s' '${meta(17)}'; exit 17`);
  const e = await new Munge({ unmungePath: r }).decode(CRED).then(() => null, (x: unknown) => x);
  t.ok(e instanceof MungeError && e.status === MungeStatus.CRED_REPLAYED);
  t.equal((e as MungeError).credential?.uid, 7);
  const inv = tool('invalid', `cat >/dev/null; echo 'unmunge: Error: Invalid credential' >&2; exit 14`);
  await t.rejects(new Munge({ unmungePath: inv }).decode(CRED), { name: /Error$/, errno: EPERM, status: MungeStatus.CRED_INVALID });
});

t.test('the argument list', async (t) => {
  const out = join(dir, 'args');
  const u = tool('args', `echo "$@" > ${out}; cat >/dev/null; printf '%s' '${meta(0)}'`);
  await new Munge({ unmungePath: u, socket: '/s/x' }).decode(CRED);
  t.equal(readFileSync(out, 'utf8'), '-S /s/x -N -k STATUS,ENCODE_HOST,ENCODE_TIME,DECODE_TIME,TTL,UID,GID,LENGTH\n');
  const mg = tool('margs', `echo "$@" > ${out}; echo '${CRED}'`);
  t.equal(await new Munge({ mungePath: mg }).encode({ ttl: 9, uid: 5, gid: 6, restrictUid: 1, restrictGid: 2 }), CRED);
  t.equal(readFileSync(out, 'utf8'), '-t 9 -U 5 -G 6 -u 1 -g 2 -n\n');
});

t.test('output that is not what unmunge prints is EPROTO', async (t) => {
  const cases: Record<string, string> = {
    text: `printf 'STATUS: Success (0)\\n'`,
    liar: `printf '%s' '${meta(0)}'; exit 15`,
    flood: `yes MUNGE`,
    empty: `exit 0`,
  };
  for (const [name, body] of Object.entries(cases)) {
    const u = tool(name, `cat >/dev/null; ${body}`);
    await t.rejects(new Munge({ unmungePath: u, maxLength: 1024 }).decode(CRED), { name: /Error$/, errno: EPROTO }, name);
  }
  const m = tool('mgarbage', `echo 'not a credential'`);
  await t.rejects(new Munge({ mungePath: m }).encode(), { name: /Error$/, errno: EPROTO });
});

t.test('a hung tool is killed at the deadline', async (t) => {
  const pidFile = join(dir, 'pid');
  const u = tool('hang', `echo $$ > ${pidFile}; exec sleep 30`);
  const m = new Munge({ unmungePath: u, timeoutMs: 300, maxConcurrent: 1, maxQueue: 1 });
  const [a, b] = await Promise.all([m.decode(CRED).catch((e: unknown) => e), m.decode(CRED).catch((e: unknown) => e)]);
  t.match(a, { name: /Error$/, errno: ETIMEDOUT, status: MungeStatus.TIMEOUT });
  t.match(b, { name: /Error$/, errno: ETIMEDOUT }, 'the deadline counts the wait in line');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.notOk(alive(pid), 'the child is gone when the call fails');
  t.equal(m.running, 0);
  t.equal(m.queued, 0);
});

t.test('the caller may abort', async (t) => {
  const u = tool('hang2', `exec sleep 30`);
  const m = new Munge({ unmungePath: u });
  const ac = new AbortController();
  const p = m.decode(CRED, { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await t.rejects(p, { name: /Error$/, errno: ECANCELED });
  t.equal(m.running, 0);
});

t.test('a missing tool is ENOENT', async (t) => {
  await t.rejects(new Munge({ unmungePath: join(dir, 'nope') }).decode(CRED), { name: /Error$/, errno: ENOENT });
  await t.rejects(new Munge({ mungePath: join(dir, 'nope') }).encode(), { name: /Error$/, errno: ENOENT });
});

t.test('bad arguments never reach a tool', async (t) => {
  const m = new Munge({ mungePath: join(dir, 'nope') });
  await t.rejects(m.encode({ ttl: -2 }), { name: /Error$/, ename: 'EINVAL' });
  await t.rejects(m.encode({ uid: -1 }), { name: /Error$/, ename: 'EINVAL' });
  await t.rejects(m.encode({ socket: '' }), { name: /Error$/, ename: 'EINVAL' });
  await t.rejects(m.encode({ socket: 'x'.repeat(200) }), { name: /Error$/, ename: 'EINVAL' });
  t.throws(() => new Munge({ timeoutMs: 0 }), { name: /Error$/, ename: 'EINVAL' });
  t.throws(() => new Munge({ maxLength: (1 << 20) + 1 }), { name: /Error$/, ename: 'EINVAL' });
});
