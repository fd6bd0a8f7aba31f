// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { BlockingReader, LogReader, MemoryLog, type RecordSource } from '../../devs/dev.js';
import { rejection, req, settled } from './fake.js';

const str = (b: Buffer | 'pending') => (b === 'pending' ? b : b.toString());

/** A consuming queue of records (the shape of an event mailbox) behind one BlockingReader. */
function queue(onDrained?: () => void) {
  const recs: Buffer[] = [];
  const subs = new Set<() => void>();
  let closed = false;
  const fire = () => { for (const f of [...subs]) f(); };
  const src: RecordSource = {
    ready: () => recs.length > 0,
    take: () => recs.shift(),
    atEof: () => closed,
    subscribe: (fn) => { subs.add(fn); return () => { subs.delete(fn); }; },
    drained: onDrained,
  };
  return {
    reader: new BlockingReader(src),
    get length() { return recs.length; },
    get subscribers() { return subs.size; },
    push(s: string) { recs.push(Buffer.from(s.endsWith('\n') ? s : `${s}\n`)); fire(); },
    close() { closed = true; fire(); },
  };
}

t.test('blocking reader: whole lines', async (t) => {
  const q = queue();
  q.push('41 a');
  q.push('42 bb\n');
  q.push('43 ccc');
  t.equal(str(await q.reader.read(req(11))), '41 a\n42 bb\n', 'two lines fit in 11, the third does not');
  t.equal(str(await q.reader.read(req(3))), '43 ', 'a line longer than count: prefix...');
  t.equal(str(await q.reader.read(req(100))), 'ccc\n', '...and the rest next time');
  t.equal(q.length, 0);
  q.push('12345');
  q.push('6789');
  t.equal(str(await q.reader.read(req(8))), '12345\n', 'a whole line that does not fit waits...');
  t.equal(q.length, 0, '(taken from the source, held by the reader)');
  t.equal(str(await q.reader.read(req(100))), '6789\n', '...and comes first next time');
});

t.test('blocking reader: blocks, wakes, noblock, EOF', async (t) => {
  const q = queue();
  const r = q.reader;
  t.equal((await r.read(req(100, 0n, { noblock: true }))).length, 0, 'noblock: 0 bytes at once');
  const p = r.read(req(100));
  t.equal(await settled(p), 'pending', 'blocks with nothing queued');
  t.equal(r.waiting, 1);
  q.push('hello');
  t.equal(str(await p), 'hello\n', 'woken by a record');
  t.equal(q.subscribers, 0, 'no parked read: no subscription');
  const r1 = r.read(req(100));
  const r2 = r.read(req(100));
  q.push('one');
  t.equal(str(await r1), 'one\n', 'parked reads are answered in order');
  t.equal(await settled(r2), 'pending', 'each record goes to one reader');
  q.push('two');
  t.equal(str(await r2), 'two\n');
  q.push('last');
  const r3 = r.read(req(100));
  q.close();
  t.equal(str(await r3), 'last\n', 'closed: drain first');
  t.equal((await r.read(req(100))).length, 0, 'then EOF');
  const q4 = queue();
  const p4 = q4.reader.read(req(100));
  q4.close();
  t.equal((await p4).length, 0, 'a blocked reader gets EOF at close');
  const q5 = queue();
  const p5 = q5.reader.read(req(100));
  q5.reader.close();
  t.equal((await p5).length, 0, 'closing the reader ends its parked reads');
  t.equal(q5.subscribers, 0, 'and lets go of the source');
});

t.test('blocking reader: abort loses nothing', async (t) => {
  const q = queue();
  const ac = new AbortController();
  const p = q.reader.read(req(100, 0n, { signal: ac.signal }));
  ac.abort();
  t.equal(await rejection(p), 'EINTR');
  q.push('kept');
  t.equal(q.length, 1, 'the aborted reader took nothing');
  const ac2 = new AbortController();
  ac2.abort();
  t.equal(await rejection(() => q.reader.read(req(100, 0n, { signal: ac2.signal }))), 'EINTR');
  t.equal(str(await q.reader.read(req(100))), 'kept\n');
  const ac3 = new AbortController();
  const p3 = q.reader.read(req(100, 0n, { signal: ac3.signal }));
  q.push('answered');
  t.equal(str(await p3), 'answered\n');
  ac3.abort();
  t.pass('an abort after the answer changes nothing');
});

t.test('blocking reader: drained runs once, after the last byte', async (t) => {
  let drained = 0;
  const q = queue(() => { drained++; });
  q.push('1 0 killed');
  q.close();
  t.equal(str(await q.reader.read(req(4))), '1 0 ');
  t.equal(drained, 0, 'part of the record is still held');
  t.equal(str(await q.reader.read(req(100))), 'killed\n');
  t.equal(drained, 1);
  t.equal((await q.reader.read(req(100))).length, 0);
  t.equal(drained, 1, 'once');
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
