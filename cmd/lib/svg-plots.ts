// SPDX-License-Identifier: GPL-2.0-or-later
//
// Plots of a workload's results (results.ts): the latency CDF (fraction of operations at
// or below each latency, one step curve per workload) and FTQ samples (work per quantum
// against virtual time). Same conventions as the timeline: units on the axes, a legend,
// data-* attributes on the marks.

import type { FtqResult, LatencyResult } from './results.js';
import { el, esc, pidColor, px, scale, svgDoc, text, tickLabel, ticks, timeUnit } from './svg.js';

const L = 70, R = 24, T = 44, B = 56, W = 760, H = 420;

interface Series { label: string; color: string; points: [number, number][]; cls: string }

function frame(title: string, xLabel: string, yLabel: string, xs: [number, number], ys: [number, number],
  xTick: (v: number) => string, series: Series[], step: boolean): string {
  const x = scale(xs[0], xs[1], L, W - R), y = scale(ys[0], ys[1], H - B, T);
  const body: string[] = [text(L, 22, title, { 'font-size': 14, 'font-weight': 'bold' })];
  body.push(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#333333' }));
  body.push(el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#333333' }));
  for (const v of ticks(xs[0], xs[1], 8)) {
    body.push(el('line', { x1: x(v), y1: H - B, x2: x(v), y2: H - B + 5, stroke: '#333333' }));
    body.push(text(x(v), H - B + 17, xTick(v), { 'text-anchor': 'middle' }));
  }
  for (const v of ticks(ys[0], ys[1], 5)) {
    body.push(el('line', { x1: L - 5, y1: y(v), x2: W - R, y2: y(v), stroke: '#dddddd' }));
    body.push(text(L - 8, y(v) + 4, String(Number(v.toPrecision(6))), { 'text-anchor': 'end' }));
  }
  body.push(text((L + W - R) / 2, H - B + 36, xLabel, { 'text-anchor': 'middle' }));
  body.push(text(16, (T + H - B) / 2, yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 16 ${px((T + H - B) / 2)})` }));
  series.forEach((s, i) => {
    let d = '';
    s.points.forEach(([a, b], j) => {
      if (j === 0) d += `M${px(x(a))},${px(y(b))}`;
      else if (step) d += ` H${px(x(a))} V${px(y(b))}`;
      else d += ` L${px(x(a))},${px(y(b))}`;
    });
    body.push(el('path', { class: s.cls, d, fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'data-n': s.points.length },
      el('title', {}, esc(s.label))));
    const ly = T + 4 + i * 16;
    body.push(el('g', { class: 'legend-item', transform: `translate(${W - R - 180},${ly})` },
      el('rect', { x: 0, y: 0, width: 12, height: 12, fill: s.color }), text(18, 10, s.label)));
  });
  return svgDoc(W, H, body, title);
}

/** Latency CDF: x latency (virtual time units), y fraction of operations ≤ x. */
export function cdfSvg(ws: LatencyResult[], title = 'latency CDF'): string {
  const all = ws.flatMap((w) => w.samples);
  const max = all.length ? Math.max(...all) : 1;
  const { unit, div } = timeUnit(max);
  const series: Series[] = ws.map((w, i) => {
    const s = [...w.samples].sort((a, b) => a - b);
    const pts: [number, number][] = [[0, 0]];
    s.forEach((v, j) => { if (j + 1 < s.length && s[j + 1] === v) return; pts.push([v, (j + 1) / s.length]); });
    return { label: `${w.mcp} ${w.name} (n=${s.length})`, color: pidColor(i + 1), points: pts, cls: 'cdf' };
  });
  return frame(title, `latency (${unit}, virtual)`, 'fraction of operations ≤ x', [0, max || 1], [0, 1],
    (v) => tickLabel(v, div), series, true);
}

/** FTQ: work per quantum against virtual time. */
export function ftqSvg(ws: FtqResult[], title = 'FTQ: work per quantum'): string {
  const t0 = Math.min(...ws.map((w) => w.start_ns));
  const t1 = Math.max(...ws.map((w) => w.start_ns + w.samples.length * w.interval_ns));
  const ymax = Math.max(1, ...ws.flatMap((w) => w.samples));
  const { unit, div } = timeUnit(t1 - t0);
  const series: Series[] = ws.map((w, i) => ({
    label: `${w.mcp} ${w.name} (${tickLabel(w.interval_ns, timeUnit(w.interval_ns).div)} ${timeUnit(w.interval_ns).unit} quanta)`,
    color: pidColor(i + 1), cls: 'ftq',
    points: w.samples.map((v, j) => [w.start_ns + (j + 0.5) * w.interval_ns, v] as [number, number]),
  }));
  return frame(title, `virtual time (${unit})`, 'work per quantum', [t0, t1 > t0 ? t1 : t0 + 1], [0, ymax],
    (v) => tickLabel(v, div), series, false);
}
