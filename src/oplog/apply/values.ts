/**
 * Small helpers over raw BSON values (as `decodeRaw` gives them: Int32, Double, Long... never promoted).
 * Keys made here compare values by type and content, so an int32 1 and a double 1.0 stay different.
 */
import { BSON, type Document } from 'mongodb';
import { z } from 'zod';

export function isDocument(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A BSON document (a plain object), kept as is: no copy, so field order and value types survive. */
export const BsonDocument = z.custom<Document>(isDocument, 'expected a document');

/** A stable key for a BSON value (canonical EJSON): equal keys mean the same value and type. */
export function valueKey(value: unknown): string {
  return BSON.EJSON.stringify({ v: value } as Document, { relaxed: false });
}

/** The number in a BSON numeric value (number, Int32, Double, Long); NaN for anything else. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof BSON.Int32 || value instanceof BSON.Double) return value.valueOf();
  if (value instanceof BSON.Long) return value.toNumber();
  return Number.NaN;
}

/** Hex of a Binary (a collection or index-build UUID), for map keys and logs. */
export function binaryKey(value: BSON.Binary): string {
  return Buffer.from(value.buffer).toString('hex');
}
