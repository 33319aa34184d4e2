/**
 * Applies a `$v: 1` update (the form MongoDB up to 4.4 logged: `$set` and `$unset` of dotted paths) to a
 * document. Fields are set in the order the entry lists them (the order the primary applied them);
 * a new field goes to the end of its sub-document, an array index past the end pads with null, and
 * `$unset` of an array element nulls it, as the server does. A path that crosses a scalar cannot exist;
 * like the server's idempotent (initial sync) mode, that one path is left as it is, since only a replay
 * can meet it and a later entry rewrites the field. Never mutates its input.
 */
import type { Document } from 'mongodb';
import { fieldNames } from '../../lib/bson.js';
import { put } from './update-v2.js';
import { isDocument } from './values.js';

type Container = Document | unknown[];

export function applyV1Update(pre: Document, update: Document): Document {
  let doc = pre;
  const set = (update.$set as Document | undefined) ?? {};
  for (const path of fieldNames(set)) {
    doc = (setPath(doc, path.split('.'), set[path]) as Document | undefined) ?? doc;
  }
  for (const path of fieldNames((update.$unset as Document | undefined) ?? {})) {
    doc = (unsetPath(doc, path.split('.')) as Document | undefined) ?? doc;
  }
  return doc;
}

/** A copy of `c` with the value at `path` set; undefined when the path cannot exist in `c`. */
function setPath(c: Container, path: string[], value: unknown): Container | undefined {
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(c)) {
    const index = arrayIndex(head);
    if (index === undefined) return undefined;
    const child = rest.length === 0 ? value : descend(c[index], rest, value);
    if (child === undefined) return undefined;
    const out = [...c];
    while (out.length < index) out.push(null);
    out[index] = child;
    return out;
  }
  const child = rest.length === 0 ? value : descend(c[head], rest, value);
  return child === undefined ? undefined : withField(c, head, child);
}

function descend(current: unknown, rest: string[], value: unknown): unknown {
  if (current === undefined) return setPath({}, rest, value);
  if (Array.isArray(current) || isDocument(current)) return setPath(current, rest, value);
  return undefined;
}

/** A copy of `c` without the value at `path`; undefined when there is nothing to remove. */
function unsetPath(c: Container, path: string[]): Container | undefined {
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(c)) {
    const index = arrayIndex(head);
    if (index === undefined || index >= c.length) return undefined;
    const child = rest.length === 0 ? null : unsetIn(c[index], rest);
    if (child === undefined) return undefined;
    const out = [...c];
    out[index] = child;
    return out;
  }
  if (!Object.hasOwn(c, head)) return undefined;
  if (rest.length === 0) {
    const out: Document = {};
    for (const name of fieldNames(c)) if (name !== head) put(out, name, c[name]);
    return out;
  }
  const child = unsetIn(c[head], rest);
  return child === undefined ? undefined : withField(c, head, child);
}

function unsetIn(current: unknown, rest: string[]): unknown {
  return Array.isArray(current) || isDocument(current) ? unsetPath(current, rest) : undefined;
}

function withField(doc: Document, name: string, value: unknown): Document {
  const out: Document = {};
  for (const n of fieldNames(doc)) put(out, n, n === name ? value : doc[n]);
  if (!Object.hasOwn(doc, name)) put(out, name, value);
  return out;
}

function arrayIndex(segment: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : undefined;
}
