// SPDX-License-Identifier: GPL-2.0-or-later
//
// The durable wrappers keep the sharing a device offers: a node the device hands out
// again is wrapped by the same DurableNode (so the namespace can share its chan), a
// different journal gets its own wrapper, and an open file's truncate/close still reach
// the device's file (through shared functions, not a closure per open).

import t from 'tap';
import { durableDevice, type Acker } from '../../devs/persist/durable.js';
import type { Caller, Device, DirInfo, Node, OpenFile } from '../../devs/types.js';

const acker = (): Acker => ({ count: 0, barrier: async () => {} });
const caller = {} as Caller;

function fakeDevice(log: string[]): Device {
  const info = (name: string): DirInfo => ({ name } as DirInfo);
  const leaf: Node = {
    qid: { type: 0, version: 0, path: 2n },
    info: () => info('null'),
    open: (): OpenFile => ({
      read: () => Buffer.alloc(0), write: (_o, d) => d.length,
      truncate: () => { log.push('truncate'); }, close: () => { log.push('close'); },
    }),
  };
  const bare: Node = { qid: { type: 0, version: 0, path: 3n }, info: () => info('bare'), open: () => ({ read: () => Buffer.alloc(0), write: () => 0 }) };
  const root: Node = {
    qid: { type: 0x80, version: 0, path: 1n },
    info: () => info('/'),
    walk: (_c, name) => (name === 'null' ? leaf : name === 'bare' ? bare : undefined),
    children: () => [bare, leaf],
    open: () => ({ read: () => Buffer.alloc(0), write: () => 0 }),
  };
  return { name: 'fake', attach: () => root };
}

t.test('one wrapper per node and journal', async (t) => {
  const dev = fakeDevice([]);
  const j = acker();
  const root = durableDevice(dev, j).attach(caller, '');
  const a = root.walk!(caller, 'null') as Node, b = root.walk!(caller, 'null') as Node;
  t.equal(a, b, 'two walks to one device node give one wrapper');
  t.equal((root.children!(caller) as Node[])[1], a, 'a listing hands out the same wrapper');
  t.equal(root.walk!(caller, 'nothing'), undefined);
  const other = durableDevice(dev, acker()).attach(caller, '').walk!(caller, 'null');
  t.not(other, a, 'another journal wraps the node afresh');
});

t.test('an open file forwards truncate and close, and lacks what the device lacks', async (t) => {
  const log: string[] = [];
  const root = durableDevice(fakeDevice(log), acker()).attach(caller, '');
  const f = (root.walk!(caller, 'null') as Node).open(caller, 0 as never) as OpenFile;
  f.truncate!();
  f.close!();
  t.same(log, ['truncate', 'close']);
  const g = (root.walk!(caller, 'bare') as Node).open(caller, 0 as never) as OpenFile;
  t.equal(g.truncate, undefined);
  t.equal(g.close, undefined);
});
