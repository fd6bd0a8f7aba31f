// SPDX-License-Identifier: GPL-2.0-or-later
// ndbipinfo: a system's attributes, inherited through the ipnet entries around its
// address, narrowest first; the examples of ndb(6) and ndb(2), and the fixture cluster.
import t from 'tap';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ndb, type NdbTuple } from '../../lib/ndblib/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const db = Ndb.open(join(root, 'test', 'ndblib', 'ndb', 'local'));
const txt = (ts: NdbTuple[]) => ts.map((x) => `${x.attr}=${x.val}`);

t.test('the cluster: inherited from the subnet, then the site', async (t) => {
  t.same(txt(db.ipinfo('sys', 'node1', ['fs', 'auth', 'dns', 'cluster', 'ntp', 'ipgw', 'ipmask', 'dnsdomain'])), [
    'ipmask=255.255.255.0', 'cluster=node1', 'fs=node2', 'dnsdomain=cluster.example',
    'dns=10.0.0.53', 'ntp=ntp.site.example', 'auth=node1',
  ]);
  t.same(txt(db.ipinfo('sys', 'node3', ['auth', 'fs'])), ['auth=node3', 'fs=node2'], 'own values win');
  t.same(txt(db.ipinfo('sys', 'node2', ['fs', 'ipgw'])), ['fs=node2'], 'first address 10.0.0.2: no lab gateway');
  t.same(txt(db.ipinfo('dom', 'node2-lab.cluster.example', ['ipgw', 'fs', 'dns'])),
    ['fs=node2', 'ipgw=10.0.1.254', 'dns=10.0.0.53'], 'the matched line picks 10.0.1.2, on the lab net');
  t.same(txt(db.ipinfo('ip', '10.0.0.3', ['sys', 'auth'])), ['sys=node3', 'auth=node3']);
  t.same(txt(db.ipinfo('ip', '10.0.0.77', ['fs', 'auth'])), ['fs=node2', 'auth=node1'], 'an address with no entry');
  t.same(txt(db.ipinfo('ip', '10.200.0.1', ['fs'])), ['fs=node3'], 'outside the cluster, inside the site');
  t.same(txt(db.ipinfo('ip', '192.168.1.1', ['fs', 'ipmask'])), ['ipmask=255.255.255.0'], 'made-up classful mask');
  t.same(db.ipinfo('sys', 'nosuch', ['fs']), []);
  t.same(db.ipinfo('sys', 'gateway', []), []);
});

t.test('@attr resolves values to addresses', async (t) => {
  t.same(txt(db.ipinfo('sys', 'node1', ['@auth', '@fs', 'dns'])), ['fs=10.0.0.2', 'fs=10.0.1.2', 'dns=10.0.0.53', 'auth=10.0.0.1']);
  const d = Ndb.fromString('ipnet=n ip=10.0.0.0 ipmask=255.255.255.0 auth=auth.elsewhere.example\nsys=h ip=10.0.0.1\n');
  t.same(txt(d.ipinfo('sys', 'h', ['@auth'])), ['auth=auth.elsewhere.example'], 'unknown names stay as they are');
});

t.test('starting from a network: its parents, even at the same address', async (t) => {
  t.same(txt(db.ipinfo('ipnet', 'cluster', ['fs', 'dns', 'cluster'])), ['cluster=node1', 'fs=node2', 'dns=10.0.0.53']);
  t.same(txt(db.ipinfo('ipnet', 'site', ['fs', 'cluster'])), ['fs=node3'], 'a subnet is not a parent');
});

t.test('ndb(6): anna', async (t) => {
  const d = Ndb.fromString([
    'ipnet=murray-hill ip=135.104.0.0 ipmask=255.255.0.0',
    '\tdns=135.104.10.1',
    '\tntp=ntp.cs.bell-labs.com',
    'ipnet=plan9 ip=135.104.9.0 ipmask=255.255.255.0',
    '\tntp=oncore.cs.bell-labs.com',
    '\tsmtp=smtp1.cs.bell-labs.com',
    'ip=135.104.9.6 sys=anna dom=anna.cs.bell-labs.com',
    '\tsmtp=smtp2.cs.bell-labs.com',
  ].join('\n'));
  t.same(txt(d.ipinfo('sys', 'anna', ['ntp', 'smtp', 'dns'])), ['smtp=smtp2.cs.bell-labs.com', 'ntp=oncore.cs.bell-labs.com', 'dns=135.104.10.1']);
});

t.test('ndb(2): x.big.com, with a classful default mask', async (t) => {
  const d = Ndb.fromString([
    'ipnet=big ip=10.0.0.0',
    '\tdns=dns.big.com',
    '\tsmtp=smtp.big.com',
    'ipnet=dept ip=10.1.1.0 ipmask=255.255.255.0',
    '\tsmtp=smtp1.big.com',
    'ip=10.1.1.4 dom=x.big.com',
    '\tbootf=/386/9pc',
  ].join('\n'));
  t.same(txt(d.ipinfo('dom', 'x.big.com', ['bootf', 'smtp', 'dns'])), ['bootf=/386/9pc', 'smtp=smtp1.big.com', 'dns=dns.big.com']);
});

t.test('ordering: mask length over file order; all values of the first entry', async (t) => {
  const d = Ndb.fromString([
    'ipnet=wide ip=10.0.0.0 ipmask=255.0.0.0 x=wide y=wide',
    'ipnet=narrow ip=10.0.0.0 ipmask=/24 x=narrow',
    '\tdns=10.0.0.1 dns=10.0.0.2',
    'ipnet=other ip=10.0.0.0 ipmask=/24 dns=10.9.9.9 z=other',
    'sys=h ip=10.0.0.5',
    'sys=h dns=own',
  ].join('\n'));
  t.same(txt(d.ipinfo('sys', 'h', ['x', 'y', 'z'])), ['x=narrow', 'z=other', 'y=wide']);
  t.same(txt(d.ipinfo('sys', 'h', ['dns'])), ['dns=own'], 'every entry with sys=h is the system');
  t.same(txt(d.ipinfo('ip', '10.0.0.5', ['dns'])), ['dns=10.0.0.1', 'dns=10.0.0.2']);
});

t.test('IPv6 networks', async (t) => {
  const d = Ndb.fromString([
    'ipnet=v6site ip=2001:db8:: ipmask=/32 dns=2001:db8::53',
    'ipnet=v6lan ip=2001:db8:0:1:: ipmask=/64 ipgw=2001:db8:0:1::1',
    'sys=h6 ip=2001:db8:0:1::5',
  ].join('\n'));
  t.same(txt(d.ipinfo('sys', 'h6', ['dns', 'ipgw', 'ipmask'])), ['ipmask=/64', 'ipgw=2001:db8:0:1::1', 'dns=2001:db8::53']);
  t.same(txt(d.ipinfo('ip', '2001:db8:ffff::1', ['dns', 'ipgw'])), ['dns=2001:db8::53']);
});

t.test('a bad address in a system entry is EINVAL with its place', async (t) => {
  const d = Ndb.fromString('sys=h ip=10.0.0.300\n', '/n/local');
  t.throws(() => d.ipinfo('sys', 'h', ['fs']), { ename: 'EINVAL', message: /bad ip "10.0.0.300" for sys=h at \/n\/local:1/ });
});
