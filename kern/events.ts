// SPDX-License-Identifier: GPL-2.0-or-later
//
// send_event (kern/src/event.c, akaros.md §3.4), reduced to what a reader of
// /mcp/N/events and a yielding vcore can observe. Per type an ev_q config: mailbox kind
// (ucq | bitmap | ceq | off) and flags. Modelled: vcore choice (ev_vcore, VCORE_APPRO,
// ROUNDROBIN), SPAM_PUBLIC (the message goes to a VCPD mailbox, i.e. ucq with payload,
// whatever the kind, to the spam-chosen vcore, setting its notif_pending), INDIR with
// ev_alert_pending throttling (EV_EVENT type=T; NOTHROTTLE; SPAM_INDIR picks the vcore by
// spam), IPI (notif_pending on a mapped vcore), WAKEUP (a WAITING proc is woken). Every
// VCPD post sets notif_pending on its vcore; posts to the ev_q's own mailbox do not.
// VCORE_PRIVATE and VCORE_MUST_RUN are accepted; all VCPD mailboxes merge into the one
// events file, so they change nothing a reader sees. A type with no config goes to the
// ucq with no flags. A dying process drops everything. WAKEUP goes through the state's
// wakeup hook: waking pokes the ksched, whose pass sends events, so this file cannot
// import the process module.

import type { KState } from './state.js';
import type { Proc, EvqCfg } from './proc.js';
import { Mailbox, type EventMsg } from './mailbox.js';
import { EVF, EV_EVENT, WAITING, DYING, DYING_ABORT, evName, EV_PREEMPT_PENDING, EV_VCORE_PREEMPT,
  EV_POSIX_SIGNAL, EV_ALARM, EV_CHECK_MSGS } from './types.js';
import { L_ONLINE } from './vcore.js';

export type { EventMsg };

/** 'SEQ TIME TYPE key=value...' (no newline). */
export function formatEvent(e: EventMsg): string {
  if (e.kind === 'overflow') return `${e.seq} ${e.t} EV_OVERFLOW lost=${e.count}`;
  const head = `${e.seq} ${e.t} ${evName(e.type)}`;
  if (e.kind === 'bitmap') return head;
  const [a1, a2, a3, a4] = e.args;
  if (e.kind === 'ceq') return `${head} arg2=${a2} arg3=${a3} n=${e.count}`;
  switch (e.type) {
    case EV_PREEMPT_PENDING: return `${head} vcore=${a1} deadline=${a4}`;
    case EV_VCORE_PREEMPT: return `${head} vcore=${a2} pcore=${a4}`;
    case EV_CHECK_MSGS: return `${head} vcore=${a2}`;
    case EV_POSIX_SIGNAL: return `${head} sig=${a1} pid=${a2}`;
    case EV_ALARM: return `${head} id=${a3} count=${a4}`;
    case EV_EVENT: return `${head} type=${evName(a3)}`;
    default: return `${head} a1=${a1} a2=${a2} a3=${a3} a4=${a4}`;
  }
}

export function mailboxOf(p: Proc): Mailbox {
  if (!p.mbox) {
    const mb = new Mailbox();
    mb.onTake = (m, empty) => {
      if (m.type === EV_EVENT) { const c = p.evq?.get(m.args[2]); if (c) c.alert = false; }
      // events were lost, an EV_EVENT among them perhaps: the handler rechecks every queue
      if (m.kind === 'overflow' && p.evq) for (const c of p.evq.values()) c.alert = false;
      // the reader is the process's handler: once drained nothing is pending (handle_events)
      if (empty) for (const v of p.vc.vcs) v.notifPending = false;
    };
    if (p.dead) mb.closed = true;
    p.mbox = mb;
  }
  return p.mbox;
}

function setNotif(p: Proc, vc: number): void {
  const v = p.vc.vcs[vc];
  if (v) v.notifPending = true;
}

/** spam_public_msg's choice: vc if it can receive, else online head, bulk head, inactive head. */
function spamTarget(s: KState, p: Proc, vc: number): number {
  const v = p.vc.vcs[vc];
  if (!p.isMcp) return 0;
  if (v && v.canRcvMsg && v.list === L_ONLINE) return vc;
  if (p.state !== WAITING) {
    if (p.vc.online.head >= 0) return p.vc.online.head;
    if (p.vc.bulk.head >= 0) return p.vc.bulk.head;
  }
  const h = p.vc.inactiveHead(s.maxVcores);
  return h >= 0 ? h : 0;
}

function isMapped(p: Proc, vc: number): boolean { const v = p.vc.vcs[vc]; return !!v && v.pcore >= 0; }

/** send_event(p, kernel_evts[type], msg, vcoreid). */
export function sendEvent(s: KState, p: Proc, type: number, kvc: number, args: number[]): void {
  if (p.dead || p.state === DYING || p.state === DYING_ABORT) return;
  const cfg: EvqCfg | undefined = p.evq?.get(type);
  const kind = cfg ? cfg.kind : 'ucq';
  if (kind === 'off') return;
  const flags = cfg ? cfg.flags : 0;
  let vc = cfg ? cfg.vcore : 0;
  if (flags & EVF.vcore_appro) vc = kvc;
  if (cfg && flags & EVF.roundrobin) { cfg.vcore = (cfg.vcore + 1) % Math.max(1, p.numVcores); vc = cfg.vcore; }
  if (vc >= s.maxVcores && s.maxVcores > 0) { s.note('evdrop', `pid=${p.pid} ${evName(type)} vcore=${vc}`); return; }
  const mb = mailboxOf(p);
  mb.limit = s.evqMax;
  const a = [args[0] ?? 0, args[1] ?? 0, args[2] ?? 0, args[3] ?? 0] as [number, number, number, number];
  const msg = (kd: EventMsg['kind'], t: number, v: number, ar: EventMsg['args']): EventMsg =>
    ({ seq: s.evSeq++, t: s.clock.now, type: t, vcore: v, args: ar, count: 1, kind: kd });
  p.events++;
  if (flags & EVF.spam_public) {
    const tv = spamTarget(s, p, vc);
    mb.post(msg('ucq', type, tv, a));
    setNotif(p, tv);
  } else {
    mb.post(msg(kind, type, vc, a), (flags & EVF.ceq_add) !== 0);
    if (flags & EVF.indir) {
      if (!cfg!.alert || flags & EVF.nothrottle) {
        cfg!.alert = true;
        const tv = flags & EVF.spam_indir ? spamTarget(s, p, vc) : vc;
        mb.post(msg('ucq', EV_EVENT, tv, [0, 0, type, 0]));
        setNotif(p, tv);
      }
    } else if (flags & EVF.ipi && isMapped(p, vc)) setNotif(p, vc);
  }
  if (flags & EVF.wakeup && p.state === WAITING) s.hooks.wakeup(p);
}

/** Parse `ev` flags: names from EVF, comma- or space-separated. Returns -1 on an unknown one. */
export function parseEvFlags(flags: string[] | string | undefined): number {
  const list = typeof flags === 'string' ? flags.split(/[,\s|]+/) : (flags ?? []).flatMap((f) => f.split(/[,\s|]+/));
  let v = 0;
  for (const raw of list) {
    const f = raw.trim().toLowerCase().replace(/^event_/, '');
    if (!f) continue;
    if (!(f in EVF)) return -1;
    v |= EVF[f];
  }
  return v;
}
