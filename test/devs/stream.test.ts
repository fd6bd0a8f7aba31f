// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { LogReader, MemoryLog, RecordQueue } from '../../devs/dev.js';
import { rejection, req, settled } from './fake.js';

const str = (b: Buffer | 'pending') => (b === 'pending' ? b : b.toString());

t.test('consuming queue: whole lines', async (t) => {
  const q = new RecordQueue();
  q.push('41 a');
  q.push('42 bb\n');
  q.push('43 ccc');
  t.equal(str(await q.read(req(11))), '41 a\n42 bb\n', 'two lines fit in 11, the third does not');
  t.equal(str(await q.read(req(3))), '43 ', 'a line longer than count: prefix...');
  t.equal(str(await q.read(req(100))), 'ccc\n', '...and the rest next time');
  t.equal(q.length, 0);
});

t.test('consuming queue: blocks, wakes, noblock, EOF', async (t) => {
  const q = new RecordQueue();
  t.equal((await q.read(req(100, 0n, { noblock: true }))).length, 0, 'noblock: 0 bytes at once');
  const p = q.read(req(100));
  t.equal(await settled(p), 'pending', 'blocks with nothing queued');
  q.push('hello');
  t.equal(str(await p), 'hello\n', 'woken by a record');
  const r1 = q.read(req(100));
  const r2 = q.read(req(100));
  q.push('one');
  q.push('two');
  t.equal(str(await r1), 'one\n', 'each record goes to one reader');
  t.equal(str(await r2), 'two\n');
  q.push('last');
  const r3 = q.read(req(100));
  q.close();
  t.equal(str(await r3), 'last\n', 'closed: drain first');
  t.equal((await q.read(req(100))).length, 0, 'then EOF');
  const r4 = new RecordQueue();
  const p4 = r4.read(req(100));
  r4.close();
  t.equal((await p4).length, 0, 'a blocked reader gets EOF at close');
});

t.test('consuming queue: abort loses nothing', async (t) => {
  const q = new RecordQueue();
  const ac = new AbortController();
  const p = q.read(req(100, 0n, { signal: ac.signal }));
  ac.abort();
  t.equal(await rejection(p), 'EINTR');
  q.push('kept');
  t.equal(q.length, 1, 'the aborted reader took nothing');
  const ac2 = new AbortController();
  ac2.abort();
  t.equal(await rejection(() => q.read(req(100, 0n, { signal: ac2.signal }))), 'EINTR');
  t.equal(str(await q.read(req(100))), 'kept\n');
});

t.test('broadcast log: every reader sees everything, from the start', async (t) => {
  const log = new MemoryLog(100);
  log.append('boot');
  log.append('grant 1\ngrant 2\n');
  const a = new LogReader(log, 'start');
  const b = new LogReader(log, 'start');
  const e = new LogReader(log, 'end');
  t.equal(str(await a.read(req(100))), 'boot\ngrant 1\ngrant 2\n');
  t.equal(str(await b.read(req(16))), 'boot\ngrant 1\n', 'whole lines only');
  t.equal(str(await b.read(req(100))), 'grant 2\n');
  t.equal(str(await e.read(req(100, 0n, { noblock: true }))), '', 'end: nothing old');
  const pa = a.read(req(100));
  const pe = e.read(req(100));
  t.equal(await settled(pa), 'pending');
  log.append('preempt 3');
  t.equal(str(await pa), 'preempt 3\n');
  t.equal(str(await pe), 'preempt 3\n');
  t.equal(str(await b.read(req(100))), 'preempt 3\n');
});

t.test('broadcast log: abort, long lines, ring overflow, close', async (t) => {
  const log = new MemoryLog(3);
  const r = new LogReader(log, 'start');
  const ac = new AbortController();
  const p = r.read(req(100, 0n, { signal: ac.signal }));
  ac.abort();
  t.equal(await rejection(p), 'EINTR');
  log.append('x1');
  t.equal(str(await r.read(req(100))), 'x1\n', 'record that arrived after the abort is still there');
  log.append('0123456789');
  t.equal(str(await r.read(req(4))), '0123');
  t.equal(str(await r.read(req(100))), '456789\n');
  for (const l of ['a', 'b', 'c', 'd', 'e']) log.append(l);
  t.equal(str(await r.read(req(100))), 'c\nd\ne\n', 'fell behind the ring: resumes at the oldest held');
  const late = new LogReader(log, 'start');
  const pl = late.read(req(2));
  t.equal(str(await pl), 'c\n');
  const w = r.read(req(100));
  log.close();
  t.equal((await w).length, 0, 'closed: EOF');
  t.equal(str(await late.read(req(100))), 'd\ne\n', 'drain before EOF');
  t.equal((await late.read(req(100))).length, 0);
});
