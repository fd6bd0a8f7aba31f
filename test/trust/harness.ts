// SPDX-License-Identifier: GPL-2.0-or-later
//
// The whole machine on a loopback port, raw 9P peers over TCP (real sockets: a peer that
// stops reading really fills the server's write buffer), and the check every abuse test
// ends with: a fresh client connects, attaches and reads while the abuse goes on.

import net from 'node:net';
import type { Test } from 'tap';
import { boot, type BootOptions, type Booted } from '../../cmd/boot.js';
import { Client } from '../../lib/9p/client.js';
import { dial } from '../../lib/9p/dial.js';
import * as F from '../../lib/9p/fcall.js';
import { NOFID, NONUNAME } from '../../lib/9p/const.js';
import { Raw } from '../srv/raw.js';

export const HOST = 'eve';

/** A paused machine serving on 127.0.0.1 (port chosen by the system). */
export async function machine(t: Test, opts: BootOptions = {}): Promise<Booted & { port: number }> {
  const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: HOST, cores: 4, ...opts });
  t.teardown(() => m.close());
  return Object.assign(m, { port: Number(m.addresses[0].split('!')[2]) });
}

/** A TCP socket to the server, optionally from another loopback address. */
export function tcp(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    s.once('connect', () => { s.setNoDelay(true); res(s); });
    s.once('error', rej);
  });
}

export type Msg = Parameters<Raw['post']>[0];

/** A raw peer, versioned (and attached as fid 0 unless attach is false). */
export async function rawPeer(port: number, opts: { dialect?: F.Dialect; msize?: number; uname?: string;
  attach?: boolean; localAddress?: string } = {}): Promise<Raw> {
  const dialect = opts.dialect ?? '9P2000.L';
  const raw = new Raw(await tcp(port, opts.localAddress), dialect);
  const rv = await raw.rpc({ type: F.Tversion, tag: 0xffff, msize: opts.msize ?? 65536, version: dialect } as Msg);
  if (rv.type !== F.Rversion) throw new Error(`Tversion: ${JSON.stringify(rv)}`);
  if (opts.attach !== false) {
    const r = await raw.rpc({ type: F.Tattach, fid: 0, afid: NOFID, uname: opts.uname ?? HOST, aname: '', nUname: NONUNAME } as Msg);
    if (r.type !== F.Rattach) throw new Error(`Tattach: ${JSON.stringify(r)}`);
  }
  return raw;
}

/** Walk fid 0 to `path` as `newfid` and open it (.L). */
export async function openAt(raw: Raw, newfid: number, path: string, flags = 0): Promise<void> {
  const w = await raw.rpc({ type: F.Twalk, fid: 0, newfid, wnames: path.split('/').filter(Boolean) } as Msg);
  if (w.type !== F.Rwalk) throw new Error(`walk ${path}: ${JSON.stringify(w)}`);
  const o = await raw.rpc({ type: F.Tlopen, fid: newfid, flags } as Msg);
  if (o.type !== F.Rlopen) throw new Error(`open ${path}: ${JSON.stringify(o)}`);
}

/** The errno of an Rlerror, or the reply type's name for anything else. */
export function errnoOf(m: F.RMessage): number | string {
  return m.type === F.Rlerror ? (m as F.RlerrorMsg).ecode : `type ${m.type}`;
}

/** A fresh client (its own connection) attaches and reads /dev/user: the server still
 *  serves newcomers. Returns what it read. */
export async function freshClient(port: number, user = 'glenda', localAddress?: string): Promise<string> {
  const sock = await (localAddress ? tcp(port, localAddress) : dial(`tcp!127.0.0.1!${port}`));
  const c = await Client.connect(sock);
  try {
    await c.attach({ uname: user, nUname: NONUNAME });
    return (await c.readFile('dev/user')).toString();
  } finally {
    c.close();
  }
}

/** Waits until `sample` gives the same value twice in a row (the server has settled),
 *  checking every `everyMs`, at most `tries` times; returns the last value. */
export async function settled<T>(sample: () => T, everyMs = 100, tries = 50): Promise<T> {
  let last = JSON.stringify(sample());
  for (let i = 0; i < tries; i++) {
    await new Promise((r) => setTimeout(r, everyMs));
    const now = JSON.stringify(sample());
    if (now === last) return sample();
    last = now;
  }
  return sample();
}
