// SPDX-License-Identifier: GPL-2.0-or-later
//
// encodeIov: a large Rread/Rreaddir/Twrite payload goes out uncopied after its own
// header, and the two together are byte for byte what encode makes; the client sends
// them so (a server sees one ordinary frame); encode's tag argument wins over msg.tag.

import t from 'tap';
import { decode, encode, encodeIov, IOV_MIN } from '../../lib/9p/codec.js';
import { FrameReader } from '../../lib/9p/frame.js';
import * as F from '../../lib/9p/fcall.js';
import type { Fcall } from '../../lib/9p/fcall.js';

const big = Buffer.alloc(IOV_MIN + 17, 0x5a);

t.test('a large payload: [header, payload], payload not copied, bytes as encode', async (t) => {
  const msgs: Fcall[] = [
    { type: F.Rread, tag: 3, data: big },
    { type: F.Rreaddir, tag: 4, data: big },
    { type: F.Twrite, tag: 5, fid: 9, offset: 1234567890123n, data: big },
  ];
  for (const m of msgs) {
    const parts = encodeIov(m, '9P2000.L');
    t.equal(parts.length, 2, `${m.type}: two parts`);
    t.equal(parts[1], big, `${m.type}: the payload is the caller's buffer`);
    t.same(Buffer.concat(parts), encode(m, '9P2000.L'), `${m.type}: same bytes as encode`);
    const d = decode(Buffer.concat(parts), '9P2000.L');
    t.ok(d.ok && d.msg.tag === m.tag, `${m.type}: decodes`);
  }
});

t.test('small payloads, other types and other dialects stay one frame', async (t) => {
  const small: Fcall = { type: F.Rread, tag: 1, data: Buffer.alloc(IOV_MIN - 1) };
  t.equal(encodeIov(small, '9P2000.L').length, 1);
  t.same(encodeIov(small, '9P2000.L')[0], encode(small, '9P2000.L'));
  t.equal(encodeIov({ type: F.Rclunk, tag: 1 }, '9P2000').length, 1);
  t.same(Buffer.concat(encodeIov({ type: F.Rread, tag: 2, data: big }, '9P2000')), encode({ type: F.Rread, tag: 2, data: big }, '9P2000'));
  t.throws(() => encodeIov({ type: F.Rreaddir, tag: 2, data: big }, '9P2000'), /does not exist/, 'Rreaddir in 9P2000 is refused as encode refuses it');
});

t.test('the tag argument replaces msg.tag', async (t) => {
  const m: Fcall = { type: F.Tclunk, tag: 1, fid: 7 };
  t.same(encode(m, '9P2000', 0x1234), encode({ ...m, tag: 0x1234 }, '9P2000'));
  t.same(Buffer.concat(encodeIov({ type: F.Rread, tag: 0, data: big }, '9P2000.L', 77)), encode({ type: F.Rread, tag: 77, data: big }, '9P2000.L'));
  t.equal(m.tag, 1, 'the message is not changed');
});

t.test('the frame reader takes header and payload chunks as one frame, and reuses its list', async (t) => {
  const r = new FrameReader(1 << 20);
  for (let i = 0; i < 3; i++) {
    for (const p of encodeIov({ type: F.Rread, tag: i, data: big }, '9P2000.L')) r.push(p);
    const f = r.next();
    t.ok(f, `frame ${i}`);
    const d = decode(f!, '9P2000.L');
    t.ok(d.ok && d.msg.tag === i && (d.msg as F.RreadMsg).data.equals(big), `frame ${i} intact`);
    t.equal(r.next(), null);
    t.equal(r.buffered(), 0);
  }
});
