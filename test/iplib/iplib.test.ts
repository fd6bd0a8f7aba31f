// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import {
  defmask, getfields, gettokens, ipfmt, isv4, maskfmt, maskip, netmkaddr, parseDialString, parseip,
  parseipmask, quote, tokenize, v4parsecidr, v4parseip, v4tov6, v6tov4,
} from '../../lib/iplib/index.js';
import { P9Error } from '../../lib/9p/error.js';

const einval = (fn: () => unknown, re?: RegExp) => {
  try { fn(); } catch (e) {
    return e instanceof P9Error && e.ename === 'EINVAL' && (!re || re.test(e.detail ?? ''));
  }
  return false;
};

t.test('dial strings', async (t) => {
  t.same(parseDialString('tcp!127.0.0.1!5640'), { net: 'tcp', host: '127.0.0.1', service: '5640', port: 5640 });
  t.same(parseDialString('tcp!*!564'), { net: 'tcp', host: '*', service: '564', port: 564 });
  t.same(parseDialString('tcp!::!564').host, '*');
  t.same(parseDialString('unix!/path/sock'), { net: 'unix', host: '/path/sock', service: '' });
  t.same(parseDialString('tcp!host'), { net: 'tcp', host: 'host', service: '564', port: 564 });
  t.same(parseDialString('tcp!host', { service: '5640' }).port, 5640);
  t.same(parseDialString('example.com'), { net: 'tcp', host: 'example.com', service: '564', port: 564 });
  t.same(parseDialString('net!kremvax!9fs'), { net: 'net', host: 'kremvax', service: '9fs' });
  t.same(parseDialString('tcp!::1!5640').host, '::1');
  t.same(parseDialString('tcp![fe80::1]!5640').host, '[fe80::1]');
  t.same(parseDialString('/net/tcp!10.0.0.2!564'), { net: 'tcp', host: '10.0.0.2', service: '564', port: 564, netdir: '/net' });
  t.same(parseDialString('tcp!$auth!rexauth').host, '$auth');
  t.same(parseDialString('tcp!a!1!r').extra, 'r');
  t.ok(einval(() => parseDialString(''), /empty/));
  t.ok(einval(() => parseDialString('bogus!a!1'), /unknown network "bogus"/));
  t.ok(einval(() => parseDialString('tcp!!1'), /no host/));
  t.ok(einval(() => parseDialString('tcp!h!'), /empty service/));
  t.ok(einval(() => parseDialString('tcp!h!70000'), /out of range/));
  t.ok(einval(() => parseDialString('tcp!300.1.1.1!1'), /bad address/));
  t.ok(einval(() => parseDialString('tcp!bad_host!1'), /bad host name/));
  t.ok(einval(() => parseDialString('unix!'), /no socket path/));
  t.ok(einval(() => parseDialString('unix!/a!b'), /only a path/));
  t.ok(einval(() => parseDialString('tcp!h!b@d'), /bad service/));
  t.ok(einval(() => parseDialString('tcp!a b!1'), /blanks/));
  t.match(String((() => { try { parseDialString('x!y!z'); } catch (e) { return (e as Error).message; } })()), /^Invalid argument: bad dial string "x!y!z"/);
});

t.test('netmkaddr', async (t) => {
  t.equal(netmkaddr('kremvax'), 'net!kremvax');
  t.equal(netmkaddr('kremvax', undefined, '9fs'), 'net!kremvax!9fs');
  t.equal(netmkaddr('kremvax', 'tcp', '564'), 'tcp!kremvax!564');
  t.equal(netmkaddr('kremvax', 'tcp'), 'tcp!kremvax');
  t.equal(netmkaddr('tcp!kremvax', 'udp', '564'), 'tcp!kremvax!564');
  t.equal(netmkaddr('tcp!kremvax', 'udp'), 'tcp!kremvax');
  t.equal(netmkaddr('tcp!kremvax!1', 'udp', '564'), 'tcp!kremvax!1');
});

t.test('parseip and friends', async (t) => {
  const v4 = parseip('10.1.2.3');
  t.equal(v4.length, 16);
  t.ok(isv4(v4));
  t.equal(v4.toString('hex'), '00000000000000000000ffff0a010203');
  t.equal(ipfmt(v4), '10.1.2.3');
  t.equal(ipfmt(parseip('::1')), '::1');
  t.equal(ipfmt(parseip('::')), '::');
  t.equal(ipfmt(parseip('FE80:0:0:0:1:0:0:2')), 'fe80::1:0:0:2');
  t.equal(ipfmt(parseip('2001:db8::8:800:200c:417a')), '2001:db8::8:800:200c:417a');
  t.equal(ipfmt(parseip('1:2:3:4:5:6:7:8')), '1:2:3:4:5:6:7:8');
  t.equal(ipfmt(parseip('::ffff:1.2.3.4')), '1.2.3.4');
  t.equal(ipfmt(parseip('[::1]')), '::1');
  t.notOk(isv4(parseip('::1')));
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', 'a.b.c.d', '1::2::3', '12345::', '1:2:3:4:5:6:7', ':::', '1.2.3.-1', '']) {
    t.ok(einval(() => parseip(bad)), bad);
  }
  t.same([...v4parseip('192.168.0.1')], [192, 168, 0, 1]);
  t.same([...v6tov4(v4)], [10, 1, 2, 3]);
  t.same([...v6tov4(Buffer.alloc(16))], [0, 0, 0, 0]);
  t.ok(einval(() => v6tov4(parseip('::1'))));
  t.ok(v4tov6(Buffer.from([1, 2, 3, 4])).equals(parseip('1.2.3.4')));
});

t.test('masks', async (t) => {
  t.equal(maskfmt(defmask(parseip('10.0.0.1'))), '/8');
  t.equal(maskfmt(defmask(parseip('172.16.0.1'))), '/16');
  t.equal(maskfmt(defmask(parseip('192.168.1.1'))), '/24');
  t.equal(defmask(parseip('192.168.1.1')).toString('hex'), 'ffffffffffffffffffffffffffffff00');
  t.equal(maskfmt(parseipmask('255.255.0.255')), '255.255.0.255');
  t.equal(maskfmt(defmask(parseip('fe80::1'))), '/64');
  t.equal(defmask(parseip('::1')).toString('hex'), 'f'.repeat(32));
  t.equal(maskfmt(parseipmask('/100')), '/4');
  const m = parseipmask('255.255.255.0');
  t.equal(m.toString('hex'), 'ffffffffffffffffffffffffffffff00');
  t.equal(maskfmt(m), '/24');
  t.equal(parseipmask('/120').toString('hex'), 'ffffffffffffffffffffffffffffff00');
  t.equal(parseipmask('/0').toString('hex'), '0'.repeat(32));
  t.equal(parseipmask('/65').toString('hex'), 'ffffffffffffffff8000000000000000');
  t.ok(einval(() => parseipmask('/129')));
  t.equal(ipfmt(maskip(parseip('192.168.7.9'), parseipmask('255.255.255.0'))), '192.168.7.0');
  const c = v4parsecidr('10.1.2.3/20');
  t.same([...c.ip], [10, 1, 2, 3]);
  t.same([...c.mask], [255, 255, 240, 0]);
  t.same([...v4parsecidr('192.168.1.5').mask], [255, 255, 255, 0]);
  t.ok(einval(() => v4parsecidr('10.0.0.0/33')));
});

t.test('tokenize, quote, getfields', async (t) => {
  t.same(tokenize('  cores   4\n'), ['cores', '4']);
  t.same(tokenize("name 'my proc' x"), ['name', 'my proc', 'x']);
  t.same(tokenize("a'b c'd"), ['ab cd']);
  t.same(tokenize("'it''s'"), ["it's"]);
  t.same(tokenize("''"), ['']);
  t.same(tokenize('a b c d', 2), ['a', 'b']);
  t.same(tokenize(''), []);
  for (const s of ['plain', 'two words', "it's", '', 'tab\there']) t.same(tokenize(quote(s)), [s], s);
  t.same(getfields('a!b!!c', Infinity, false, '!'), ['a', 'b', '', 'c']);
  t.same(getfields('a!b!!c', Infinity, true, '!'), ['a', 'b', 'c']);
  t.same(getfields('  a  b ', Infinity, true), ['a', 'b']);
  t.same(getfields('a b c d', 2, true), ['a', 'b']);
  t.same(getfields('', Infinity, false, '!'), ['']);
  t.same(getfields('', Infinity, true, '!'), []);
  t.same(gettokens("x,'a,b',y", Infinity, ','), ['x', 'a,b', 'y']);
});
