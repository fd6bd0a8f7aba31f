// SPDX-License-Identifier: GPL-2.0-or-later
//
// The rules of the Chrome trace-event format (the JSON Object Format that chrome://tracing
// and Perfetto's JSON importer read) as far as our traces use it, as a validator that
// returns every violation:
// - the top level is an object with a `traceEvents` array; `displayTimeUnit`, if present,
//   is "ms" or "ns"; `otherData`, if present, an object;
// - every event has a non-empty string `name`, a `ph` we emit (X complete, i instant,
//   C counter, M metadata), integer `pid` and `tid` >= 0, a finite `ts` >= 0 (µs);
//   `cat` a string and `args` an object when present;
// - X: a finite `dur` >= 0; i: `s` is g, p or t; C: `args` holds one or more finite
//   numbers and nothing else; M: `name` is process_name / thread_name (args.name a
//   string) or process_sort_index / thread_sort_index (args.sort_index an integer);
// - complete slices on one thread nest: two of them either are disjoint or one contains
//   the other (the viewers draw them as a stack);
// - every pid used by a non-metadata event is named by a process_name, and every
//   thread-scoped event's (pid, tid) by a thread_name.

const PH = new Set(['X', 'i', 'C', 'M']);
const META = new Set(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']);

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

export function validateChromeTrace(doc: unknown): string[] {
  const errs: string[] = [];
  if (!isObj(doc)) return ['top level: not an object'];
  if (!Array.isArray(doc.traceEvents)) return ['top level: no traceEvents array'];
  if (doc.displayTimeUnit !== undefined && doc.displayTimeUnit !== 'ms' && doc.displayTimeUnit !== 'ns') errs.push(`displayTimeUnit: ${String(doc.displayTimeUnit)}`);
  if (doc.otherData !== undefined && !isObj(doc.otherData)) errs.push('otherData: not an object');
  const procNames = new Set<number>(), threadNames = new Set<string>();
  const used: { pid: number; tid: number; thread: boolean; i: number }[] = [];
  const slices = new Map<string, { ts: number; end: number; i: number }[]>();
  doc.traceEvents.forEach((e: unknown, i: number) => {
    const at = `traceEvents[${i}]`;
    if (!isObj(e)) { errs.push(`${at}: not an object`); return; }
    if (typeof e.name !== 'string' || e.name === '') errs.push(`${at}: name`);
    if (typeof e.ph !== 'string' || !PH.has(e.ph)) { errs.push(`${at}: ph ${String(e.ph)}`); return; }
    if (!isInt(e.pid)) errs.push(`${at}: pid ${String(e.pid)}`);
    if (!isInt(e.tid)) errs.push(`${at}: tid ${String(e.tid)}`);
    if (!isNum(e.ts) || e.ts < 0) errs.push(`${at}: ts ${String(e.ts)}`);
    if (e.cat !== undefined && typeof e.cat !== 'string') errs.push(`${at}: cat`);
    if (e.args !== undefined && !isObj(e.args)) errs.push(`${at}: args`);
    const args = isObj(e.args) ? e.args : {};
    switch (e.ph) {
      case 'X': {
        if (!isNum(e.dur) || e.dur < 0) { errs.push(`${at}: X without a dur >= 0`); break; }
        const key = `${String(e.pid)}/${String(e.tid)}`;
        if (!slices.has(key)) slices.set(key, []);
        slices.get(key)!.push({ ts: e.ts as number, end: (e.ts as number) + e.dur, i });
        used.push({ pid: e.pid as number, tid: e.tid as number, thread: true, i });
        break;
      }
      case 'i':
        if (e.s !== 'g' && e.s !== 'p' && e.s !== 't') errs.push(`${at}: instant scope ${String(e.s)}`);
        used.push({ pid: e.pid as number, tid: e.tid as number, thread: e.s === 't', i });
        break;
      case 'C': {
        const vals = Object.values(args);
        if (vals.length === 0 || !vals.every(isNum)) errs.push(`${at}: counter args must be numbers`);
        used.push({ pid: e.pid as number, tid: e.tid as number, thread: false, i });
        break;
      }
      case 'M':
        if (typeof e.name !== 'string' || !META.has(e.name)) { errs.push(`${at}: metadata ${String(e.name)}`); break; }
        if (e.name.endsWith('_name')) {
          if (typeof args.name !== 'string') errs.push(`${at}: ${e.name} without args.name`);
          else if (e.name === 'process_name') procNames.add(e.pid as number);
          else threadNames.add(`${String(e.pid)}/${String(e.tid)}`);
        } else if (!Number.isInteger(args.sort_index)) errs.push(`${at}: ${e.name} without an integer args.sort_index`);
        break;
    }
  });
  // nesting: sort by start, longest first; a stack of open slices
  for (const [key, list] of slices) {
    list.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const stack: { ts: number; end: number; i: number }[] = [];
    for (const s of list) {
      while (stack.length && stack[stack.length - 1].end <= s.ts) stack.pop();
      const top = stack[stack.length - 1];
      if (top && s.end > top.end + 1e-9) errs.push(`thread ${key}: traceEvents[${s.i}] overlaps traceEvents[${top.i}] without nesting`);
      stack.push(s);
    }
  }
  for (const u of used) {
    if (!procNames.has(u.pid)) errs.push(`traceEvents[${u.i}]: pid ${u.pid} has no process_name`);
    if (u.thread && !threadNames.has(`${u.pid}/${u.tid}`)) errs.push(`traceEvents[${u.i}]: thread ${u.pid}/${u.tid} has no thread_name`);
  }
  return errs;
}
