// SPDX-License-Identifier: GPL-2.0-or-later
//
// A JSON Schema checker for the subset cmd/schemas/ uses (2020-12 keywords: $ref to
// #/$defs/... or another file of the folder, type, enum, const, properties, required,
// additionalProperties, items, oneOf, allOf, minimum, maximum, exclusiveMinimum,
// pattern, minLength, minItems). A keyword outside the subset is an error, so a schema
// cannot silently check less than it says.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';

export const SCHEMA_DIR = join(PROJECT_ROOT, 'cmd', 'schemas');

type Schema = boolean | { [k: string]: any };

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description']);
const KEYWORDS = new Set(['$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items',
  'oneOf', 'allOf', 'minimum', 'maximum', 'exclusiveMinimum', 'pattern', 'minLength', 'minItems']);

const files = new Map<string, Schema>();

export function loadSchema(file: string): Schema {
  let s = files.get(file);
  if (s === undefined) {
    s = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Schema;
    files.set(file, s);
  }
  return s;
}

function resolve(ref: string, file: string): { schema: Schema; file: string } {
  const [f, frag] = ref.split('#');
  const target = f === '' ? file : f;
  let s: any = loadSchema(target);
  for (const part of (frag ?? '').split('/').filter(Boolean)) {
    s = s?.[part];
    if (s === undefined) throw new Error(`${file}: $ref ${ref} does not resolve`);
  }
  return { schema: s, file: target };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const matchesType = (v: unknown, t: string): boolean => {
  const got = typeOf(v);
  return got === t || (t === 'number' && got === 'integer');
};

/** Every violation of `schema` (from `file`) by `v`, as "path: what". */
export function check(v: unknown, schema: Schema, file: string, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  const errs: string[] = [];
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) errs.push(`${file}: unsupported keyword "${k}" at ${path}`);
  }
  if (schema.$ref !== undefined) {
    const r = resolve(schema.$ref, file);
    errs.push(...check(v, r.schema, r.file, path));
  }
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(v, t))) {
      errs.push(`${path}: ${JSON.stringify(v)} is ${typeOf(v)}, not ${types.join('|')}`);
      return errs;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((e: unknown) => e === v)) errs.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== v) errs.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(schema.const)}`);
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) errs.push(`${path}: ${v} < ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) errs.push(`${path}: ${v} > ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum) errs.push(`${path}: ${v} <= ${schema.exclusiveMinimum}`);
  }
  if (typeof v === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(v)) errs.push(`${path}: ${JSON.stringify(v)} does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && v.length < schema.minLength) errs.push(`${path}: shorter than ${schema.minLength}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items !== undefined) v.forEach((x, i) => errs.push(...check(x, schema.items, file, `${path}[${i}]`)));
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in o)) errs.push(`${path}: missing "${r}"`);
    for (const [k, x] of Object.entries(o)) {
      if (schema.properties && k in schema.properties) errs.push(...check(x, schema.properties[k], file, `${path}.${k}`));
      else if (schema.additionalProperties !== undefined) errs.push(...check(x, schema.additionalProperties, file, `${path}.${k}`));
    }
  }
  for (const s of schema.allOf ?? []) errs.push(...check(v, s, file, path));
  if (schema.oneOf !== undefined) {
    const ok = (schema.oneOf as Schema[]).filter((s) => check(v, s, file, path).length === 0).length;
    if (ok !== 1) errs.push(`${path}: matches ${ok} of oneOf's ${schema.oneOf.length} schemas, not exactly 1`);
  }
  return errs;
}

/** Violations of cmd/schemas/FILE by v ([] when it conforms). */
export function validate(v: unknown, file: string): string[] {
  return check(v, loadSchema(file), file);
}
