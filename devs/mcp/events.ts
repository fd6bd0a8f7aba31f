// SPDX-License-Identifier: GPL-2.0-or-later
//
// /mcp/N/events: the process's mailbox as a blocking record stream (the rules are
// devs/lib/blocking.ts). One reader per mailbox, shared by every open, so each message
// goes to exactly one read and a message taken that did not fit waits for the next read
// of any open.
//
// The mailbox is consumed at read time, one message at a time, never ahead of the
// reader: the bitmap and ceq kinds coalesce what is still unread, and taking a message is
// the process "handling" it (the kernel clears notif_pending when the mailbox drains).

import { formatEvent, type Mailbox } from '../../kern/index.js';
import type { ProcView } from '../../kern/index.js';
import { BlockingReader, type RecordSource } from '../lib/blocking.js';
import { streamFile } from '../lib/stream.js';
import type { OpenFile } from '../types.js';
import type { KCtx } from '../kernel/ctx.js';

class MailboxSource implements RecordSource {
  constructor(private readonly mb: Mailbox, private readonly took: () => void) {}
  ready(): boolean { return this.mb.size > 0; }
  take(): Buffer | undefined {
    const m = this.mb.take(1);
    if (!m.length) return undefined;
    this.took();
    return Buffer.from(`${formatEvent(m[0])}\n`);
  }
  atEof(): boolean { return this.mb.closed; }
  subscribe(fn: () => void): () => void { return this.mb.subscribe(fn); }
}

const readers = new WeakMap<Mailbox, BlockingReader>();

export function eventsOpen(ctx: KCtx, ref: ProcView): OpenFile {
  const pid = ctx.live(ref);
  const mb = ctx.k.mailbox(pid);
  let r = readers.get(mb);
  // a take is a state change: a durable machine journals it (KCtx.took)
  if (!r) readers.set(mb, (r = new BlockingReader(new MailboxSource(mb, () => ctx.took(pid, mb)))));
  const shared = r;
  // Clunking one open must not end the others' reads: no close.
  return streamFile({ read: (req) => shared.read(req) });
}
