// SPDX-License-Identifier: GPL-2.0-or-later
//
// The device manuals in the tool: `akaros help mcp` prints devs/mcp/mcp.md, the man page
// kept next to the device's code (read as a file at run time; nothing is imported from
// devs/). On a terminal the page goes through $PAGER (default `less -FRX`, which exits at
// once when the page fits), as man(1) does.

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Help } from '@oclif/core';
import { PROJECT_ROOT } from './oclif.js';

/** /dev is #cons: `help dev` finds it too. */
const ALIASES: Record<string, string> = { dev: 'cons' };

/** The devices with a manual: every devs/NAME/NAME.md. */
export function manuals(): string[] {
  try {
    return readdirSync(join(PROJECT_ROOT, 'devs'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .filter((n) => readManual(n) !== undefined)
      .sort();
  } catch {
    return [];
  }
}

export function readManual(name: string): string | undefined {
  const dev = ALIASES[name] ?? name;
  if (!/^[a-z0-9]+$/.test(dev)) return undefined;
  try {
    return readFileSync(join(PROJECT_ROOT, 'devs', dev, `${dev}.md`), 'utf8');
  } catch {
    return undefined;
  }
}

/** Write text to stdout, through a pager when stdout is a terminal. */
export async function page(text: string): Promise<void> {
  if (!process.stdout.isTTY) {
    process.stdout.write(text);
    return;
  }
  const pager = process.env.PAGER || 'less -FRX';
  const ok = await new Promise<boolean>((resolve) => {
    const p = spawn(pager, { shell: true, stdio: ['pipe', 'inherit', 'inherit'] });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
    p.stdin.on('error', () => { /* the pager quit early (q): nothing more to send */ });
    p.stdin.end(text);
  });
  if (!ok) process.stdout.write(text);
}

/** oclif's help, with the device manuals listed after the commands. */
export default class AkarosHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const m = manuals();
    if (m.length === 0) return;
    this.log([
      'DEVICE MANUALS',
      `  ${this.config.bin} help ${m.join('|')}`,
      '  the man page of each device (its files, ctl commands, errors)',
      '',
    ].join('\n'));
  }
}
