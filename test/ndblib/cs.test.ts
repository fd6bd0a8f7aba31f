// SPDX-License-Identifier: GPL-2.0-or-later
// The connection server's translations over the fixture cluster: names, addresses,
// `*`, `$attr`, service entries, the `net` pseudo-network, errors with cs's own text;
// the `!attr=val` and `!ipinfo` queries; and csResolver plugged into iplib's resolveDial.
import t from 'tap';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsError, Ndb, csAttrQuery, csQuery, csResolver } from '../../lib/ndblib/index.js';
import { resolveDial, resolveDialSync } from '../../lib/iplib/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const db = Ndb.open(join(root, 'test', 'ndblib', 'ndb', 'local'));

const csfail = (fn: () => unknown): CsError => {
  try { fn(); } catch (e) { if (e instanceof CsError) return e; throw e; }
  throw new Error('no error');
};

t.test('hosts by sys=, dom=, ip=; several ip= give several answers', async (t) => {
  t.same(csQuery(db, 'tcp!node1!akaros'), ['tcp!10.0.0.1!5640']);
  t.same(csQuery(db, 'tcp!node2!akaros'), ['tcp!10.0.0.2!5640', 'tcp!10.0.1.2!5640']);
  t.same(csQuery(db, 'tcp!node2-lab.cluster.example!9fs'), ['tcp!10.0.1.2!564', 'tcp!10.0.0.2!564'], 'the matched line first');
  t.same(csQuery(db, 'tcp!node3.cluster.example!9fs'), ['tcp!10.0.0.3!564']);
  t.same(csQuery(db, 'tcp!gw.site.example!ssh'), ['tcp!10.0.0.254!22'], 'from the chained common file');
  t.same(csQuery(db, 'tcp!10.0.0.9!akaros'), ['tcp!10.0.0.9!5640'], 'addresses pass through');
  t.same(csQuery(db, 'tcp![10.0.0.9]!564'), ['tcp!10.0.0.9!564']);
  t.same(csQuery(db, 'tcp!fe80::1!564'), ['tcp!fe80::1!564']);
  t.same(csQuery(db, 'tcp!node1!5640\n'), ['tcp!10.0.0.1!5640'], 'a trailing newline is ignored');
  t.same(csQuery(db, '/net/tcp!node1!9fs'), ['/net/tcp!10.0.0.1!564'], 'the network directory is kept');
  t.same(csQuery(db, 'tcp!node1!9fs!fasttimeout'), ['tcp!10.0.0.1!564!fasttimeout'], 'the rest is carried');
});

t.test('* and :: mean any address', async (t) => {
  t.same(csQuery(db, 'tcp!*!akaros'), ['tcp!*!5640']);
  t.same(csQuery(db, 'tcp!::!564'), ['tcp!*!564']);
  t.same(csQuery(db, 'tcp!*!*'), ['tcp!*!*']);
});

t.test('$attr: this system\'s attribute, inherited through ipinfo', async (t) => {
  t.same(csQuery(db, 'tcp!$cluster!akaros', { sysname: 'node3' }), ['tcp!10.0.0.1!5640'], 'cluster= from the subnet');
  t.same(csQuery(db, 'tcp!$auth!akaros', { sysname: 'node3' }), ['tcp!10.0.0.3!5640'], "node3's own auth=");
  t.same(csQuery(db, 'tcp!$auth!akaros', { sysname: 'node2' }), ['tcp!10.0.0.1!5640'], 'auth= from the site');
  t.same(csQuery(db, 'tcp!$fs!9fs', { sysname: 'node1' }), ['tcp!10.0.0.2!564', 'tcp!10.0.1.2!564']);
  t.same(csQuery(db, 'tcp!$auth!9fs', { sysname: '10.0.0.1' }), ['tcp!10.0.0.1!564'], 'the system named by address');
  t.same(csQuery(db, 'tcp!$fs!9fs', { sysname: '10.99.0.1' }), ['tcp!10.0.0.3!564'], 'an address with no entry inherits too');
  t.same(csQuery(db, 'tcp!$dns!53', { sysname: 'node1' }), ['tcp!10.0.0.53!53']);
  let e = csfail(() => csQuery(db, 'tcp!$cluster!akaros'));
  t.equal(e.text, "can't translate address");
  t.match(e.message, /this system's name is not known/);
  e = csfail(() => csQuery(db, 'tcp!$nosuch!akaros', { sysname: 'node1' }));
  t.match(e.message, /\$nosuch: no nosuch= for sys=node1 or its networks/);
  e = csfail(() => csQuery(db, 'tcp!$ntp!akaros', { sysname: 'node1' }));
  t.match(e.message, /no ip= for "ntp.site.example" \(from \$ntp\)/);
});

t.test('services: names, numbers, restricted ports, per network', async (t) => {
  t.same(csQuery(db, 'tcp!node1!rexec'), ['tcp!10.0.0.1!512!r']);
  t.same(csQuery(db, 'tcp!node1!512'), ['tcp!10.0.0.1!512!r'], 'a low tcp port number finds its entry');
  t.same(csQuery(db, 'udp!node1!512'), ['udp!10.0.0.1!512'], 'only tcp ports are restricted');
  t.same(csQuery(db, 'tcp!node1!564'), ['tcp!10.0.0.1!564']);
  t.same(csQuery(db, 'tcp!node1!akaros-alt'), ['tcp!10.0.0.1!5641']);
  t.same(csQuery(db, 'udp!node1!dns'), ['udp!10.0.0.1!53']);
  t.same(csQuery(db, 'il!node1!9fs'), ['il!10.0.0.1!17008']);
  let e = csfail(() => csQuery(db, 'udp!node1!9fs'));
  t.equal(e.text, "can't translate service");
  t.equal(e.ename, 'ENOENT');
  e = csfail(() => csQuery(db, 'tcp!node1!nosuch'));
  t.match(e.message, /^can't translate service: cs: no tcp=nosuch port= entry \(query "tcp!node1!nosuch"\)$/);
  t.equal(csfail(() => csQuery(db, 'tcp!node1!99999')).text, "can't translate service");
  t.equal(csfail(() => csQuery(db, 'tcp!node1!a/b')).text, "can't translate service");
  t.equal(csfail(() => csQuery(db, 'tcp!node1')).text, "can't translate service", 'no service');
  t.equal(csfail(() => csQuery(db, 'node1')).text, "can't translate service", 'a bare host: net, no service');
  t.equal(csfail(() => csQuery(db, 'tcp!node1!')).text, "can't translate service");
  const bad = Ndb.fromString('tcp=odd port=abc\n');
  t.match(csfail(() => csQuery(bad, 'tcp!1.2.3.4!odd')).message, /bad port "abc" for tcp=odd at \/lib\/ndb\/local:1/);
});

t.test('net: each network in turn', async (t) => {
  t.same(csQuery(db, 'net!node1!9fs'), ['tcp!10.0.0.1!564', 'il!10.0.0.1!17008']);
  t.same(csQuery(db, 'net!node2!akaros'), ['tcp!10.0.0.2!5640', 'tcp!10.0.1.2!5640', 'udp!10.0.0.2!5640', 'udp!10.0.1.2!5640']);
  t.same(csQuery(db, 'net!node1!akaros', { nets: ['tcp'] }), ['tcp!10.0.0.1!5640']);
  t.same(csQuery(db, 'net!node1!22', { nets: ['udp', 'tcp'] }), ['udp!10.0.0.1!22', 'tcp!10.0.0.1!22']);
  t.equal(csfail(() => csQuery(db, 'net!node1!nosuch')).text, "can't translate service");
  t.equal(csfail(() => csQuery(db, 'net!nosuch!9fs')).text, "can't translate address");
});

t.test('unknown hosts, other networks, malformed queries', async (t) => {
  const e = csfail(() => csQuery(db, 'tcp!nosuch!akaros'));
  t.equal(e.errno, 2);
  t.equal(e.ename, 'ENOENT');
  t.equal(e.text, "can't translate address", 'the 9P2000 error string is cs\'s');
  t.equal(e.failure, "can't translate address");
  t.equal(e.query, 'tcp!nosuch!akaros');
  t.match(e.message, /no ip= for "nosuch"/);
  t.equal(csfail(() => csQuery(db, 'tcp!300.1.1.1!564')).text, "can't translate address");
  t.equal(csfail(() => csQuery(db, 'tcp!!564')).text, "can't translate address");
  t.equal(csfail(() => csQuery(db, 'tcp!$!564', { sysname: 'node1' })).text, "can't translate address");
  t.same(csQuery(db, 'ssh!node1!22'), ['ssh!node1!22'], 'networks cs does not know are echoed');
  t.same(csQuery(db, 'unix!/tmp/sock'), ['unix!/tmp/sock']);
  for (const q of ['', 'tcp!a b!1', `tcp!${'x'.repeat(2000)}!1`]) {
    const b = csfail(() => csQuery(db, q));
    t.equal(b.ename, 'EINVAL', JSON.stringify(q.slice(0, 20)));
  }
});

t.test('fallbacks without DNS, duplicates, the answer bound', async (t) => {
  const d = Ndb.fromString([
    'sys=a.b ip=1.2.3.4',
    'sys=x dom=x.example',
    'dom=x.example ip=5.6.7.8',
    'dom=plain ip=9.9.9.9',
    'sys=dup ip=1.1.1.1 ip=1.1.1.1',
    `sys=many ${Array.from({ length: 30 }, (_, i) => `ip=10.1.0.${i}`).join(' ')}`,
  ].join('\n'));
  t.same(csQuery(d, 'tcp!a.b!1'), ['tcp!1.2.3.4!1'], 'a dotted name tried as sys= too');
  t.same(csQuery(d, 'tcp!plain!1'), ['tcp!9.9.9.9!1'], 'a plain name tried as dom= too');
  t.same(csQuery(d, 'tcp!x!1'), ['tcp!5.6.7.8!1'], "an entry's dom= looked up in its turn");
  t.same(csQuery(d, 'tcp!dup!1'), ['tcp!1.1.1.1!1']);
  t.equal(csQuery(d, 'tcp!many!1').length, 20);
  t.equal(csQuery(d, 'tcp!many!1', { maxAnswers: 3 }).length, 3);
});

t.test('attribute queries', async (t) => {
  t.same(csAttrQuery(db, '!sys=node1 ip=*'), ['sys=node1 ip=10.0.0.1', 'dom=node1.cluster.example', 'ether=525400000001', 'proto=tcp']);
  t.same(csAttrQuery(db, '!sys=node3'), ['sys=node3 ip=10.0.0.3', 'dom=node3.cluster.example', 'auth=node3', 'comment="rack 3, slot 2"']);
  t.same(csAttrQuery(db, '!port=5640 udp=*\n'), ['udp=akaros port=5640']);
  t.equal(csfail(() => csAttrQuery(db, '!tcp=akaros port=9999')).text, 'no match');
  t.same(csAttrQuery(db, '!ipinfo sys=node1 fs @auth'), ['fs=node2', 'auth=10.0.0.1']);
  t.same(csAttrQuery(db, '!ipinfo cluster dnsdomain', { sysname: 'node2' }), ['cluster=node1', 'dnsdomain=cluster.example']);
  t.equal(csfail(() => csAttrQuery(db, '!ipinfo sys=nosuch fs')).text, 'no match');
  for (const q of ['!', '!ipinfo', '!ipinfo sys=node1', '!ipinfo fs', '!sys', '!=x']) {
    const e = csfail(() => csAttrQuery(db, q));
    t.equal(e.text, 'bad query', q);
    t.equal(e.ename, 'EINVAL', q);
  }
});

t.test('csResolver in iplib resolveDial', async (t) => {
  const r = csResolver(db, { sysname: 'node3' });
  t.same(resolveDialSync('tcp!node2!akaros', r).map((d) => [d.host, d.port]), [['10.0.0.2', 5640], ['10.0.1.2', 5640]]);
  t.same(resolveDialSync('node1', r, { service: '9fs' }).map((d) => `${d.net}!${d.host}!${d.port}`), ['tcp!10.0.0.1!564']);
  t.same(resolveDialSync('tcp!$cluster!akaros', r).map((d) => d.host), ['10.0.0.1']);
  const [rex] = resolveDialSync('tcp!node1!rexec', r);
  t.equal(rex.port, 512);
  t.equal(rex.extra, 'r');
  t.same((await resolveDial('net!node1!9fs', r)).map((d) => `${d.net}!${d.port}`), ['tcp!564', 'il!17008']);
  t.equal(csfail(() => resolveDialSync('tcp!nosuch!akaros', r)).text, "can't translate address");
});
