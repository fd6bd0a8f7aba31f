// SPDX-License-Identifier: GPL-2.0-or-later
// Dial strings with names go through a resolver (what /net/cs will answer); literal
// addresses with port numbers, and unix paths, do not (dial9's fast path).
import t from 'tap';
import { isLiteralDial, parseDialString, resolveDial, resolveDialSync } from '../../lib/iplib/index.js';
import { P9Error } from '../../lib/9p/error.js';

const ename = (fn: () => unknown): string => {
  try { fn(); } catch (e) { if (e instanceof P9Error) return e.ename; throw e; }
  return 'no error';
};

const table: Record<string, string[]> = {
  'tcp!kremvax!9fs': ['tcp!10.0.0.2!564', 'tcp!10.0.1.2!564'],
  'tcp!kremvax!564': ['tcp!10.0.0.2!564'],
  'net!kremvax!9fs': ['tcp!10.0.0.2!564', 'il!10.0.0.2!17008'],
  'tcp!$auth!rexec': ['tcp!10.0.0.1!512!r'],
  'tcp!10.0.0.5!9fs': ['tcp!10.0.0.5!564'],
  'tcp!empty!1': [],
};

t.test('resolveDialSync', async (t) => {
  const asked: string[] = [];
  const r = (d: string) => { asked.push(d); if (!(d in table)) throw new P9Error(2, d, "can't translate address"); return table[d]; };
  t.same(resolveDialSync('tcp!kremvax!9fs', r).map((d) => [d.host, d.port]), [['10.0.0.2', 564], ['10.0.1.2', 564]]);
  t.same(resolveDialSync('kremvax', r), [parseDialString('tcp!10.0.0.2!564')], 'defaults are filled in before asking');
  t.same(resolveDialSync('net!kremvax!9fs', r).map((d) => d.net), ['tcp', 'il']);
  t.same(resolveDialSync('tcp!$auth!rexec', r)[0], { net: 'tcp', host: '10.0.0.1', service: '512', port: 512, extra: 'r' });
  t.same(resolveDialSync('tcp!10.0.0.5!9fs', r)[0].port, 564, 'an address with a service name still asks');
  asked.length = 0;
  t.same(resolveDialSync('tcp!10.0.0.5!5640', r), [parseDialString('tcp!10.0.0.5!5640')]);
  t.same(resolveDialSync('tcp!*!5640', r)[0].host, '*');
  t.same(resolveDialSync('unix!/tmp/s', r)[0].host, '/tmp/s');
  t.same(asked, [], 'literal dial strings are not resolved');
  t.equal(ename(() => resolveDialSync('tcp!empty!1', r)), 'ENOENT');
  t.throws(() => resolveDialSync('tcp!nosuch!1', r), { ename: 'ENOENT', message: /can't translate address/ });
  t.equal(ename(() => resolveDialSync('bogus!a!1', r)), 'EINVAL', 'the dial string is checked first');
  t.equal(ename(() => resolveDialSync('tcp!kremvax!9fs', () => ['bogus!x!1'])), 'EINVAL', 'answers are checked');
});

t.test('resolveDial with an asynchronous resolver', async (t) => {
  const r = async (d: string) => table[d] ?? [];
  t.same((await resolveDial('tcp!kremvax!564', r)).map((d) => d.host), ['10.0.0.2']);
  t.same((await resolveDial('tcp!1.2.3.4!1', r)).map((d) => d.host), ['1.2.3.4']);
  await t.rejects(resolveDial('tcp!empty!1', r), { message: /no translation for "tcp!empty!1"/ });
});

t.test('isLiteralDial', async (t) => {
  t.ok(isLiteralDial(parseDialString('tcp!10.0.0.1!564')));
  t.ok(isLiteralDial(parseDialString('tcp!::1!564')));
  t.ok(isLiteralDial(parseDialString('tcp!*!*')));
  t.ok(isLiteralDial(parseDialString('unix!/x')));
  t.notOk(isLiteralDial(parseDialString('net!10.0.0.1!564')), 'net still has to pick networks');
  t.notOk(isLiteralDial(parseDialString('tcp!host!564')));
  t.notOk(isLiteralDial(parseDialString('tcp!10.0.0.1!9fs')));
  t.notOk(isLiteralDial(parseDialString('tcp!$auth!564')));
});
