// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { createConsDevice } from '../../devs/cons/cons.js';
import { MemoryLog } from '../../devs/dev.js';
import type { Caller, Node, OpenFile } from '../../devs/types.js';
import { createNamespaceServer } from '../../ns/index.js';
import { fakeCaller, rejection, req, settled } from './fake.js';

const log = new MemoryLog();
const clock = { nowNs: () => 1_700_000_000_123_456_789n, freq: 1000n };
const devices: { name: string }[] = [];
const cons = createConsDevice({ hostowner: 'eve', clock, log, drivers: () => devices.map((d) => d.name) });
devices.push(cons, { name: 'mcp' });
const nss = createNamespaceServer({ devices: [cons], hostowner: 'eve' });

function callers() {
  const ns = nss.fork();
  const eve = fakeCaller('eve', true, ns);
  const glenda = fakeCaller('glenda', false, nss.fork());
  return { eve, glenda, ns };
}
const file = (c: Caller, name: string): Node => cons.attach(c, '').walk(c, name)!;
async function read(c: Caller, name: string, count = 8192): Promise<string> {
  const f = await file(c, name).open(c, 0);
  return (await f.read(req(count))).toString();
}
async function write(c: Caller, name: string, text: string): Promise<number> {
  const f: OpenFile = await file(c, name).open(c, 1);
  return f.write(0n, Buffer.from(text));
}

t.test('listing and modes', async (t) => {
  const { eve } = callers();
  const root = cons.attach(eve, '');
  t.same(root.children(eve).map((n) => n.info().name),
    ['drivers', 'errstr', 'hostowner', 'kmesg', 'ns', 'null', 'osversion', 'random', 'sysname', 'time', 'user', 'zero']);
  const modes = Object.fromEntries(root.children(eve).map((n) => [n.info().name, (n.info().mode & 0o777).toString(8)]));
  t.same(modes, { drivers: '444', errstr: '666', hostowner: '444', kmesg: '644', ns: '666', null: '666', osversion: '444',
    random: '444', sysname: '664', time: '444', user: '444', zero: '444' });
  t.equal(file(eve, 'sysname').info().uid, 'eve');
  t.equal(file(eve, 'sysname').info().length, 0n);
});

t.test('identity and time', async (t) => {
  const { eve, glenda } = callers();
  t.equal(await read(eve, 'time'), '1700000000 1700000000123456789 1700000000123 1000\n');
  t.equal(await read(glenda, 'user'), 'glenda\n');
  t.equal(await read(eve, 'user'), 'eve\n');
  t.equal(await read(glenda, 'hostowner'), 'eve\n');
  t.equal(await read(glenda, 'osversion'), '2000\n');
  t.equal(await read(glenda, 'drivers'), '#cons\n#mcp\n');
  t.equal(await read(glenda, 'sysname', 3), 'nan');
  t.equal(await rejection(() => file(glenda, 'time').open(glenda, 1)), 'EACCES');
  t.equal(await rejection(() => file(eve, 'time').open(eve, 1)), 'EACCES', 'read-only even for the host owner');
});

t.test('sysname', async (t) => {
  const { eve, glenda } = callers();
  t.equal(await rejection(() => write(glenda, 'sysname', 'evil\n')), 'EACCES', 'others may not write');
  t.equal(await write(eve, 'sysname', 'kremvax\n'), 8);
  t.equal(await read(glenda, 'sysname'), 'kremvax\n');
  t.equal(cons.sysname, 'kremvax');
  t.equal(await rejection(() => write(eve, 'sysname', '\n')), 'EINVAL');
  t.equal(await rejection(() => write(eve, 'sysname', 'a\nb\n')), 'EINVAL');
  t.equal(await rejection(() => write(eve, 'sysname', 'x'.repeat(300))), 'EINVAL');
  const f = await file(eve, 'sysname').open(eve, 0x11);
  f.truncate?.();
  t.equal(await rejection(() => Promise.resolve().then(() => file(eve, 'sysname').wstat!(eve, { length: 0n }))), 'resolved');
});

t.test('null, zero, random', async (t) => {
  const { glenda } = callers();
  t.equal(await write(glenda, 'null', 'x\n'), 2);
  t.equal(await read(glenda, 'null'), '');
  const z = await (await file(glenda, 'zero').open(glenda, 0)).read(req(16));
  t.same([...z], new Array(16).fill(0));
  const r = await (await file(glenda, 'random').open(glenda, 0)).read(req(32));
  t.equal(r.length, 32);
  t.equal(await rejection(() => file(glenda, 'zero').open(glenda, 1)), 'EACCES');
});

t.test('errstr', async (t) => {
  const { glenda, eve } = callers();
  t.equal(await read(glenda, 'errstr'), '');
  glenda.session.errstr = 'Invalid argument: unknown control message "banana"';
  t.equal(await read(glenda, 'errstr'), 'Invalid argument: unknown control message "banana"\n');
  t.equal(await read(eve, 'errstr'), '', 'per session');
  await write(eve, 'errstr', 'my own error\n');
  t.equal(eve.session.errstr, 'my own error');
});

t.test('ns', async (t) => {
  const { glenda, eve } = callers();
  t.equal(await read(glenda, 'ns'), 'bind #cons /dev\n');
  await write(glenda, 'ns', 'bind -a #cons /n\n');
  t.equal(await read(glenda, 'ns'), 'bind #cons /dev\nbind -a #cons /n\n');
  t.equal(await read(eve, 'ns'), 'bind #cons /dev\n', 'another session is unchanged');
  t.equal(await rejection(() => write(glenda, 'ns', 'unmount /n\nbogus\nbind #cons /n\n')), 'EINVAL');
  t.equal(await read(glenda, 'ns'), 'bind #cons /dev\n', 'lines before the bad one applied');
});

t.test('kmesg', async (t) => {
  const { glenda, eve } = callers();
  log.append('boot: 16 cores');
  const f = await file(glenda, 'kmesg').open(glenda, 0);
  t.equal((await f.read(req())).toString(), 'boot: 16 cores\n', 'the whole log first');
  const p = f.read(req());
  t.equal(await settled(p), 'pending', 'then blocks');
  log.append('mcp 7: granted 4');
  t.equal((await p).toString(), 'mcp 7: granted 4\n');
  t.equal(await rejection(() => file(glenda, 'kmesg').open(glenda, 1)), 'EACCES');
  const w = await file(eve, 'kmesg').open(eve, 1);
  const p2 = f.read(req());
  await w.write(0n, Buffer.from('hello from eve\n'));
  t.equal((await p2).toString(), 'hello from eve\n');
  const ac = new AbortController();
  const p3 = f.read(req(100, 0n, { signal: ac.signal }));
  ac.abort();
  t.equal(await rejection(p3), 'EINTR');
  t.equal((await f.read(req(100, 0n, { noblock: true }))).length, 0);
  f.close?.();
});
