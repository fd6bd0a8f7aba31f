// SPDX-License-Identifier: GPL-2.0-or-later
//
// srv/fid.ts packs a fid's counts and flags into one integer and its per-read state into
// one slot: each field must still read back what was set, independently of the others.
import t from 'tap';
import { Fid } from '../../srv/fid.js';
import type { Chan } from '../../ns/types.js';
import { fakeCaller } from '../devs/fake.js';

function chan(removed: string[]): Chan {
  return {
    qid: { type: 0, version: 0, path: 1n },
    isDir: () => false,
    remove: async () => { removed.push('x'); },
  } as unknown as Chan;
}

t.test('flags, open mode and references are independent', async (t) => {
  const f = new Fid(5, chan([]), fakeCaller('glenda'));
  t.equal(f.refs, 1, 'the table holds one reference');
  t.same([f.clunked, f.open, f.orclose, f.nonblock, f.omode], [false, false, false, false, 0]);
  f.open = true;
  f.omode = 3;
  f.nonblock = true;
  for (let i = 0; i < 70_000; i++) f.refs++;
  t.equal(f.refs, 70_001, 'more references than there are tags');
  t.same([f.clunked, f.open, f.orclose, f.nonblock, f.omode], [false, true, false, true, 3], 'flags untouched by the count');
  f.omode = 1;
  f.orclose = true;
  f.nonblock = false;
  t.equal(f.refs, 70_001, 'the count untouched by the flags');
  t.same([f.open, f.orclose, f.nonblock, f.omode], [true, true, false, 1]);
  f.omode = 2;
  t.equal(f.omode, 2);
  t.ok(f.orclose, 'omode does not spill into its neighbours');
  t.equal(f.num, 5);
});

t.test('one per-read slot: a directory\'s state or a file\'s last read', async (t) => {
  const f = new Fid(1, chan([]), fakeCaller('glenda'));
  t.equal(f.dir, undefined);
  t.equal(f.lastRead, undefined);
  f.dir = undefined;
  f.lastRead = { offset: 0n, count: 10, returned: 10 };
  t.same(f.lastRead, { offset: 0n, count: 10, returned: 10 });
  t.equal(f.dir, undefined, 'a file\'s last read is not a directory state');
  f.dir = undefined;
  t.ok(f.lastRead, 'clearing the directory state leaves the last read');
  const d = { nextIndex: 0, nextOffset: 0n };
  f.dir = d;
  t.equal(f.dir, d);
  t.equal(f.lastRead, undefined);
  f.lastRead = undefined;
  t.equal(f.dir, d, 'clearing the last read leaves the directory state');
  f.dir = undefined;
  t.equal(f.dir, undefined);
});

t.test('the last reference closes the file once and honours ORCLOSE', async (t) => {
  const removed: string[] = [];
  const f = new Fid(1, chan(removed), fakeCaller('glenda'));
  let closed = 0;
  f.file = { read: () => Buffer.alloc(0), write: () => 0, close: () => { closed++; } };
  f.open = true;
  f.orclose = true;
  f.refs++;
  f.release();
  t.equal(closed, 0, 'a request still holds it');
  f.clunked = true;
  f.release();
  t.equal(closed, 1);
  t.equal(f.file, undefined);
  await new Promise((r) => setImmediate(r));
  t.same(removed, ['x'], 'removed on the last release');
  t.ok(f.clunked && f.open, 'flags survive the count reaching 0');
});
