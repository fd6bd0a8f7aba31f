// SPDX-License-Identifier: GPL-2.0-or-later
//
// The akaros web page: the core grid, a scrolling timeline of the trace, the MCPs with
// their controls, recent events. Everything comes from the page's own server
// (cmd/lib/web-server.ts) as server-sent events: `state` (the files it read) and
// `trace` (/sim/trace lines). Controls POST to it; it writes the same ctl files.
'use strict';

const $ = (id) => document.getElementById(id);
let state = null;
let stateAt = 0;
let palette = ['#4e79a7'];
let ncores = 0;
const MAX_EVENTS = 60;
const KEEP_NS = 30e9;

const color = (pid) => palette[(pid - 1 + palette.length) % palette.length];

// ---- trace records -----------------------------------------------------------------------

/** "T KIND k=v k='a b'" -> {t, kind, f}; Plan 9 quoting ('' is a quote inside quotes). */
function parseRecord(line) {
  const toks = [];
  let cur = '', q = false, any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === "'") { if (line[i + 1] === "'") { cur += "'"; i++; } else q = false; } else cur += c;
    } else if (c === "'") { q = true; any = true; } else if (c === ' ') { if (cur || any) toks.push(cur); cur = ''; any = false; } else cur += c;
  }
  if (cur || any) toks.push(cur);
  const f = {};
  for (const kv of toks.slice(2)) {
    const i = kv.indexOf('=');
    if (i > 0) { const v = kv.slice(i + 1); f[kv.slice(0, i)] = /^-?\d+$/.test(v) ? Number(v) : v; }
  }
  return { t: Number(toks[0]), kind: toks[1], f };
}

const model = { open: new Map(), segs: [], warns: [], pending: new Map(), revokes: [], lastT: 0 };

function closeSeg(pcore, t) {
  const s = model.open.get(pcore);
  if (s) { s.t1 = t; model.open.delete(pcore); }
}
function endWarn(pcore, t, outcome) {
  const w = model.pending.get(pcore);
  if (w) { w.end = t; w.outcome = outcome; model.pending.delete(pcore); }
}

function onRecord(r) {
  const { t, f } = r;
  if (t > model.lastT) model.lastT = t;
  switch (r.kind) {
    case 'machine': ncores = f.ncores; break;
    case 'hold': case 'grant': case 'change': {
      closeSeg(f.pcore, t);
      const s = { pid: f.pid, pcore: f.pcore, t0: t, t1: null };
      model.open.set(f.pcore, s);
      model.segs.push(s);
      break;
    }
    case 'yield': endWarn(f.pcore, t, 'yield'); closeSeg(f.pcore, t); break;
    case 'revoke': endWarn(f.pcore, t, 'revoke'); closeSeg(f.pcore, t); model.revokes.push({ pcore: f.pcore, t }); break;
    case 'warn': {
      endWarn(f.pcore, t, 'withdraw');
      const w = { pcore: f.pcore, t, end: null, outcome: 'open' };
      model.pending.set(f.pcore, w);
      model.warns.push(w);
      break;
    }
    case 'withdraw': endWarn(f.pcore, t, 'withdraw'); break;
    case 'exit':
      for (const [c, s] of [...model.open]) if (s.pid === f.pid) { endWarn(c, t, 'exit'); closeSeg(c, t); }
      break;
    default: break;
  }
  if (r.kind !== 'state' && r.kind !== 'sync') addEvent(r);
}

function prune(now) {
  const old = now - KEEP_NS;
  model.segs = model.segs.filter((s) => s.t1 === null || s.t1 >= old);
  model.warns = model.warns.filter((w) => w.end === null || w.end >= old);
  model.revokes = model.revokes.filter((r) => r.t >= old);
}

const events = [];
function addEvent(r) {
  events.push(r);
  if (events.length > MAX_EVENTS) events.shift();
}

function renderEvents() {
  const ol = $('events');
  ol.replaceChildren(...events.slice().reverse().map((r) => {
    const li = document.createElement('li');
    li.className = r.kind;
    li.textContent = `${fmtNs(r.t)}  ${r.kind} ${Object.entries(r.f).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    return li;
  }));
}

// ---- time ----------------------------------------------------------------------------------

function fmtNs(ns) {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

/** Virtual now: the last status read, moved on by the clock's speed if it runs. */
function nowNs() {
  if (!state) return model.lastT;
  let n = state.clock.now;
  if (state.clock.mode === 'running') n += (performance.now() - stateAt) * 1e6 * state.clock.speed;
  return Math.max(n, model.lastT);
}

// ---- the grid and the table ----------------------------------------------------------------

function renderGrid() {
  const grid = $('grid');
  const cores = state.cores;
  while (grid.children.length > cores.length) grid.lastChild.remove();
  while (grid.children.length < cores.length) {
    const d = document.createElement('div');
    d.className = 'cell';
    d.innerHTML = '<span class="n"></span><span class="o"></span>';
    grid.appendChild(d);
  }
  cores.forEach((c, i) => {
    const d = grid.children[i];
    const owner = c.alloc === null ? '' : String(c.alloc);
    d.className = `cell ${c.role} ${c.state}`;
    d.dataset.core = String(c.core);
    d.dataset.owner = owner;
    d.dataset.prov = c.prov === null ? '' : String(c.prov);
    d.style.backgroundColor = c.alloc !== null && c.role !== 'll' ? color(c.alloc) : '';
    d.style.borderColor = c.prov !== null ? color(c.prov) : 'transparent';
    d.title = `core ${c.core} (${c.role}) ${c.state}${c.alloc !== null ? `, mcp ${c.alloc} vcore ${c.vcore}` : ''}${c.prov !== null ? `, provisioned to ${c.prov}` : ''}`;
    d.children[0].textContent = `${c.core}${c.role === 'll' ? ' ll' : ''}`;
    d.children[1].textContent = c.role === 'll' ? '' : c.alloc !== null ? String(c.alloc) : c.state === 'offline' ? 'off' : '·';
  });
}

const rows = new Map();

function cellsOf(tr) { return tr.querySelectorAll('td'); }

function makeRow(m) {
  const tr = document.createElement('tr');
  tr.dataset.pid = String(m.pid);
  tr.innerHTML = '<td class="sw"><span></span></td><td></td><td></td><td></td><td></td><td></td><td></td><td></td>' +
    '<td class="ctl"><input class="n" type="number" min="0" value="1" aria-label="cores">' +
    ' <button class="want">want</button> <button class="cores">cores</button>' +
    ' <input class="vc" type="number" min="0" value="0" aria-label="vcore"> <button class="yield">yield</button>' +
    ' <button class="kill">kill</button></td>';
  const n = () => tr.querySelector('input.n').value.trim();
  tr.querySelector('button.want').onclick = () => ctl(m.pid, `want ${n()}`);
  tr.querySelector('button.cores').onclick = () => ctl(m.pid, `cores ${n()}`);
  tr.querySelector('button.yield').onclick = () => ctl(m.pid, `yield ${tr.querySelector('input.vc').value.trim()}`);
  tr.querySelector('button.kill').onclick = () => ctl(m.pid, 'kill');
  return tr;
}

function renderTable() {
  const body = document.querySelector('#mcps tbody');
  const seen = new Set();
  for (const m of state.mcps) {
    seen.add(m.pid);
    let tr = rows.get(m.pid);
    if (!tr) { tr = makeRow(m); rows.set(m.pid, tr); }
    const td = cellsOf(tr);
    td[0].firstChild.style.background = m.color;
    const vals = [m.pid, m.name, m.user, m.state, m.wanted, m.granted, m.provisioned];
    vals.forEach((v, i) => { td[i + 1].textContent = String(v); });
    td[4].title = m.lasterr ? `lasterr: ${m.lasterr}` : '';
    const dead = m.state === 'DYING' || m.state === 'DYING_ABORT';
    tr.classList.toggle('dead', dead);
    for (const b of tr.querySelectorAll('button, input')) b.disabled = !m.mine || dead;
    body.appendChild(tr);   // keeps pid order: mcps come sorted
  }
  for (const [pid, tr] of rows) if (!seen.has(pid)) { tr.remove(); rows.delete(pid); }
  $('more').textContent = state.mcps_total > state.mcps.length ? `and ${state.mcps_total - state.mcps.length} more MCPs (not shown)` : '';
}

function renderHeader() {
  $('who').textContent = `${state.user}${state.user === state.hostowner ? ' (host owner)' : ''} · ${state.machine.ncores} cores · ${state.machine.policy} · grace ${fmtNs(state.machine.grace)}`;
  for (const b of document.querySelectorAll('[data-sim]')) b.disabled = state.user !== state.hostowner;
}

function renderClock() {
  if (!state) return;
  $('clock').textContent = `${state.clock.mode} · ${fmtNs(Math.round(nowNs()))}${state.clock.speed !== 1 ? ` ×${state.clock.speed}` : ''}`;
}

// ---- the timeline --------------------------------------------------------------------------

let hatch = null;
function hatchPattern(ctx) {
  if (hatch) return hatch;
  const c = document.createElement('canvas');
  c.width = c.height = 8;
  const g = c.getContext('2d');
  g.strokeStyle = 'rgba(0,0,0,.7)';
  g.lineWidth = 2;
  g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.stroke();
  hatch = ctx.createPattern(c, 'repeat');
  return hatch;
}

function niceStep(span) {
  const raw = span / 8, p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

function drawTimeline() {
  const cv = $('timeline');
  const n = Math.max(ncores, state ? state.cores.length : 0, 1);
  const rowH = Math.max(3, Math.min(14, Math.floor(240 / n)));
  const left = 34, axis = 22;
  const cssW = cv.clientWidth || 800, cssH = n * rowH + axis + 4;
  const dpr = window.devicePixelRatio || 1;
  if (cv.width !== Math.round(cssW * dpr) || cv.height !== Math.round(cssH * dpr)) {
    cv.width = Math.round(cssW * dpr); cv.height = Math.round(cssH * dpr); cv.style.height = `${cssH}px`;
  }
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const span = Number($('span').value), now = nowNs(), from = now - span;
  const W = cssW - left - 6;
  const x = (t) => left + ((t - from) / span) * W;
  ctx.font = '10px sans-serif';
  for (let c = 0; c < n; c++) {
    ctx.fillStyle = c % 2 ? '#fafafa' : '#f2f2f2';
    ctx.fillRect(left, c * rowH, W, rowH);
    if (rowH >= 9) { ctx.fillStyle = '#666'; ctx.textAlign = 'right'; ctx.fillText(String(c), left - 4, c * rowH + rowH - 2); }
  }
  for (const s of model.segs) {
    const a = Math.max(s.t0, from), b = s.t1 === null ? now : Math.min(s.t1, now);
    if (b < from || a > now) continue;
    ctx.fillStyle = color(s.pid);
    ctx.fillRect(x(a), s.pcore * rowH + 1, Math.max(1, x(b) - x(a)), rowH - 2);
  }
  for (const w of model.warns) {
    const a = Math.max(w.t, from), b = w.end === null ? now : Math.min(w.end, now);
    if (b >= from && b > a) { ctx.fillStyle = hatchPattern(ctx); ctx.fillRect(x(a), w.pcore * rowH + 1, x(b) - x(a), rowH - 2); }
    if (w.t >= from) {
      ctx.fillStyle = '#f1c40f'; ctx.strokeStyle = '#7a5c00';
      ctx.beginPath(); ctx.moveTo(x(w.t) - 4, w.pcore * rowH); ctx.lineTo(x(w.t) + 4, w.pcore * rowH); ctx.lineTo(x(w.t), w.pcore * rowH + Math.min(7, rowH / 2)); ctx.closePath(); ctx.fill(); ctx.stroke();
    }
  }
  ctx.strokeStyle = '#d62728'; ctx.lineWidth = 2;
  for (const r of model.revokes) {
    if (r.t < from) continue;
    const cx = x(r.t), cy = r.pcore * rowH + rowH / 2, d = Math.min(5, rowH / 2 - 1);
    ctx.beginPath(); ctx.moveTo(cx - d, cy - d); ctx.lineTo(cx + d, cy + d); ctx.moveTo(cx - d, cy + d); ctx.lineTo(cx + d, cy - d); ctx.stroke();
  }
  ctx.lineWidth = 1;
  const y0 = n * rowH;
  ctx.strokeStyle = '#333'; ctx.fillStyle = '#333'; ctx.textAlign = 'center';
  ctx.beginPath(); ctx.moveTo(left, y0); ctx.lineTo(left + W, y0); ctx.stroke();
  const step = niceStep(span);
  const unit = span >= 5e9 ? [1e9, 's'] : span >= 5e6 ? [1e6, 'ms'] : [1e3, 'µs'];
  for (let v = Math.ceil(Math.max(0, from) / step) * step; v <= now; v += step) {
    ctx.beginPath(); ctx.moveTo(x(v), y0); ctx.lineTo(x(v), y0 + 4); ctx.stroke();
    ctx.fillText(`${Number((v / unit[0]).toPrecision(6))}${unit[1]}`, x(v), y0 + 15);
  }
}

// ---- actions -------------------------------------------------------------------------------

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-akaros': '1' }, body: JSON.stringify(body) });
  const j = await r.json().catch(() => ({ ok: false, error: `HTTP ${r.status}` }));
  $('error').textContent = j.ok ? '' : j.error;
  return j;
}
const ctl = (pid, cmd) => post('/api/ctl', { pid, cmd });

for (const b of document.querySelectorAll('[data-sim]')) b.onclick = () => post('/api/sim', { cmd: b.dataset.sim });
$('new').onsubmit = (e) => { e.preventDefault(); post('/api/new', { name: $('new-name').value.trim() }); };
$('span').onchange = () => drawTimeline();

// ---- the event stream ----------------------------------------------------------------------

let frame = 0;
function redraw() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (!state) return;
    prune(nowNs());
    renderClock();
    drawTimeline();
    renderEvents();
    if (state.clock.mode === 'running') redraw();
  });
}

const es = new EventSource('/api/events');
es.onopen = () => { $('conn').textContent = '● live'; $('conn').className = 'conn live'; };
es.onerror = () => { $('conn').textContent = '○ reconnecting'; $('conn').className = 'conn'; };
es.addEventListener('state', (e) => {
  state = JSON.parse(e.data);
  stateAt = performance.now();
  palette = state.palette;
  if (!ncores) ncores = state.machine.ncores;
  renderHeader();
  renderGrid();
  renderTable();
  document.body.dataset.ready = '1';
  redraw();
});
es.addEventListener('trace', (e) => {
  const d = JSON.parse(e.data);
  if (d.backlog) { model.open.clear(); model.segs = []; model.warns = []; model.pending.clear(); model.revokes = []; events.length = 0; }
  for (const l of d.lines) onRecord(parseRecord(l));
  redraw();
});
es.addEventListener('problem', (e) => { $('error').textContent = JSON.parse(e.data).error; });
window.addEventListener('resize', redraw);
