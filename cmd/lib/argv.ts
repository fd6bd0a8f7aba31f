// SPDX-License-Identifier: GPL-2.0-or-later
//
// Flags anywhere on the line. oclif finds the command from the words before the first
// flag, so `akaros mcp --json new` or plan9port's order `akaros -a ADDR ls` would name
// the topic "mcp" (printing its help with status 0) or no command at all. normalizeArgv
// moves every flag that comes before the last command word to just after it, where
// oclif parses it; a flag it cannot place is a usage error, never a silent no-op.

import type { Command, Config } from '@oclif/core';
import { usage } from './connect.js';

/** How many words a flag token takes: 1 (the flag alone) or 2 (it and its value). */
type Arity = 1 | 2;

const ALWAYS_BOOLEAN = new Set(['--help', '-h', '--version']);

/** The flag a token names in these commands, and how many tokens it takes; undefined if
 *  none of them has it. A usage error if they disagree about its taking a value. */
function arity(tok: string, cmds: Command.Loadable[]): Arity | undefined {
  if (ALWAYS_BOOLEAN.has(tok)) return 1;
  const long = tok.startsWith('--');
  const name = long ? tok.slice(2).split('=')[0] : tok.slice(1, 2);
  const inline = long ? tok.includes('=') : tok.length > 2;
  const found = new Set<Arity>();
  for (const c of cmds) {
    for (const f of Object.values(c.flags ?? {})) {
      const hit = long ? f.name === name || (f.type === 'boolean' && f.allowNo && name === `no-${f.name}`) : f.char === name;
      if (hit) found.add(f.type === 'option' && !inline ? 2 : 1);
    }
  }
  if (found.size > 1) throw usage(`${tok}: put this flag after the command`);
  return found.values().next().value;
}

/**
 * argv with the command's words first, then every flag that was among them, then the
 * rest as given. `mcp --json new` -> `mcp new --json`; `-a ADDR ls /` -> `ls -a ADDR /`.
 * A line whose words name only a topic but carries flags (`mcp --json`) is a usage error.
 */
export function normalizeArgv(argv: string[], config: Config): string[] {
  const words: string[] = [];
  const moved: string[] = [];
  const under = (prefix: string[]): Command.Loadable[] => {
    const p = prefix.join(':');
    return config.commands.filter((c) => p === '' || c.id === p || c.id.startsWith(`${p}:`));
  };
  const isWord = (w: string[]): boolean => {
    const id = w.join(':');
    return config.findCommand(id) !== undefined || config.findTopic(id) !== undefined;
  };
  let i = 0;
  while (i < argv.length) {
    if (words.length > 0 && config.findCommand(words.join(':'))) break;
    const tok = argv[i];
    if (tok === '--') break;
    if (tok.startsWith('-') && tok !== '-') {
      const n = arity(tok, under(words));
      if (n === undefined) {
        throw usage(words.length === 0
          ? `unknown flag ${tok} before the command (see ${config.bin} --help)`
          : `unknown flag ${tok} for "${words.join(' ')}" (see ${config.bin} help ${words.join(' ')})`);
      }
      if (n === 2 && i + 1 >= argv.length) throw usage(`${tok} needs a value`);
      moved.push(...argv.slice(i, i + n));
      i += n;
      continue;
    }
    if (!isWord([...words, tok])) break;
    words.push(tok);
    i++;
  }
  if (moved.length === 0) return argv;
  const helpAsked = moved.some((m) => m === '--help' || m === '-h' || m === '--version');
  const id = words.join(':');
  const rest = argv.slice(i);
  if (!helpAsked && !config.findCommand(id)) {
    if (words.length === 0 && rest.length === 0) throw usage(`no command given (see ${config.bin} --help)`);
    if (words.length > 0 && (rest.length === 0 || rest[0].startsWith('-'))) {
      const subs = config.commands.filter((c) => c.id.startsWith(`${id}:`) && c.id.split(':').length === words.length + 1)
        .map((c) => c.id.split(':').pop()).sort();
      throw usage(`"${words.join(' ')}" needs a command: ${subs.join(', ')} (see ${config.bin} help ${words.join(' ')})`);
    }
    // Not a command (a mistyped word follows): keep the words together so that the
    // not-found hook names them all.
    return [...words, ...rest, ...moved];
  }
  return [...words, ...moved, ...rest];
}
