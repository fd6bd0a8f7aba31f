// SPDX-License-Identifier: GPL-2.0-or-later
//
// The core timeline: one row per pcore, virtual time across, a bar per tenure coloured by
// MCP, each warning's grace period hatched over the victim's bar, a triangle where a
// warning was sent and a red cross where a core was revoked by force; axes with units and
// a legend. Every mark carries its virtual time (data-t...) and the plot area is on the
// root (data-x0/x1, data-t0/t1), so a test can check positions without a renderer.

import type { Timeline } from './trace-model.js';
import { clip } from './trace-model.js';
import { procLabel } from './trace-chrome.js';
import { el, esc, fmtNs, pidColor, px, scale, svgDoc, text, tickLabel, ticks, timeUnit } from './svg.js';

export interface TimelineSvgOptions {
  from?: number;
  to?: number;
  width?: number;
  title?: string;
}

const LEFT = 78, RIGHT = 24, TOP = 44, AXIS = 46;

export function timelineSvg(full: Timeline, o: TimelineSvgOptions = {}): string {
  const from = o.from ?? full.t0, to = Math.max(o.to ?? full.t1, from + 1);
  const tl = clip(full, from, to);
  const W = o.width ?? 1000;
  const rowH = full.ncores <= 32 ? 18 : full.ncores <= 128 ? 8 : 3;
  const plotH = rowH * full.ncores;
  const x = scale(from, to, LEFT, W - RIGHT);
  const y = (c: number) => TOP + c * rowH;
  const body: string[] = [];

  body.push(el('defs', {},
    el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      el('rect', { width: 6, height: 6, fill: '#ffffff', 'fill-opacity': 0.35 }),
      el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#222222', 'stroke-width': 2 }))));
  body.push(text(LEFT, 20, o.title ?? 'cores × virtual time', { 'font-size': 14, 'font-weight': 'bold' }));
  body.push(text(LEFT, 36, `${fmtNs(from)} – ${fmtNs(to)}; colour = MCP holding the core`, { fill: '#555555' }));

  // rows
  for (let c = 0; c < full.ncores; c++) {
    const ll = full.ll.includes(c);
    body.push(el('rect', { class: 'row', x: LEFT, y: y(c), width: W - RIGHT - LEFT, height: rowH, fill: ll ? '#eeeeee' : c % 2 ? '#fafafa' : '#f3f3f3' }));
    if (rowH >= 8 && (rowH >= 12 || c % 4 === 0)) {
      body.push(text(LEFT - 6, y(c) + rowH * 0.72, `${c}${ll ? ' ll' : ''}`, { 'text-anchor': 'end', 'font-size': Math.min(11, rowH - 2) }));
    }
  }
  // tenures
  for (const t of tl.tenures) {
    body.push(el('rect', {
      class: 'tenure', x: x(t.t0), y: y(t.pcore) + 1, width: Math.max(0.5, x(t.t1) - x(t.t0)), height: rowH - 2,
      fill: pidColor(t.pid), 'data-pid': t.pid, 'data-pcore': t.pcore, 'data-vcore': t.vcore, 'data-t0': t.t0, 'data-t1': t.t1, 'data-end': t.end,
    }, el('title', {}, esc(`${procLabel(full, t.pid)} vcore ${t.vcore} on core ${t.pcore}: ${fmtNs(t.t0)} – ${fmtNs(t.t1)} (${t.end})`))));
  }
  // grace periods and warnings
  for (const w of tl.warnings) {
    const a = Math.max(from, w.t), b = Math.min(to, w.end);
    if (b > a) {
      body.push(el('rect', {
        class: 'grace', x: x(a), y: y(w.pcore) + 1, width: x(b) - x(a), height: rowH - 2, fill: 'url(#hatch)',
        'data-pcore': w.pcore, 'data-t0': w.t, 'data-t1': w.end, 'data-outcome': w.outcome,
      }, el('title', {}, esc(`grace on core ${w.pcore}: warned ${fmtNs(w.t)}, deadline ${fmtNs(w.deadline)}, ${w.outcome}`))));
    }
    if (w.t >= from && w.t <= to) {
      const cx = x(w.t), top = y(w.pcore);
      body.push(el('path', {
        class: 'warn', d: `M${px(cx - 4)},${px(top - 1)} L${px(cx + 4)},${px(top - 1)} L${px(cx)},${px(top + Math.min(7, rowH / 2))} Z`,
        fill: '#f1c40f', stroke: '#7a5c00', 'stroke-width': 0.8, 'data-pcore': w.pcore, 'data-t': w.t, 'data-x': cx,
      }, el('title', {}, esc(`warn: core ${w.pcore} (mcp ${w.pid} vcore ${w.vcore}) at ${fmtNs(w.t)}, deadline ${fmtNs(w.deadline)}`))));
    }
  }
  // forced revokes
  for (const r of tl.revokes) {
    const cx = x(r.t), cy = y(r.pcore) + rowH / 2, d = Math.min(5, rowH / 2 - 1);
    body.push(el('path', {
      class: 'revoke', d: `M${px(cx - d)},${px(cy - d)} L${px(cx + d)},${px(cy + d)} M${px(cx - d)},${px(cy + d)} L${px(cx + d)},${px(cy - d)}`,
      stroke: '#d62728', 'stroke-width': 2.2, fill: 'none', 'data-pcore': r.pcore, 'data-t': r.t, 'data-x': cx,
    }, el('title', {}, esc(`forced revoke: core ${r.pcore} from mcp ${r.pid} at ${fmtNs(r.t)}`))));
  }

  // x axis
  const axisY = TOP + plotH;
  const { unit, div } = timeUnit(to - from);
  body.push(el('line', { x1: LEFT, y1: axisY, x2: W - RIGHT, y2: axisY, stroke: '#333333' }));
  body.push(el('line', { x1: LEFT, y1: TOP, x2: LEFT, y2: axisY, stroke: '#333333' }));
  for (const v of ticks(from, to)) {
    const tx = x(v);
    body.push(el('line', { class: 'tick', x1: tx, y1: axisY, x2: tx, y2: axisY + 5, stroke: '#333333', 'data-t': v }));
    body.push(text(tx, axisY + 17, tickLabel(v, div), { 'text-anchor': 'middle' }));
  }
  body.push(text((LEFT + W - RIGHT) / 2, axisY + 34, `virtual time (${unit})`, { 'text-anchor': 'middle' }));
  body.push(text(14, TOP + plotH / 2, 'core', { 'text-anchor': 'middle', transform: `rotate(-90 14 ${px(TOP + plotH / 2)})` }));

  // legend
  const pids = [...new Set(tl.tenures.map((t) => t.pid))].sort((a, b) => a - b);
  const items: string[] = [];
  let lx = LEFT, ly = axisY + AXIS + 8;
  const add = (w: number, swatch: string, label: string): void => {
    if (lx + w > W - RIGHT) { lx = LEFT; ly += 18; }
    items.push(el('g', { class: 'legend-item', transform: `translate(${px(lx)},${px(ly)})` }, swatch, text(18, 10, label)));
    lx += w;
  };
  for (const pid of pids) {
    const label = procLabel(full, pid);
    add(28 + label.length * 6.5, el('rect', { class: 'legend-swatch', 'data-pid': pid, x: 0, y: 0, width: 13, height: 13, fill: pidColor(pid) }), label);
  }
  add(120, el('path', { d: 'M2,1 L12,1 L7,10 Z', fill: '#f1c40f', stroke: '#7a5c00' }), 'preempt warning');
  add(110, el('rect', { x: 0, y: 0, width: 13, height: 13, fill: 'url(#hatch)', stroke: '#999999' }), 'grace period');
  add(110, el('path', { d: 'M2,2 L11,11 M2,11 L11,2', stroke: '#d62728', 'stroke-width': 2.2 }), 'forced revoke');
  body.push(el('g', { class: 'legend' }, ...items));
  const H = ly + 26;

  const svg = svgDoc(W, H, body, o.title ?? 'akaros core timeline');
  return svg.replace('<svg ', `<svg data-x0="${LEFT}" data-x1="${W - RIGHT}" data-t0="${from}" data-t1="${to}" `);
}
