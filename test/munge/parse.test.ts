// SPDX-License-Identifier: GPL-2.0-or-later
//
// The strict readers of the munge tools' output, and the status table: no munged needed.

import t from 'tap';
import { parseUnmunge, parseMungeOut, MungeError, MungeStatus, mungeStrerror, mungeErrno } from '../../lib/munge/index.js';
import { EPERM, EPROTO, EINVAL, ETIMEDOUT } from '../../lib/9p/errno.js';

// What `unmunge -N -k STATUS,ENCODE_HOST,ENCODE_TIME,DECODE_TIME,TTL,UID,GID,LENGTH` prints
// (munge 0.5.15): keys padded to the widest key of the whole table.
function meta(over: Record<string, string> = {}, payload = Buffer.alloc(0)): Buffer {
  const v: Record<string, string> = {
    STATUS: '0', ENCODE_HOST: '127.0.0.1', ENCODE_TIME: '1795972481', DECODE_TIME: '1795972482',
    TTL: '300', UID: '1000', GID: '1000', LENGTH: String(payload.length), ...over,
  };
  const lines = Object.entries(v).map(([k, x]) => `${k}:${' '.repeat(17 - k.length)}${x}\n`).join('');
  return Buffer.concat([Buffer.from(lines + '\n'), payload]);
}

t.test('a good decode', async (t) => {
  const p = Buffer.from([0, 10, 10, 0x3a, 255]);
  const u = parseUnmunge(meta({}, p));
  t.equal(u.status, 0);
  t.same(u.credential, {
    uid: 1000, gid: 1000, payload: p, encodeTime: 1795972481, decodeTime: 1795972482, ttl: 300, host: '127.0.0.1',
  });
  t.equal(parseUnmunge(meta({ STATUS: '17' })).status, MungeStatus.CRED_REPLAYED);
  t.equal(parseUnmunge(meta({ UID: '4294967294' })).credential.uid, 4294967294);
});

t.test('anything off is EPROTO', async (t) => {
  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['no blank line', meta().subarray(0, meta().length - 1)],
    ['payload longer than LENGTH', meta({ LENGTH: '1' }, Buffer.from('ab'))],
    ['payload shorter than LENGTH', meta({ LENGTH: '3' }, Buffer.from('ab'))],
    ['negative uid', meta({ UID: '-1' })],
    ['uid beyond 32 bits', meta({ UID: '4294967296' })],
    ['hex ttl', meta({ TTL: '0x10' })],
    ['unknown status', meta({ STATUS: '19' })],
    ['named host', meta({ ENCODE_HOST: 'localhost' })],
    ['leading zero', meta({ GID: '01' })],
    ['keys out of order', Buffer.from(meta().toString().replace(/^(UID:.*\n)(GID:.*\n)/m, '$2$1'))],
    ['a missing key', Buffer.from(meta().toString().replace(/^TTL:.*\n/m, ''))],
    ['an extra key', Buffer.from(meta().toString().replace(/^(TTL:.*\n)/m, '$1CIPHER:           4\n'))],
    ['text mode', Buffer.from(meta().toString().replace('STATUS:           0', 'STATUS:           Success (0)'))],
  ];
  for (const [name, out] of cases) {
    t.throws(() => parseUnmunge(out), { name: /Error$/, errno: EPROTO }, name);
  }
});

t.test('munge output', async (t) => {
  const c = 'MUNGE:AwQFAACcblu7y7wL1U2O3o7J0aLn/zSpeiZUMjTGlklYPt+IhzOlRw4wr=:';
  t.equal(parseMungeOut(Buffer.from(c + '\n')), c);
  t.throws(() => parseMungeOut(Buffer.from(c)), { name: /Error$/, errno: EPROTO }, 'no newline');
  t.throws(() => parseMungeOut(Buffer.from(c + '\n\n')), { name: /Error$/, errno: EPROTO }, 'two lines');
  t.throws(() => parseMungeOut(Buffer.from('MUNGE:a b:\n')), { name: /Error$/, errno: EPROTO }, 'not base64');
  t.throws(() => parseMungeOut(Buffer.from('munge: Error: x\n')), { name: /Error$/, errno: EPROTO });
});

t.test('statuses and their errnos', async (t) => {
  const e = new MungeError(MungeStatus.CRED_EXPIRED, 'uid 5');
  t.ok(e instanceof Error);
  t.equal(e.errno, EPERM, 'a refused credential is EPERM');
  t.equal(e.statusName, 'CRED_EXPIRED');
  t.match(e.message, /Expired credential: uid 5/);
  t.equal(mungeStrerror(MungeStatus.CRED_REPLAYED), 'Replayed credential');
  for (let s = 8; s <= 18; s++) t.equal(mungeErrno(s), EPERM, `status ${s}`);
  t.equal(mungeErrno(MungeStatus.BAD_LENGTH), EINVAL);
  t.equal(mungeErrno(MungeStatus.TIMEOUT), ETIMEDOUT);
  t.equal(new MungeError(MungeStatus.SOCKET).ename, 'ECONNREFUSED');
});
