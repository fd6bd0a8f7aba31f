// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros web`: a 9P client of the server that serves a live page on loopback. It
// follows /sim/trace on one open fid and reads /sim/status, /core/map, /core/ctl and
// /mcp/N/status (after every burst of records, at most every REFRESH_MS, and once a
// second regardless); the page gets both as server-sent events. What the page asks for
// (want, cores, yield, kill on an MCP; pause, resume, step on the clock) is written to
// the same files as the user the command attached as, so the server's permissions apply
// and a refusal comes back with /dev/errstr's detail.
//
// HTTP:  GET /, /app.js, /style.css     the page (cmd/web/, no build step, nothing remote)
//        GET /api/state                 the machine as JSON
//        GET /api/events                text/event-stream: `state` (JSON), `trace` ({lines})
//        POST /api/ctl   {pid, cmd}     one ctl line to /mcp/PID/ctl
//        POST /api/sim   {cmd}          one ctl line to /sim/ctl
//        POST /api/new   {name?}        cat /mcp/clone (and `name NAME`)
// Bounds: request bodies 4 KiB, MAX_CLIENTS event streams, BACKLOG trace lines kept for a
// page that connects later, MAX_MCPS statuses read per refresh. Another site's page cannot drive it: a POST must carry the
// X-Akaros header (a cross-origin request with it needs a CORS preflight, which is never
// granted) and the Host header must name the loopback address we listen on.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CliError, type Session } from './connect.js';
import { follow } from './follow.js';
import { listPids, parseCoreMap, readSummary, type CoreRow } from './machine.js';
import { parseKeyed } from './format.js';
import { PROJECT_ROOT } from './oclif.js';
import { LineSplitter } from './trace-parse.js';
import { pidColor } from './svg.js';

export const ASSETS = join(PROJECT_ROOT, 'cmd', 'web');
const FILES: Record<string, string> = {
  '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

export const MAX_BODY = 4096;
export const MAX_CLIENTS = 32;
export const BACKLOG = 5000;
export const REFRESH_MS = 50;
/** MCPs whose status is read per refresh (the lowest pids); the rest are only counted. */
export const MAX_MCPS = 256;

export interface McpState {
  pid: number; name: string; user: string; state: string; wanted: number; granted: number; provisioned: number;
  preempt_pending: number; lasterr: string; color: string; mine: boolean;
}

export interface WebState {
  user: string;
  hostowner: string;
  clock: { mode: string; now: number; speed: number };
  machine: { ncores: number; policy: string; grace: number; tick: number };
  cores: CoreRow[];
  mcps: McpState[];
  /** MCPs listed in /mcp (mcps holds at most MAX_MCPS of them) */
  mcps_total: number;
  /** palette for pids no longer listed (pidColor(pid) = palette[(pid-1) % n]) */
  palette: string[];
}

export interface WebOptions {
  session: Session;
  /** loopback address to listen on (default 127.0.0.1) */
  host?: string;
  /** 0 = any free port */
  port?: number;
}

export interface WebServer {
  url: string;
  port: number;
  /** the user the page acts as (/dev/user) */
  user: string;
  close(): Promise<void>;
}

const ALLOWED_CTL = /^(want \d+|cores \d+|\d+|yield \d+( nice)?|kill)$/;
const ALLOWED_SIM = /^(pause|resume|step \d+(\.\d+)?(ns|us|ms|s)?)$/;

async function readState(s: Session, user: string, hostowner: string): Promise<WebState> {
  const [sim, map, summary, pids] = await Promise.all([
    s.read('/sim/status'), s.read('/core/map'), readSummary(s), listPids(s, 'mcp'),
  ]);
  const k = parseKeyed(sim);
  const mcps = (await Promise.all(pids.slice(0, MAX_MCPS).map(async (pid) => {
    const st = await s.readMaybe(`/mcp/${pid}/status`);
    if (st === undefined) return undefined;
    const m = parseKeyed(st);
    const n = (x: string | undefined) => Number(x ?? 0);
    return {
      pid, name: m.name ?? '', user: m.user ?? '', state: m.state ?? '', wanted: n(m.wanted), granted: n(m.granted),
      provisioned: n(m.provisioned), preempt_pending: n(m.preempt_pending), lasterr: m.lasterr ?? '', color: pidColor(pid),
      mine: m.user === user || user === hostowner,
    };
  }))).filter((x): x is McpState => x !== undefined);
  return {
    user, hostowner,
    clock: { mode: k.mode ?? '?', now: Number(k.now ?? 0), speed: Number(k.speed ?? 1) },
    machine: { ncores: Number(summary.ncores), policy: String(summary.policy), grace: Number(summary.grace), tick: Number(summary.tick) },
    cores: parseCoreMap(map), mcps, mcps_total: pids.length,
    palette: Array.from({ length: 16 }, (_x, i) => pidColor(i + 1)),
  };
}

class TooLarge extends Error {
  constructor() { super(`request body over ${MAX_BODY} bytes`); }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const parts: Buffer[] = [];
    const onData = (b: Buffer): void => {
      n += b.length;
      if (n <= MAX_BODY) { parts.push(b); return; }
      // keep nothing more; the reply closes the connection (Connection: close)
      req.off('data', onData);
      req.resume();
      reject(new TooLarge());
    };
    req.on('data', onData);
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')); } catch { reject(new CliError('request body: not JSON', 2)); }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export async function startWeb(o: WebOptions): Promise<WebServer> {
  const s = o.session;
  const host = o.host ?? '127.0.0.1';
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) throw new CliError(`listen ${host}: the page is served on loopback only (127.0.0.1, ::1, localhost)`, 2);
  const hostName = host.includes(':') ? `[${host}]` : host;
  const [user, hostowner] = (await Promise.all([s.read('/dev/user'), s.read('/dev/hostowner')])).map((x) => x.trim());
  const assets = new Map<string, Buffer>();
  for (const f of new Set(Object.values(FILES))) assets.set(f, readFileSync(join(ASSETS, f)));

  const clients = new Set<ServerResponse>();
  const backlog: string[] = [];
  let state = await readState(s, user, hostowner);
  let stateText = JSON.stringify(state);
  let closed = false;

  const emit = (res: ServerResponse, event: string, data: string): void => { res.write(`event: ${event}\ndata: ${data}\n\n`); };
  const broadcast = (event: string, data: string): void => { for (const c of clients) emit(c, event, data); };

  // state refresh: at most one read in flight; a request meanwhile runs once more after it
  let refreshing = false, again = false, timer: NodeJS.Timeout | undefined;
  const refresh = async (): Promise<void> => {
    if (closed) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      do {
        again = false;
        state = await readState(s, user, hostowner);
        const text = JSON.stringify(state);
        if (text !== stateText) { stateText = text; broadcast('state', text); }
      } while (again && !closed);
    } catch (e) {
      if (!closed) broadcast('problem', JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    } finally {
      refreshing = false;
    }
  };
  const soon = (): void => {
    if (timer) return;
    timer = setTimeout(() => { timer = undefined; void refresh(); }, REFRESH_MS);
  };
  const tick = setInterval(() => { void refresh(); }, 1000);

  // the trace: one reader for every page
  const stop = new AbortController();
  const split = new LineSplitter();
  const dec = new StringDecoder('utf8');
  const traced = follow(s, '/sim/trace', (b) => {
    const lines = split.push(dec.write(b)).filter((l) => l !== '');
    if (!lines.length) return;
    backlog.push(...lines);
    if (backlog.length > BACKLOG) backlog.splice(0, backlog.length - BACKLOG);
    broadcast('trace', JSON.stringify({ lines }));
    soon();
  }, stop.signal).catch((e: unknown) => {
    if (!closed) broadcast('problem', JSON.stringify({ error: `trace: ${e instanceof Error ? e.message : String(e)}` }));
  });

  const act = async (fn: () => Promise<unknown>, res: ServerResponse): Promise<void> => {
    try {
      const r = await fn();
      await refresh();
      send(res, 200, { ok: true, ...(r && typeof r === 'object' ? r : {}) });
    } catch (e) {
      const code = e instanceof CliError && e.exit === 2 ? 400 : 409;
      send(res, code, { ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  };

  let port = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hostHdr = req.headers.host ?? '';
    if (hostHdr !== `${hostName}:${port}` && hostHdr !== `localhost:${port}`) { send(res, 421, { error: `host ${hostHdr} not served` }); return; }
    if (req.method === 'GET' && FILES[url.pathname]) {
      const f = FILES[url.pathname];
      res.writeHead(200, { 'content-type': TYPES[f.split('.').pop()!], 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(assets.get(f));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/state') { send(res, 200, state); return; }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      if (clients.size >= MAX_CLIENTS) { send(res, 503, { error: `at most ${MAX_CLIENTS} pages` }); return; }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      clients.add(res);
      req.on('close', () => clients.delete(res));
      emit(res, 'state', stateText);
      if (backlog.length) emit(res, 'trace', JSON.stringify({ lines: backlog, backlog: true }));
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      if (req.headers['x-akaros'] !== '1') { send(res, 403, { error: 'missing X-Akaros header' }); return; }
      readBody(req).then((body) => {
        const b = (body ?? {}) as { pid?: unknown; cmd?: unknown; name?: unknown };
        const cmd = typeof b.cmd === 'string' ? b.cmd.trim() : '';
        switch (url.pathname) {
          case '/api/ctl':
            if (!Number.isInteger(b.pid) || !ALLOWED_CTL.test(cmd)) { send(res, 400, { ok: false, error: `ctl: want {pid, cmd} with cmd want N, cores N, yield V [nice] or kill; got ${JSON.stringify(body).slice(0, 80)}` }); return; }
            void act(() => s.write(`/mcp/${b.pid as number}/ctl`, `${cmd}\n`, cmd), res);
            return;
          case '/api/sim':
            if (!ALLOWED_SIM.test(cmd)) { send(res, 400, { ok: false, error: `sim: want pause, resume or step DURATION; got ${JSON.stringify(cmd).slice(0, 40)}` }); return; }
            void act(() => s.write('/sim/ctl', `${cmd}\n`, cmd), res);
            return;
          case '/api/new': {
            const name = typeof b.name === 'string' ? b.name.trim() : '';
            if (name && !/^[\w.-]{1,19}$/.test(name)) { send(res, 400, { ok: false, error: `name "${name.slice(0, 30)}": 1-19 letters, digits, . _ -` }); return; }
            void act(async () => {
              const pid = Number((await s.read('/mcp/clone')).trim());
              if (name) await s.write(`/mcp/${pid}/ctl`, `name ${name}\n`);
              return { pid };
            }, res);
            return;
          }
          default: send(res, 404, { error: 'no such call' });
        }
      }, (e: unknown) => {
        if (e instanceof TooLarge) res.setHeader('connection', 'close');
        send(res, e instanceof TooLarge ? 413 : 400, { ok: false, error: e instanceof Error ? e.message : String(e) });
      });
      return;
    }
    send(res, 404, { error: `${req.method} ${url.pathname}: not here` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const heartbeat = setInterval(() => { for (const c of clients) c.write(': keep-alive\n\n'); }, 15000);

  return {
    url: `http://${hostName}:${port}/`,
    port,
    user,
    close: async () => {
      closed = true;
      clearInterval(tick);
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      stop.abort();
      await traced;
      for (const c of clients) c.end();
      clients.clear();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await done;
    },
  };
}
