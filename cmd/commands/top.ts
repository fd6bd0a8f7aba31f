// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { onInterrupt } from '../lib/signal.js';
import { sleep } from '../lib/sleep.js';
import { Rates } from '../lib/usage.js';
import { drainLog, parseKeys, TopApp, type Terminal } from '../lib/top-app.js';
import { ALL_SORT_KEYS, defaultView, gatherTop, renderTop, type SortKey, type TopData } from '../lib/top.js';

export default class Top extends AkarosCommand {
  static override summary = 'Live view, like htop: cores by owner and % busy, processes with CPU% and their programs, the kernel log.';
  static override description = `Redraws every --interval: a clock line (virtual time, running or paused, speed), a grid of the pcores (who runs on each, who it is provisioned to, % busy from /core/sysstat; the summary line adds programs' useful share from /core/util), every process with its cores wanted, granted and provisioned, its CPU% (from /mcp/N/stat), the program it runs (PROG, from /mcp/N/results) and that program's USE% (useful ns over the core time it had, from the prog_*_ns keys of /mcp/N/stat), and the newest lines of the kernel log (/dev/kmesg, read as a stream on one open fid). Keys: arrows select, k kills the selected process (after y), < > sort, P by CPU%, U by USE%, N by pid, I inverts, / filters by name or user, u picks a user, ? help, q quits. A process being warned of a preemption is yellow, one that just lost a core red. --once prints one frame (the log read up to now), --json the same data.`;
  static override schema = 'top.json';
  static override examples = [
    { description: 'Watch the machine', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One frame, 100x30, for a log or a slow link', command: '<%= config.bin %> <%= command.id %> --once --cols 100 --rows 30' },
    { description: 'Only glenda\'s processes, busiest first', command: '<%= config.bin %> <%= command.id %> --user-filter glenda --sort cpu' },
  ];
  static override flags = {
    interval: Flags.integer({ char: 'i', summary: 'Milliseconds between refreshes.', default: 1000, min: 50 }),
    once: Flags.boolean({ summary: 'Print one frame and exit.' }),
    cols: Flags.integer({ summary: 'Width (default: the terminal\'s, or 80).', min: 20 }),
    rows: Flags.integer({ summary: 'Height (default: the terminal\'s, or 24).', min: 8 }),
    sort: Flags.string({ summary: 'Sort column.', options: [...ALL_SORT_KEYS], default: 'pid' }),
    filter: Flags.string({ summary: 'Only processes whose name or user contains this.' }),
    'user-filter': Flags.string({ summary: 'Only this user\'s processes.' }),
  };

  async run(): Promise<TopData | undefined> {
    const { flags } = await this.parse(Top);
    const s = await this.connect(flags);
    // A terminal that reports no size (0x0, as under script(1)) gets 80x24.
    const size = () => ({
      cols: flags.cols ?? (process.stdout.columns || 80),
      rows: flags.rows ?? (process.stdout.rows || 24),
    });
    const setup = (interactive: boolean) => ({
      ...defaultView(interactive), sort: flags.sort as SortKey,
      reverse: flags.sort === 'cpu' || flags.sort === 'util', filter: flags.filter ?? '', user: flags['user-filter'],
    });

    if (flags.once || this.jsonEnabled()) {
      const d = await gatherTop(s, await drainLog(s), new Rates());
      this.out(renderTop(d, size(), false, setup(false)).join('\n').replace(/\n+$/, ''));
      return d;
    }

    const tty = this.tty && Boolean(process.stdin.isTTY);
    const term: Terminal = {
      size, color: tty,
      draw: (frame) => process.stdout.write(tty
        ? `\x1b[H${frame.join('\x1b[K\n')}\x1b[J`
        : `${frame.join('\n').replace(/\n+$/, '')}\n\n`),
    };
    const app = new TopApp(s, term);
    app.view = setup(tty);
    const intr = onInterrupt();
    const stop = new AbortController();
    intr.signal.addEventListener('abort', () => stop.abort(), { once: true });
    const logDone = app.followLog(stop.signal);
    const stdin = process.stdin;
    let keys = Promise.resolve();
    const onKey = (b: Buffer): void => {
      keys = keys.then(async () => {
        for (const k of parseKeys(b)) if (!stop.signal.aborted && await app.key(k) === 'quit') stop.abort();
      }).catch((e) => { app.view.message = e instanceof Error ? e.message : String(e); });
    };
    const onResize = (): void => app.draw();
    if (tty) {
      process.stdout.write('\x1b[?1049h\x1b[?25l');
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onKey);
      process.stdout.on('resize', onResize);
    }
    try {
      while (!stop.signal.aborted) {
        await app.refresh();
        await sleep(flags.interval, stop.signal);
      }
    } finally {
      intr.dispose();
      if (tty) {
        stdin.off('data', onKey);
        stdin.setRawMode(false);
        stdin.pause();
        process.stdout.off('resize', onResize);
        process.stdout.write('\x1b[?25h\x1b[?1049l');
      }
      stop.abort();
      await keys;
      await logDone;
    }
    return undefined;
  }
}
