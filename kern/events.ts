// SPDX-License-Identifier: GPL-2.0-or-later
//
// send_event (kern/src/event.c), reduced to what a reader of /mcp/N/events and a yielding
// vcore can observe. Every kernel event goes through the process's registration for its
// type (procdata kernel_evts[], send_kernel_event): a type nobody registered is DROPPED,
// as Akaros drops it. A new process starts with the registrations a program linked with
// parlib makes (defaultEvqs below); `ev` changes them. Per type an ev_q config: mailbox
// kind (ucq | bitmap | ceq | off), flags, ev_vcore. Modelled: vcore choice (ev_vcore,
// VCORE_APPRO, ROUNDROBIN), SPAM_PUBLIC (the message goes to a VCPD mailbox, i.e. ucq with
// payload, whatever the kind, to the vcore spam_public_msg picks, setting its
// notif_pending; VCORE_MUST_RUN honoured), INDIR with ev_alert_pending throttling
// (EV_EVENT arg3 = the ev_q, named by its type; NOTHROTTLE; SPAM_INDIR picks the vcore by
// spam), IPI (notif_pending on a mapped vcore), WAKEUP (a WAITING proc is woken). Every
// VCPD spam post sets notif_pending on its vcore; posts to the ev_q's mailbox do not. All
// mailboxes (the ev_q's own and the VCPD public/private ones) merge into the one events
// file, so VCORE_PRIVATE changes nothing a reader sees. A dying process drops everything.
// WAKEUP goes through the state's wakeup hook: waking pokes the ksched, whose pass sends
// events, so this file cannot import the process module.

import type { KState } from './state.js';
import type { Proc, EvqCfg } from './proc.js';
import { Mailbox, type EventMsg } from './mailbox.js';
import { EVF, EV_EVENT, WAITING, DYING, DYING_ABORT, RUNNING_S, evName, EV_VCORE_PREEMPT, EV_CHECK_MSGS,
  EV_POSIX_SIGNAL, EV_FREE_APPLE_PIE, EV_USER_IPI, EV_ALARM } from './types.js';
import { traceEvent } from './trace.js';

export type { EventMsg };

/** One default registration: type, mailbox kind, flags (names from EVF). */
type Row = readonly [number, EvqCfg['kind'], readonly string[]];

// uthread.c:uthread_mcp_init (before change-to-m): one ev_q for both, no mailbox of its own
const PREEMPT_FLAGS = ['ipi', 'spam_public', 'vcore_appro', 'vcore_must_run', 'wakeup'];
/** What a parlib program registers (akaros fe07b94):
 *  scp: thread0 at init: signal.c:init_posix_signals (EV_POSIX_SIGNAL, its own UCQ) and
 *       uthread.c:uthread_2ls_init (EV_FREE_APPLE_PIE to VCPD 0);
 *  m:   uthread.c:uthread_mcp_init before change-to-m (EV_VCORE_PREEMPT, EV_CHECK_MSGS);
 *  mcp: a pthread program become an MCP: scp + m + pthread.c:pth_sched_init (EV_USER_IPI
 *       to VCPD 0's private mailbox);
 *  alarm: the parlib alarm service's ev_q (alarm.c:alarm_service_ctor), as if it had
 *       tapped the alarm's timer file (#alarm events come from FD taps, not kernel_evts).
 *  EV_PREEMPT_PENDING is registered by nobody: parlib polls the vcoremap instead. */
export const DEFAULT_EVQS: Readonly<Record<'scp' | 'm' | 'mcp' | 'alarm', readonly Row[]>> = (() => {
  const scp: Row[] = [
    [EV_POSIX_SIGNAL, 'ucq', ['ipi', 'indir', 'spam_indir', 'wakeup']],
    [EV_FREE_APPLE_PIE, 'ucq', ['ipi', 'wakeup', 'spam_public']],
  ];
  const m: Row[] = [[EV_VCORE_PREEMPT, 'ucq', PREEMPT_FLAGS], [EV_CHECK_MSGS, 'ucq', PREEMPT_FLAGS]];
  return {
    scp, m,
    mcp: [...m, ...scp, [EV_USER_IPI, 'ucq', ['ipi', 'vcore_private']]],
    alarm: [[EV_ALARM, 'ucq', ['ipi', 'spam_public', 'wakeup']]],
  };
})();

/** Register a parlib profile's rows. Types already configured (by `ev`, or an earlier
 *  profile) are left alone, so `ev TYPE off` before change-to-m sticks. */
export function defaultEvqs(p: Proc, profile: keyof typeof DEFAULT_EVQS): void {
  if (!p.evq) p.evq = new Map();
  for (const [type, kind, flags] of DEFAULT_EVQS[profile]) {
    if (!p.evq.has(type)) p.evq.set(type, { kind, flags: parseEvFlags([...flags]), vcore: 0, alert: false });
  }
}

/** Akaros's arg3 / arg4 are 64-bit unsigned: a negative value is printed modulo 2^64. */
function u64(x: number): string {
  return x < 0 && Number.isInteger(x) ? (BigInt(x) + (1n << 64n)).toString() : String(x);
}

/** 'SEQ TIME TYPE arg1=A arg2=B arg3=C arg4=D [x_KEY=V...]' (no newline): Akaros's four
 *  event_msg fields as Akaros fills them, then our extensions, each prefixed x_. A bitmap
 *  delivery carries the type only; a ceq delivery arg2 (coalesced), arg3 and x_n (posts). */
export function formatEvent(e: EventMsg): string {
  if (e.kind === 'overflow') return `${e.seq} ${e.t} EV_OVERFLOW lost=${e.count}`;
  const head = `${e.seq} ${e.t} ${evName(e.type)}`;
  if (e.kind === 'bitmap') return head;
  const [a1, a2, a3, a4] = e.args;
  let out = `${head} arg1=${a1} arg2=${a2} arg3=${u64(a3)} arg4=${u64(a4)}`;
  if (e.kind === 'ceq') out += ` x_n=${e.count}`;
  if (e.x) for (const [k, v] of e.x) out += ` x_${k}=${v}`;
  return out;
}

export function mailboxOf(p: Proc): Mailbox {
  if (!p.mbox) {
    const mb = new Mailbox();
    mb.onTake = (m, empty) => {
      if (m.type === EV_EVENT) { const c = p.evq?.get(m.args[2]); if (c) c.alert = false; }
      // events were lost, an EV_EVENT among them perhaps: the handler rechecks every queue
      if (m.kind === 'overflow' && p.evq) for (const c of p.evq.values()) c.alert = false;
      // the reader is the process's handler: once drained nothing is pending (handle_events)
      if (empty) { for (const v of p.vc.vcs) v.notifPending = false; p.scpNotifPending = false; }
    };
    if (p.dead) mb.closed = true;
    p.mbox = mb;
  }
  return p.mbox;
}

/** notif_pending of vcore vc (an SCP has only VCPD 0's). */
function setNotif(p: Proc, vc: number): void {
  if (!p.isMcp) { p.scpNotifPending = true; return; }
  const v = p.vc.vcs[vc];
  if (v) v.notifPending = true;
}

/** try_notify: with EVENT_IPI and vc mapped, proc_notify sets notif_pending and, if the
 *  vcore runs with notifications enabled, __notify puts it in vcore context. */
function tryNotify(p: Proc, vc: number, flags: number): void {
  if (!(flags & EVF.ipi) || !isMapped(p, vc)) return;
  setNotif(p, vc);
  const v = p.vc.vcs[vc];
  if (v && p.isMcp) v.notifDisabled = true;
}

function isMapped(p: Proc, vc: number): boolean {
  if (!p.isMcp) return vc === 0 && p.state === RUNNING_S;
  const v = p.vc.vcs[vc];
  return !!v && v.pcore >= 0;
}

const canRcv = (p: Proc, vc: number) => !!p.vc.vcs[vc]?.canRcvMsg;

/** spam_public_msg's choice of vcore (event.c): MUST_RUN: vc if mapped, else the online
 *  head; otherwise vc if VC_CAN_RCV_MSG, else (not WAITING) the online head, the bulk
 *  head, the inactive head if it can receive; the fallback: (not WAITING) online head,
 *  bulk head, else the inactive head, which then gets VC_CAN_RCV_MSG (when it exists as
 *  an object: a never-used vcore stays implicit). */
function spamTarget(s: KState, p: Proc, vc: number, flags: number): number {
  if (!p.isMcp) return 0;
  const vs = p.vc;
  if (flags & EVF.vcore_must_run) {
    if (isMapped(p, vc)) return vc;
    if (vs.online.head >= 0) return vs.online.head;
  } else {
    if (canRcv(p, vc)) return vc;
    if (p.state !== WAITING) {
      if (vs.online.head >= 0) return vs.online.head;
      if (vs.bulk.head >= 0) return vs.bulk.head;
      const h = vs.inactiveHead(s.maxVcores);
      if (h >= 0 && canRcv(p, h)) return h;
    }
  }
  if (p.state !== WAITING) {
    if (vs.online.head >= 0) return vs.online.head;
    if (vs.bulk.head >= 0) return vs.bulk.head;
  }
  const h = vs.inactiveHead(s.maxVcores);
  if (h < 0) return 0;
  const v = vs.vcs[h];
  if (v) v.canRcvMsg = true;
  return h;
}

/**
 * send_kernel_event(p, msg, kvc): through p's registration for `type`, dropped when there
 * is none. args are Akaros's ev_arg1..4 (arg1 is 16 bits, arg2 32 bits: truncated as the
 * C struct would); `x` are our extra fields, printed after them as x_KEY=V.
 */
export function sendEvent(s: KState, p: Proc, type: number, kvc: number, args: number[], x?: [string, number][]): void {
  if (p.dead || p.state === DYING || p.state === DYING_ABORT) return;
  const cfg: EvqCfg | undefined = p.evq?.get(type);
  if (!cfg || cfg.kind === 'off') return;
  const kind = cfg.kind, flags = cfg.flags;
  let vc = cfg.vcore;
  if (flags & EVF.vcore_appro) vc = kvc;
  if (flags & EVF.roundrobin) {
    // Akaros divides by num_vcores (0 for a fresh MCP: a divide fault); we use 1
    cfg.vcore = p.isMcp ? (cfg.vcore + 1) % Math.max(1, p.numVcores) : 0;
    vc = cfg.vcore;
  }
  if (vc >= s.maxVcores && s.maxVcores > 0) { s.note('evdrop', `pid=${p.pid} ${evName(type)} vcore=${vc}`); return; }
  const mb = mailboxOf(p);
  mb.limit = s.evqMax;
  const a = [(args[0] ?? 0) & 0xffff, (args[1] ?? 0) >>> 0, args[2] ?? 0, args[3] ?? 0] as EventMsg['args'];
  const msg = (kd: EventMsg['kind'], t: number, v: number, ar: EventMsg['args'], ext?: [string, number][]): EventMsg => {
    const m: EventMsg = { seq: s.evSeq++, t: s.clock.now, type: t, vcore: v, args: ar, count: 1, kind: kd };
    if (ext?.length) m.x = ext;
    return m;
  };
  p.events++;
  traceEvent(s, p.pid, evName(type), vc, a, x);
  // spam_vcore = post_vc_msg (a VCPD post: notif_pending) + try_notify
  if (flags & EVF.spam_public) {
    const tv = spamTarget(s, p, vc, flags);
    mb.post(msg('ucq', type, tv, a, x));
    setNotif(p, tv);
    tryNotify(p, tv, flags);
  } else {
    mb.post(msg(kind, type, vc, a, x), (flags & EVF.ceq_add) !== 0);
    if (flags & EVF.indir) {
      if (!cfg.alert || flags & EVF.nothrottle) {
        cfg.alert = true;
        const tv = flags & EVF.spam_indir ? spamTarget(s, p, vc, flags) : vc;
        mb.post(msg('ucq', EV_EVENT, tv, [0, 0, type, 0]));
        setNotif(p, tv);
        tryNotify(p, tv, flags);
      }
    } else tryNotify(p, vc, flags);
  }
  if (flags & EVF.wakeup && p.state === WAITING) s.hooks.wakeup(p);
}

/** sys_self_notify(vc, type, NULL, priv): straight into vcore vc's private mailbox (no
 *  registration involved), notif_pending set. */
export function postSelf(s: KState, p: Proc, type: number, vc: number): void {
  if (p.dead || p.state === DYING || p.state === DYING_ABORT) return;
  p.events++;
  const mb = mailboxOf(p);
  mb.limit = s.evqMax;
  mb.post({ seq: s.evSeq++, t: s.clock.now, type, vcore: vc, args: [0, 0, 0, 0], count: 1, kind: 'ucq' });
  setNotif(p, vc);
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
