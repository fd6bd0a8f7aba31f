// SPDX-License-Identifier: GPL-2.0-or-later
//
// oclif's command_not_found hook: `akaros: no command "mcp nwe"; did you mean "mcp
// new"?` and exit 2, in the same voice as every other akaros error. At a terminal
// (stdin and stdout both TTYs) the question is asked by oclif's plugin-not-found, which
// runs the suggestion when the user says yes; a script is never prompted.

import { Errors, type Hook } from '@oclif/core';
import notFound from '@oclif/plugin-not-found';

/** Edit distance (insertions, deletions, substitutions), two rows at a time. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_x, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest command to a mistyped one, if it is close enough to be a typo. */
export function suggest(id: string, ids: string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of ids) {
    const d = distance(id, c);
    if (d < bestD) { best = c; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(id.length / 3)) ? best : undefined;
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':').join(' ');
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const best = suggest(opts.id, ids);
  const said = `akaros: no command "${words}"`;
  if (best !== undefined && process.stdin.isTTY && process.stdout.isTTY) {
    const ctx = Object.create(this) as typeof this;
    ctx.warn = () => { process.stderr.write(`${said}\n`); };
    ctx.error = (() => { throw new Errors.ExitError(2); }) as typeof this.error;
    return notFound.call(ctx, opts);
  }
  const hint = best !== undefined ? `; did you mean "${best.split(':').join(' ')}"?` : '';
  process.stderr.write(`${said}${hint} (see ${opts.config.bin} --help)\n`);
  throw new Errors.ExitError(2);
};

export default hook;
