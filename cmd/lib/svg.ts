// SPDX-License-Identifier: GPL-2.0-or-later
//
// Plain SVG, written as text: elements with escaped attributes, linear scales, "nice"
// axis ticks, time labels with units, and the MCP palette the timeline, the plots and the
// web view share. No DOM and no library: the output is small, deterministic and easy to
// check in tests.

export type Attrs = Record<string, string | number | undefined>;

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round a coordinate to 0.01 px so the file stays short and stable. */
export function px(x: number): number {
  return Math.round(x * 100) / 100;
}

/** `<name a="v"...>children</name>`, or self-closing with no children. */
export function el(name: string, attrs: Attrs = {}, ...children: string[]): string {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) s += ` ${k}="${esc(typeof v === 'number' ? String(px(v)) : v)}"`;
  return children.length ? `${s}>${children.join('')}</${name}>` : `${s}/>`;
}

export function text(x: number, y: number, s: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, esc(s));
}

export function svgDoc(width: number, height: number, body: string[], title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el('svg', {
    xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`,
    'font-family': 'DejaVu Sans, Helvetica, Arial, sans-serif', 'font-size': 11,
  }, el('title', {}, esc(title)), el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }), ...body)}\n`;
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** About `n` round tick values covering [a, b] (steps of 1, 2 or 5 times a power of ten). */
export function ticks(a: number, b: number, n = 8): number[] {
  if (!(b > a)) return [a];
  const raw = (b - a) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

/** The unit a span of ns is best labelled in. */
export function timeUnit(spanNs: number): { unit: string; div: number } {
  if (spanNs >= 5e9) return { unit: 's', div: 1e9 };
  if (spanNs >= 5e6) return { unit: 'ms', div: 1e6 };
  if (spanNs >= 5e3) return { unit: 'µs', div: 1e3 };
  return { unit: 'ns', div: 1 };
}

/** A tick label: the value in `div` units, without trailing zeros. */
export function tickLabel(ns: number, div: number): string {
  return String(Number((ns / div).toPrecision(6)));
}

/** A duration for people: 510 ms, 1.5 s, 200 µs. */
export function fmtNs(ns: number): string {
  const { unit, div } = timeUnit(Math.abs(ns) * 5);
  return `${tickLabel(ns, div)} ${unit}`;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f',
  '#86bcb6', '#d37295', '#a0cbe8', '#8cd17d', '#b6992d', '#499894', '#fabfd2', '#79706e'];

/** The colour of MCP `pid` (the same in every view). */
export function pidColor(pid: number): string {
  return PALETTE[(pid - 1 + PALETTE.length) % PALETTE.length];
}
