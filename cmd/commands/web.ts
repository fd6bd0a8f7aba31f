// SPDX-License-Identifier: GPL-2.0-or-later
import { Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { onInterrupt } from '../lib/signal.js';
import { startWeb } from '../lib/web-server.js';

export interface WebResult {
  url: string;
}

export default class Web extends AkarosCommand {
  // a server, like `serve`: nothing to print as a document
  static override enableJsonFlag = false;
  static override summary = 'Serve a live web view of the machine on loopback: core grid, timeline, MCPs and their controls.';
  static override description = `A 9P client like the other commands: it follows /sim/trace and reads /sim/status, /core/map, /core/ctl and /mcp/N/status, and serves a page on http://127.0.0.1:PORT/ that shows the cores coloured by the MCP on them, a scrolling timeline of virtual time, each MCP's wanted / granted / provisioned and the recent trace records, updated live (server-sent events). The page's buttons write the same files as the user this command attached as (want, cores, yield, kill on /mcp/N/ctl; pause, resume, step on /sim/ctl for the host owner), so the server's permissions apply. The page's files are served from this installation (cmd/web); nothing is fetched from elsewhere. Runs until Ctrl-C.`;
  static override examples = [
    { description: 'Serve the view on port 8080', command: '<%= config.bin %> <%= command.id %> --port 8080' },
    { description: 'As the host owner, against a remote node', command: '<%= config.bin %> <%= command.id %> -a tcp!node7!5640 -u eve' },
  ];
  static override flags = {
    port: Flags.integer({ char: 'p', summary: 'HTTP port (0: any free port).', default: 8080, min: 0, max: 65535 }),
    listen: Flags.string({ summary: 'Loopback address to serve on.', default: '127.0.0.1' }),
  };

  async run(): Promise<WebResult> {
    const { flags } = await this.parse(Web);
    const s = await this.connect(flags);
    const w = await startWeb({ session: s, host: flags.listen, port: flags.port });
    this.out(`akaros web: ${w.url} (as ${w.user} on ${flags.address}); Ctrl-C stops`);
    const intr = onInterrupt();
    try {
      await new Promise<void>((resolve) => {
        if (intr.signal.aborted) resolve();
        else intr.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      intr.dispose();
      await w.close();
    }
    return { url: w.url };
  }
}
