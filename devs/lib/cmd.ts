// SPDX-License-Identifier: GPL-2.0-or-later
//
// ctl files, Plan 9 parsecmd/lookupcmd style: a table of verbs, each with how many
// arguments it takes and a handler. A write holds one command per line; the lines are
// applied in order and the write fails at the first bad one, the earlier ones staying
// applied (namespace.md, Conventions). Fields are split with tokenize(2), so 'a b' is one.

import { EINVAL } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import { tokenize } from '../../lib/iplib/tokenize.js';
import type { Caller } from '../types.js';

export interface Cmd<C> {
  /** The first field; a RegExp must match the whole field (e.g. /^\d+$/ for `echo 4 > ctl`). */
  verb: string | RegExp;
  /** Arguments after the verb: an exact count or [min, max] (max may be Infinity). Default 0. */
  args?: number | readonly [number, number];
  /** Applies the command. `args` excludes the verb; `verb` is the field as written.
   *  Throws P9Error for a bad command. May return a promise (then the write waits). */
  fn(args: string[], obj: C, caller: Caller, verb: string): void | Promise<void>;
}

export type Cmdtab<C> = readonly Cmd<C>[];

/** Bytes and lines one ctl write may hold, and bytes one line may hold. They bound the
 *  work and memory one write can cost the server; past any of them the whole write is
 *  refused, nothing applied. No command is longer than a few dozen bytes; Linux's sysfs
 *  takes one page per write. */
export const MAX_CTL_WRITE = 64 * 1024;
export const MAX_CTL_LINES = 1024;
export const MAX_CTL_LINE = 4096;
/** A long write is applied in slices of this many lines or bytes, the event loop serving
 *  other clients between slices (the write's reply comes after its last line). */
export const CTL_SLICE_LINES = 64;
export const CTL_SLICE_BYTES = 8192;

/** EINVAL unless `text` is within MAX_CTL_WRITE bytes and MAX_CTL_LINES lines of at
 *  most MAX_CTL_LINE bytes. */
export function checkCtlSize(text: string, what = 'ctl'): void {
  const bytes = Buffer.byteLength(text);
  checkCtlBytes(bytes, what);
  const n = lineCount(text);
  if (n > MAX_CTL_LINES) throw perr(EINVAL, `${what} write of ${n} lines: at most ${MAX_CTL_LINES}`);
  if (bytes <= MAX_CTL_LINE) return;
  for (let i = 0; i < text.length;) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = text.length;
    if (j - i > MAX_CTL_LINE / 3) {
      const line = text.slice(i, j);
      const lb = Buffer.byteLength(line);
      if (lb > MAX_CTL_LINE) throw perr(EINVAL, `${what} line "${line.slice(0, 24)}…" of ${lb} bytes: at most ${MAX_CTL_LINE}`);
    }
    i = j + 1;
  }
}

/** EINVAL past MAX_CTL_WRITE: checked on the bytes, before anything decodes them. */
export function checkCtlBytes(bytes: number, what = 'ctl'): void {
  if (bytes > MAX_CTL_WRITE) throw perr(EINVAL, `${what} write of ${bytes} bytes: at most ${MAX_CTL_WRITE}`);
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The number of lines `text` splits into (a trailing newline ends the last line). */
export function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') && n > 1 ? n - 1 : n;
}

/** One command line split into fields, or undefined for a blank line. */
export function parseCmdLine(line: string): string[] | undefined {
  const f = tokenize(line);
  return f.length ? f : undefined;
}

/** The table entry for `fields`; EINVAL `unknown control message "..."` or
 *  `wrong number of args "..."`. `line` is echoed in the detail. */
export function lookupCmd<C>(tab: Cmdtab<C>, fields: string[], line = fields.join(' ')): Cmd<C> {
  const v = fields[0];
  const cmd = tab.find((c) => (typeof c.verb === 'string' ? c.verb === v : fullMatch(c.verb, v)));
  if (!cmd) throw perr(EINVAL, `unknown control message "${line}"`);
  const n = fields.length - 1;
  const a = cmd.args ?? 0;
  const [min, max] = typeof a === 'number' ? [a, a] : a;
  if (n < min || n > max) throw perr(EINVAL, `wrong number of args "${line}"`);
  return cmd;
}

function fullMatch(re: RegExp, s: string): boolean {
  const m = re.exec(s);
  return m !== null && m.index === 0 && m[0].length === s.length;
}

/** Runs every line of `text` (a write's bytes, or text) through `tab` in order.
 *  Synchronous unless a handler returns a promise or the write takes several slices.
 *  `onError` sees the failing line (devices record it in `lasterr`). */
export function runCmds<C>(tab: Cmdtab<C>, data: string | Buffer, obj: C, caller: Caller,
  onError?: (err: P9Error, line: string) => void): void | Promise<void> {
  let text: string;
  try {
    if (typeof data !== 'string') checkCtlBytes(data.length);
    text = typeof data === 'string' ? data : data.toString('utf8');
    checkCtlSize(text);
  } catch (e) {
    onError?.(e as P9Error, '');
    throw e;
  }
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const fail = (e: unknown, line: string): never => {
    const pe = e instanceof P9Error ? e : perr(EINVAL, `${line}: ${(e as Error)?.message ?? e}`);
    onError?.(pe, line);
    throw pe;
  };
  let nonblank = 0;
  let sliceLines = 0, sliceBytes = 0;
  const step = (i: number): void | Promise<void> => {
    for (; i < lines.length; i++) {
      if (sliceLines >= CTL_SLICE_LINES || sliceBytes >= CTL_SLICE_BYTES) {
        sliceLines = sliceBytes = 0;
        const next = i;
        return nextTurn().then(() => step(next));
      }
      sliceLines++;
      sliceBytes += lines[i].length + 1;
      const line = lines[i].replace(/\r$/, '').trim();
      let r: void | Promise<void>;
      try {
        const fields = parseCmdLine(line);
        if (!fields) continue;
        nonblank++;
        r = lookupCmd(tab, fields, line).fn(fields.slice(1), obj, caller, fields[0]);
      } catch (e) {
        return fail(e, line);
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        const next = i + 1;
        return (r as Promise<void>).then(() => step(next), (e) => fail(e, line));
      }
    }
    if (nonblank === 0) throw perr(EINVAL, 'empty control message');
  };
  return step(0);
}
