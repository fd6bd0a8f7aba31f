// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel's image: a complete, plain-data copy of a KState (what a durable snapshot
// holds), and its restoration in place. The walk is generic: every own field of the state
// and of every object below it is copied, whatever its name, so a field another file adds
// later is carried without anyone remembering to list it. What the walk meets must be
// plain data: numbers, strings, booleans, null, arrays, typed arrays, Maps, Sets, plain
// objects, and instances of the classes registered below. A function-valued field is an
// error unless the class lists it as not state (SKIP): devices' listeners, the clock's
// closures (rebuilt from their tags by revive.ts), the wakeup hook.
//
// Encoding (msgpack-friendly): primitives and arrays as they are (a hole or undefined as
// {$:'u'}); every other object as a tagged object whose key `$` says what it is:
// {$:'Map', e:[k, v, ...]}, {$:'Set', e:[...]}, {$:'Float64Array', b:bytes} (any typed
// array), {$:N, v:[values...]} for a plain object or a registered class instance, where
// N indexes the image's `shapes` table ([tag, keys]: the class name or 'o', and its field
// names, written once however many objects share them), and {$:'rows', k:keys, v:flat}
// for a long array of plain objects with the same keys (log records).
//
// Restoring in place keeps the identity of the objects others hold: the clock (the
// driver's), the log (readers' subscriptions), each Proc that exists before and after
// with the same pid and creation time (devices key qids on it) and its mailbox (parked
// readers). Everything else is rebuilt.

import { KState, unwiredHooks } from './state.js';
import { Clock } from './clock.js';
import { EventHeap } from './heap.js';
import { KernelLog } from './log.js';
import { Rand } from './rand.js';
import { Machine } from './machine.js';
import { Proc, PidAllocator } from './proc.js';
import { Vcore, VcList, VcoreSet } from './vcore.js';
import { Mailbox } from './mailbox.js';
import { NeedyQueue } from './needy.js';
import { mailboxOf } from './events.js';
import { reviver } from './revive.js';

/** Bumped when the encoding (not the state's fields) changes meaning. */
export const IMAGE_VERSION = 3;

export interface KImage {
  v: number;
  /** [tag, field names] of every object shape the image holds. */
  shapes: [string, string[]][];
  /** The encoded KState. */
  state: Enc;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Enc = any;
type Obj = Record<string, unknown>;

/** The classes an image may hold, by the name it records. Another class in the state
 *  makes capture throw: register it here (and list its non-state fields in SKIP). */
const CLASSES: Record<string, object> = {
  KState: KState.prototype, Clock: Clock.prototype, EventHeap: EventHeap.prototype, KernelLog: KernelLog.prototype,
  Rand: Rand.prototype, Machine: Machine.prototype, Proc: Proc.prototype, PidAllocator: PidAllocator.prototype,
  Vcore: Vcore.prototype, VcList: VcList.prototype, VcoreSet: VcoreSet.prototype, Mailbox: Mailbox.prototype,
  NeedyQueue: NeedyQueue.prototype,
};
const NAME_OF = new Map<object, string>(Object.entries(CLASSES).map(([n, p]) => [p, n]));

/** Fields that are not state, per class, and what a freshly decoded object gets instead. */
const SKIP: Record<string, Record<string, () => unknown>> = {
  KState: { exitSubs: () => new Map(), hooks: unwiredHooks },
  Clock: { fns: () => [], onEarlier: () => null },
  Mailbox: { subs: () => new Set(), onTake: () => null },
  KernelLog: { subs: () => new Set() },
};

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray,
};

const U = Object.freeze({ $: 'u' });

/** The keys from the state down to the value being encoded (named in errors only). */
const where: string[] = [];

function fail(what: string): never {
  const path = where.join('.');
  where.length = 0;
  throw new Error(`kernel image: ${path}: ${what}`);
}

/** The shapes of the image being captured (capture is synchronous: one at a time). */
let shapes: [string, string[]][] = [];
const shapeIds = new Map<object | null, { keys: string[]; id: number }[]>();

function shapeOf(proto: object | null, tag: string, keys: string[]): number {
  let list = shapeIds.get(proto);
  if (!list) shapeIds.set(proto, (list = []));
  for (const s of list) {
    const k = s.keys;
    if (k.length !== keys.length) continue;
    let same = true;
    for (let i = 0; i < k.length; i++) if (k[i] !== keys[i]) { same = false; break; }
    if (same) return s.id;
  }
  const id = shapes.length;
  shapes.push([tag, keys]);
  list.push({ keys, id });
  return id;
}

function enc(v: unknown): Enc {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v === undefined) return U;
  if (typeof v !== 'object') fail(`cannot hold a ${typeof v}`);
  if (Array.isArray(v)) {
    return rows(v) ?? encArray(v);
  }
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!TYPED[name]) fail(`cannot hold a ${name}`);
    return { $: name, b: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
  }
  if (v instanceof Map) {
    const e: Enc[] = [];
    for (const [k, x] of v) e.push(enc(k), enc(x));
    return { $: 'Map', e };
  }
  if (v instanceof Set) return { $: 'Set', e: [...v].map((x) => enc(x)) };
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return fields(v as Obj, proto, 'o', undefined);
  const name = NAME_OF.get(proto);
  if (!name) fail(`holds an instance of unregistered class ${(v as object).constructor?.name ?? '?'} (register it in kern/image.ts)`);
  return fields(v as Obj, proto, name, SKIP[name]);
}

function encArray(v: unknown[]): Enc[] {
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = enc(v[i]);
  return out;
}

function fields(o: Obj, proto: object | null, tag: string, skip: Record<string, unknown> | undefined): Enc {
  let keys = Object.keys(o);
  if (skip) keys = keys.filter((key) => !(key in skip));
  const vals = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const x = o[key];
    where.push(key);
    if (typeof x === 'function') fail('is a function (not state: list it in SKIP in kern/image.ts)');
    vals[i] = enc(x);
    where.pop();
  }
  return { $: shapeOf(proto, tag, keys), v: vals };
}

/** A long array of plain objects with the same keys (log records, messages) as columns:
 *  {$:'rows', k:[keys], v:[row0 values..., row1 values...]}: far fewer objects to pack. */
function rows(v: unknown[]): Enc | undefined {
  if (v.length < 16) return undefined;
  const first = v[0];
  if (first === null || typeof first !== 'object' || Object.getPrototypeOf(first) !== Object.prototype) return undefined;
  const keys = Object.keys(first);
  const n = keys.length;
  if (n === 0 || keys.includes('$')) return undefined;
  const flat = new Array(v.length * n);
  for (let i = 0; i < v.length; i++) {
    const o = v[i] as Obj;
    if (o === null || typeof o !== 'object' || Object.getPrototypeOf(o) !== Object.prototype) return undefined;
    let m = 0;
    for (const key in o) {
      if (key !== keys[m]) return undefined;
      flat[i * n + m] = enc(o[key]);
      m++;
    }
    if (m !== n) return undefined;
  }
  return { $: 'rows', k: keys, v: flat };
}

/** The shapes of the image being restored. */
let decShapes: [string, string[]][] = [];

function dec(e: Enc): unknown {
  if (e === null || typeof e !== 'object') return e;
  if (Array.isArray(e)) {
    const out = new Array(e.length);
    for (let i = 0; i < e.length; i++) out[i] = dec(e[i]);
    return out;
  }
  const tag = e.$ as string | number;
  if (typeof tag === 'number') {
    const [name, keys] = decShapes[tag];
    const vals = e.v as Enc[];
    let o: Obj;
    if (name === 'o') o = {};
    else {
      const proto = CLASSES[name];
      if (!proto) throw new Error(`kernel image: unknown class ${name}`);
      o = Object.create(proto) as Obj;
      const skip = SKIP[name];
      if (skip) for (const [key, init] of Object.entries(skip)) o[key] = init();
    }
    for (let i = 0; i < keys.length; i++) o[keys[i]] = dec(vals[i]);
    return o;
  }
  if (tag === 'u') return undefined;
  if (tag === 'rows') {
    const keys = e.k as string[], flat = e.v as Enc[], n = keys.length;
    const out = new Array(n ? flat.length / n : 0);
    for (let i = 0; i < out.length; i++) {
      const o: Obj = {};
      for (let m = 0; m < n; m++) o[keys[m]] = dec(flat[i * n + m]);
      out[i] = o;
    }
    return out;
  }
  if (tag === 'Map') {
    const m = new Map();
    const a = e.e as Enc[];
    for (let i = 0; i < a.length; i += 2) m.set(dec(a[i]), dec(a[i + 1]));
    return m;
  }
  if (tag === 'Set') return new Set((e.e as Enc[]).map(dec));
  const T = TYPED[tag];
  // a copy: a decoded Buffer may be a view into a larger pool (and Buffer#slice does not copy)
  if (T) return new T(new Uint8Array(e.b as Uint8Array).buffer);
  throw new Error(`kernel image: unknown tag ${String(tag)}`);
}

/** The class name of an encoded instance ('o' for a plain object), or undefined. */
function classOf(e: Enc): string | undefined {
  return e !== null && typeof e === 'object' && typeof e.$ === 'number' ? decShapes[e.$][0] : undefined;
}

/** A field of an encoded instance, by name. */
function field(e: Enc, key: string): Enc {
  const keys = decShapes[e.$][1];
  const i = keys.indexOf(key);
  return i < 0 ? undefined : e.v[i];
}

/** Field by field into an existing object of the same class, keeping the identity of
 *  nested objects of the same class (and the skipped, non-state fields). */
function into(target: Obj, e: Enc, except?: string): void {
  const keys = decShapes[e.$][1], vals = e.v as Enc[];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === except) continue;
    const x = vals[i];
    const cur = target[key];
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && cur !== null && typeof cur === 'object') {
      const cls = classOf(x);
      if (cls && cls !== 'o' && Object.getPrototypeOf(cur) === CLASSES[cls]) { into(cur as Obj, x); continue; }
      const T = TYPED[x.$ as string];
      if (T && cur instanceof T && (cur as ArrayBufferView).byteLength === (x.b as Uint8Array).byteLength) {
        new Uint8Array(cur.buffer, cur.byteOffset, cur.byteLength).set(x.b as Uint8Array);
        continue;
      }
    }
    target[key] = dec(x);
  }
}

/** The image of a kernel state: a deep copy, nothing shared with the live state. */
export function captureImage(s: KState): KImage {
  s.clock.checkRevivable((tag) => reviver(tag) !== undefined);
  where.length = 0;
  where.push('state');
  shapes = [];
  shapeIds.clear();
  try {
    const state = enc(s);
    return { v: IMAGE_VERSION, shapes, state };
  } finally {
    shapes = [];
    shapeIds.clear();
  }
}

/**
 * Make `s` the state the image holds, in place. `s` must have been built from the same
 * configuration. Procs present in both with the same pid and creation time keep their
 * object (and its mailbox); procs that are gone have their mailbox closed and their exit
 * listeners dropped. The clock's pending events are rebuilt from their tags.
 */
export function restoreImage(s: KState, img: KImage): void {
  if (!img || img.v !== IMAGE_VERSION) throw new Error(`kernel image: version ${img?.v}, this kernel reads ${IMAGE_VERSION}`);
  decShapes = img.shapes;
  try {
    restoreState(s, img.state);
  } finally {
    decShapes = [];
  }
}

function restoreState(s: KState, e: Enc): void {
  if (classOf(e) !== 'KState') throw new Error('kernel image: not a kernel state');
  const n = field(field(e, 'm'), 'n');
  const owner = field(e, 'hostowner');
  if (n !== s.m.n || owner !== s.hostowner) throw new Error(`kernel image: of a ${n}-core machine (host owner ${String(owner)}), not this ${s.m.n}-core one (${s.hostowner})`);
  const old = new Map(s.procs);
  into(s as unknown as Obj, e, 'procs');
  s.procs.clear();
  const pe = field(e, 'procs').e as Enc[];
  for (let i = 0; i < pe.length; i += 2) {
    const pid = pe[i] as number, pEnc = pe[i + 1] as Enc;
    const was = old.get(pid);
    let p: Proc;
    if (was && was.createdT === field(pEnc, 'createdT') && was.user === field(pEnc, 'user')) {
      if (was.mbox && classOf(field(pEnc, 'mbox')) !== 'Mailbox') was.mbox.close();
      into(was as unknown as Obj, pEnc);
      p = was;
      old.delete(pid);
    } else {
      p = dec(pEnc) as Proc;
    }
    s.procs.set(pid, p);
    if (p.mbox && !p.mbox.onTake) {
      // A mailbox decoded fresh: give it the kernel's take hook (events.ts builds it).
      const d = p.mbox;
      p.mbox = null;
      const mb = mailboxOf(p);
      for (const key of Object.keys(d)) if (!(key in SKIP.Mailbox)) (mb as unknown as Obj)[key] = (d as unknown as Obj)[key];
    }
  }
  for (const [pid, p] of old) {
    p.mbox?.close();
    if (!s.procs.has(pid)) s.exitSubs.delete(pid);
  }
  s.clock.revive((tag, at) => {
    const r = reviver(tag);
    if (!r) throw new Error(`kernel image: clock event "${tag}" has no reviver (kern/revive.ts)`);
    return r(s, at);
  });
}
