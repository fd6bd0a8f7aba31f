// SPDX-License-Identifier: GPL-2.0-or-later
//
// A scripted 9P server for client tests: the test pulls each T-message with next() and
// answers (or holds, or ignores it) with reply().

import type { Duplex } from 'node:stream';
import { decode, encode } from '../../lib/9p/codec.js';
import { FrameReader } from '../../lib/9p/frame.js';
import { duplexPair } from '../../lib/9p/duplex.js';
import { Client, type ConnectOptions } from '../../lib/9p/client.js';
import * as F from '../../lib/9p/fcall.js';
import type { Dialect, RMessage, TMessage } from '../../lib/9p/fcall.js';

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class FakeServer {
  readonly seen: TMessage[] = [];
  private queue: TMessage[] = [];
  private waiting: ((m: TMessage) => void)[] = [];
  private fr = new FrameReader(1 << 20);
  constructor(readonly stream: Duplex, public dialect: Dialect) {
    stream.on('data', (c: Buffer) => {
      this.fr.push(c);
      for (let f; (f = this.fr.next());) {
        const r = decode(f, this.dialect);
        if (!r.ok) throw r.error;
        const m = r.msg as TMessage;
        this.seen.push(m);
        const w = this.waiting.shift();
        if (w) w(m); else this.queue.push(m);
      }
    });
  }
  next(): Promise<TMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((res) => this.waiting.push(res));
  }
  pendingCount(): number { return this.queue.length; }
  reply(m: RMessage): void { this.stream.write(encode(m, this.dialect)); }
  /** Answer with type+1 and the given body fields. */
  answer(t: TMessage, body: Record<string, unknown> = {}): void {
    this.reply({ type: t.type + 1, tag: t.tag, ...body } as RMessage);
  }
}

/** A connected client + fake server, version negotiated. */
export async function pair(dialect: Dialect = '9P2000.L', opts: ConnectOptions & { serverMsize?: number } = {}):
  Promise<{ c: Client; s: FakeServer }> {
  const [a, b] = duplexPair();
  const s = new FakeServer(b, dialect);
  const cp = Client.connect(a, { dialect, ...opts });
  const v = await s.next() as F.TversionMsg;
  s.reply({ type: F.Rversion, tag: v.tag, msize: opts.serverMsize ?? v.msize, version: dialect });
  return { c: await cp, s };
}

export type Req = DistOmit<TMessage, 'tag'>;
