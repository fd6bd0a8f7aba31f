// SPDX-License-Identifier: GPL-2.0-or-later
//
// A small, strict XML reader for the SVG tests: elements, attributes, text, comments and
// the XML declaration; entities of the five predefined kinds. Anything malformed (an
// unclosed or mismatched tag, a duplicate attribute, a stray '<' or '&') throws, so
// parsing is itself the well-formedness check.

export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

const ENT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    if (!name || !(name in ENT)) throw new Error(`bad entity near offset ${at}: ${m}`);
    return ENT[name];
  });
}

export function parseXml(src: string): XNode {
  let i = 0;
  const fail = (why: string): never => { throw new Error(`xml: ${why} at offset ${i}`); };
  const skipWs = (): void => { while (i < src.length && /\s/.test(src[i])) i++; };
  if (src.startsWith('<?xml', i)) { const e = src.indexOf('?>', i); if (e < 0) fail('unterminated declaration'); i = e + 2; }
  const root: XNode = { name: '#doc', attrs: {}, children: [], text: '' };
  const stack: XNode[] = [root];
  while (i < src.length) {
    const top = stack[stack.length - 1];
    if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
    if (src.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w:.-]*)\s*>/.exec(src.slice(i));
      if (!m) fail('bad end tag');
      if (m![1] !== top.name) fail(`</${m![1]}> closes <${top.name}>`);
      stack.pop();
      i += m![0].length;
      continue;
    }
    if (src[i] === '<') {
      const m = /^<([A-Za-z_][\w:.-]*)/.exec(src.slice(i));
      if (!m) fail('bad start tag');
      i += m![0].length;
      const node: XNode = { name: m![1], attrs: {}, children: [], text: '' };
      for (;;) {
        skipWs();
        if (src.startsWith('/>', i)) { i += 2; top.children.push(node); break; }
        if (src[i] === '>') { i++; top.children.push(node); stack.push(node); break; }
        const a = /^([A-Za-z_][\w:.-]*)\s*=\s*"([^"<]*)"/.exec(src.slice(i));
        if (!a) fail(`bad attribute in <${node.name}>`);
        if (a![1] in node.attrs) fail(`duplicate attribute ${a![1]}`);
        node.attrs[a![1]] = decode(a![2], i);
        i += a![0].length;
      }
      continue;
    }
    const e = src.indexOf('<', i);
    const chunk = src.slice(i, e < 0 ? src.length : e);
    if (stack.length === 1 && chunk.trim() !== '') fail('text outside the root element');
    top.text += decode(chunk, i);
    i = e < 0 ? src.length : e;
  }
  if (stack.length !== 1) fail(`<${stack[stack.length - 1].name}> not closed`);
  const els = root.children;
  if (els.length !== 1) fail(`${els.length} root elements`);
  return els[0];
}

/** Every element below (and including) n, depth first. */
export function all(n: XNode): XNode[] {
  return [n, ...n.children.flatMap(all)];
}

/** Elements whose class attribute contains cls. */
export function byClass(n: XNode, cls: string): XNode[] {
  return all(n).filter((x) => (x.attrs.class ?? '').split(/\s+/).includes(cls));
}
