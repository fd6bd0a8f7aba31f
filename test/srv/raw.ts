// SPDX-License-Identifier: GPL-2.0-or-later
//
// A raw 9P peer for server tests: sends exactly the frames a test wants (including bad
// ones) and collects every reply in arrival order, so ordering rules can be asserted.

import type { Duplex } from 'node:stream';
import { decode, encode } from '../../lib/9p/codec.js';
import { FrameReader } from '../../lib/9p/frame.js';
import type { Dialect, Fcall, RMessage, TMessage } from '../../lib/9p/fcall.js';
import { duplexPair } from '../../lib/9p/duplex.js';
import { Server } from '../../srv/server.js';
import type { NamespaceServer } from '../../ns/types.js';

type T = TMessage extends infer M ? (M extends TMessage ? Omit<M, 'tag'> & { tag?: number } : never) : never;

export class Raw {
  /** Every reply in arrival order (for ordering assertions). */
  replies: RMessage[] = [];
  /** Replies not yet claimed by reply(). */
  private unclaimed: RMessage[] = [];
  closed = false;
  private reader = new FrameReader(1 << 24);
  private waiters: { pred: (m: RMessage) => boolean; resolve: (m: RMessage) => void }[] = [];
  private nextTag = 1;

  constructor(readonly stream: Duplex, public dialect: Dialect) {
    stream.on('data', (b: Buffer) => {
      this.reader.push(b);
      for (let f = this.reader.next(); f; f = this.reader.next()) {
        const d = decode(f, this.dialect);
        if (!d.ok) throw d.error;
        const m = d.msg as RMessage;
        this.replies.push(m);
        const i = this.waiters.findIndex((w) => w.pred(m));
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
        else this.unclaimed.push(m);
      }
    });
    stream.on('close', () => { this.closed = true; });
    stream.on('end', () => { this.closed = true; });
  }

  sendRaw(buf: Buffer): void {
    this.stream.write(buf);
  }

  /** Send without waiting; returns the tag used. */
  post(m: T): number {
    const tag = m.tag ?? this.nextTag++;
    this.stream.write(encode({ ...m, tag } as Fcall, this.dialect));
    return tag;
  }

  /** The reply carrying `tag` (already received or still to come). */
  reply(tag: number, timeoutMs = 5000): Promise<RMessage> {
    const i = this.unclaimed.findIndex((m) => m.tag === tag);
    if (i >= 0) return Promise.resolve(this.unclaimed.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply for tag ${tag}`)), timeoutMs);
      this.waiters.push({ pred: (m) => m.tag === tag, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  async rpc(m: T): Promise<RMessage> {
    return this.reply(this.post(m));
  }

  /** Wait a few loop turns so anything the server would send has been sent. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

export async function connect(ns: NamespaceServer, dialect: Dialect, msize = 65536, opts: { hostowner?: string } = {}) {
  const server = new Server({ ns, hostowner: opts.hostowner ?? 'eve' });
  const [a, b] = duplexPair();
  server.serve(b);
  const raw = new Raw(a, dialect);
  const rv = await raw.rpc({ type: 100, tag: 0xffff, msize, version: dialect } as T);
  return { server, raw, rv };
}
