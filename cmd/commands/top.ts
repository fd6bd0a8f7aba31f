// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { follow } from '../lib/follow.js';
import { onInterrupt } from '../lib/signal.js';
import { gatherTop, renderTop, type TopData } from '../lib/top.js';

const KEEP = 200;

export default class Top extends AkarosCommand {
  static override summary = 'Live view: the cores coloured by owner, each process\'s cores, recent kernel events.';
  static override description = `Redraws every --interval: a grid of the pcores (who runs on each, who it is provisioned to), every process with its cores wanted, granted and provisioned, and the newest lines of the kernel log. Per refresh it reads /dev/sysname, /sim/status, /core/ctl, /core/map, and /proc/N/status plus /mcp/N/status (or /proc/N/user) per process; /dev/kmesg is read as a stream on one open fid. q or Ctrl-C quits. --once prints one frame (and --json the data).`;
  static override examples = [
    { description: 'Watch the machine', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One frame, 100x30, for a log or a slow link', command: '<%= config.bin %> <%= command.id %> --once --cols 100 --rows 30' },
  ];
  static override flags = {
    interval: Flags.integer({ char: 'i', summary: 'Milliseconds between refreshes.', default: 1000, min: 50 }),
    once: Flags.boolean({ summary: 'Print one frame and exit.' }),
    cols: Flags.integer({ summary: 'Width (default: the terminal\'s, or 80).', min: 20 }),
    rows: Flags.integer({ summary: 'Height (default: the terminal\'s, or 24).', min: 8 }),
  };

  async run(): Promise<TopData | undefined> {
    const { flags } = await this.parse(Top);
    const s = await this.connect(flags);
    const size = () => ({
      cols: flags.cols ?? process.stdout.columns ?? 80,
      rows: flags.rows ?? process.stdout.rows ?? 24,
    });
    const events: string[] = [];
    let partial = '';
    const onLog = (b: Buffer): void => {
      const text = partial + b.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      events.push(...lines.filter((l) => l !== ''));
      if (events.length > KEEP) events.splice(0, events.length - KEEP);
    };
    const intr = onInterrupt();
    const logStop = new AbortController();
    const quit = (): void => { logStop.abort(); };
    intr.signal.addEventListener('abort', quit, { once: true });

    if (flags.once || this.jsonEnabled()) {
      // What the log holds now: one read, given a moment in case the log is empty.
      const t = setTimeout(quit, 300);
      await follow(s, '/dev/kmesg', onLog, logStop.signal, true).catch(() => undefined);
      clearTimeout(t);
      intr.dispose();
      const d = await gatherTop(s, events);
      this.out(renderTop(d, size(), false).join('\n').replace(/\n+$/, ''));
      return d;
    }

    const logDone = follow(s, '/dev/kmesg', onLog, logStop.signal).catch(() => undefined);
    const tty = this.tty;
    const stdin = process.stdin;
    const onKey = (k: Buffer): void => { if (k.includes(0x71) || k.includes(0x03)) quit(); };
    if (tty) {
      process.stdout.write('\x1b[?1049h\x1b[?25l');
      if (stdin.isTTY) { stdin.setRawMode(true); stdin.resume(); stdin.on('data', onKey); }
    }
    try {
      while (!logStop.signal.aborted) {
        const frame = renderTop(await gatherTop(s, events), size(), tty);
        process.stdout.write(tty ? `\x1b[H${frame.join('\x1b[K\n')}\x1b[J` : `${frame.join('\n').replace(/\n+$/, '')}\n\n`);
        await new Promise<void>((res) => {
          const t = setTimeout(res, flags.interval);
          logStop.signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
        });
      }
    } finally {
      intr.dispose();
      if (tty) {
        if (stdin.isTTY) { stdin.off('data', onKey); stdin.setRawMode(false); stdin.pause(); }
        process.stdout.write('\x1b[?25h\x1b[?1049l');
      }
      await logDone;
    }
    return undefined;
  }
}
