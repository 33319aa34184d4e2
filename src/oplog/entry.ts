/**
 * Oplog entries as Headwater reads them: the shapes MongoDB 5.0–8.0 writes (and FerretDB's variant, which
 * adds an `_id` and logs updates as `{ $v: 1, $set: <whole document> }`), validated with zod at the boundary.
 * Anything not recognised is refused with UnknownOplogEntry quoting the entry: an unknown shape is never
 * skipped. Values stay raw BSON (Int32, Long, Binary...) as `decodeRaw` gives them.
 */
import { BSON, Timestamp, type Document } from 'mongodb';
import { z } from 'zod';
import { UnknownOplogEntry } from '../errors/domain-errors.js';
import { CommandSchemas, type Command, type CommandName } from './apply/command-schemas.js';
import { checkDiff } from './apply/update-v2.js';
import { BsonDocument, isDocument, toNumber } from './apply/values.js';

export type { Command, CommandName };
export { BsonDocument, isDocument, toNumber, valueKey } from './apply/values.js';

const OpTime = z.looseObject({ ts: z.instanceof(Timestamp), t: z.unknown().optional() });
const HasId = BsonDocument.refine((d) => d._id !== undefined, 'expected an _id');

const common = {
  ns: z.string(),
  /** Absent on the operations nested in an applyOps; they take the outer entry's time. */
  ts: z.instanceof(Timestamp).optional(),
  ui: z.instanceof(BSON.Binary).optional(),
  lsid: BsonDocument.optional(),
  txnNumber: z.unknown().optional(),
  prevOpTime: OpTime.optional(),
  multiOpType: z.unknown().optional(),
  /** Set on updates extracted from an applyOps run with alwaysUpsert. */
  b: z.boolean().optional(),
};

export const InsertEntry = z.looseObject({
  ...common,
  op: z.literal('i'),
  o: HasId,
  o2: BsonDocument.optional(),
});
export const UpdateEntry = z.looseObject({ ...common, op: z.literal('u'), o: BsonDocument, o2: HasId });
export const DeleteEntry = z.looseObject({ ...common, op: z.literal('d'), o: HasId });
export const NoopEntry = z.looseObject({ ...common, op: z.literal('n'), o: BsonDocument.optional() });
export const CommandEntry = z.looseObject({
  ...common,
  op: z.literal('c'),
  ns: z.string().regex(/^[^.]+\.\$cmd$/, "expected '<db>.$cmd'"),
  o: BsonDocument,
});
export const OplogEntry = z.discriminatedUnion('op', [
  InsertEntry,
  UpdateEntry,
  DeleteEntry,
  NoopEntry,
  CommandEntry,
]);

export type InsertEntry = z.infer<typeof InsertEntry>;
export type UpdateEntry = z.infer<typeof UpdateEntry>;
export type DeleteEntry = z.infer<typeof DeleteEntry>;
export type CommandEntry = z.infer<typeof CommandEntry>;
export type OplogEntry = z.infer<typeof OplogEntry>;
export type CrudEntry = InsertEntry | UpdateEntry | DeleteEntry;

/** How a `u` entry describes the new document. */
export type UpdateShape = 'replace' | 'v1' | 'v2' | 'ferretdb-replace';

/**
 * Validates one decoded oplog entry (its command, update form and nested applyOps operations included).
 * @throws UnknownOplogEntry quoting the entry when its shape is not one Headwater knows.
 */
export function parseOplogEntry(doc: Document): OplogEntry {
  const parsed = OplogEntry.safeParse(doc);
  if (!parsed.success) {
    const op = isDocument(doc) ? doc.op : undefined;
    const why =
      typeof op === 'string' && !['i', 'u', 'd', 'n', 'c'].includes(op)
        ? `unknown op '${op}'`
        : issues(parsed.error);
    throw unknownEntry(doc, why);
  }
  // The checked document itself, not zod's copy: same values, and its field order stays the server's.
  const entry = doc as OplogEntry;
  if (entry.op === 'u') updateShape(entry);
  if (entry.op === 'c') {
    const command = commandOf(entry);
    if (command.name === 'applyOps') command.body.applyOps.forEach((op) => parseOplogEntry(op));
  }
  return entry;
}

/** The command of a `c` entry, validated. @throws UnknownOplogEntry for an unknown command or body. */
export function commandOf(entry: CommandEntry): Command {
  const name = Object.keys(entry.o)[0] ?? '';
  if (!Object.hasOwn(CommandSchemas, name)) throw unknownEntry(entry, `unknown command '${name}'`);
  const schema = CommandSchemas[name as CommandName];
  const parsed = schema.safeParse(entry.o);
  if (!parsed.success) throw unknownEntry(entry, `unexpected '${name}' command: ${issues(parsed.error)}`);
  return { name, body: parsed.data } as Command;
}

/** Classifies a `u` entry's `o`. @throws UnknownOplogEntry for another `$v` or an operator other than $set/$unset. */
export function updateShape(entry: UpdateEntry): UpdateShape {
  const o = entry.o;
  const keys = Object.keys(o);
  const version = o.$v === undefined ? undefined : toNumber(o.$v);
  if (version === 2) {
    if (!isDocument(o.diff) || keys.some((k) => k !== '$v' && k !== 'diff'))
      throw unknownEntry(entry, "unexpected '$v: 2' update");
    checkDiff(o.diff, (why) => {
      throw unknownEntry(entry, why);
    });
    return 'v2';
  }
  const operators = keys.filter((k) => k.startsWith('$') && k !== '$v');
  if (version === undefined && operators.length === 0) return 'replace';
  if (version !== undefined && version !== 1)
    throw unknownEntry(entry, `unknown update version '$v: ${String(version)}'`);
  const unknown = keys.find((k) => k !== '$v' && k !== '$set' && k !== '$unset');
  if (unknown !== undefined) throw unknownEntry(entry, `unknown update operator '${unknown}'`);
  if (!keys.every((k) => k === '$v' || isDocument(o[k])))
    throw unknownEntry(entry, "unexpected '$v: 1' update");
  // FerretDB logs every update as a $set of the whole new document (its _id included) and marks its
  // entries with an `_id`; MongoDB never logs `$set: { _id }`. Applied as a $set, removed fields would survive.
  const set = o.$set as Document | undefined;
  if ('_id' in entry && set?._id !== undefined && o.$unset === undefined) return 'ferretdb-replace';
  return 'v1';
}

/** The error for an entry Headwater cannot apply; its message quotes the entry (EJSON, truncated). */
export function unknownEntry(entry: unknown, why: string): UnknownOplogEntry {
  return new UnknownOplogEntry(`unable to apply oplog entry: ${why}: ${quoteEntry(entry)}`);
}

/** An entry as relaxed EJSON, cut to about `max` characters, for error messages and logs. */
export function quoteEntry(entry: unknown, max = 500): string {
  let text: string;
  try {
    text = BSON.EJSON.stringify(entry as Document, { relaxed: true });
  } catch {
    text = String(entry);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** zod's findings on one line: "o2._id: expected an _id; ns: ...". */
function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.join('.') || 'entry'}: ${i.message.charAt(0).toLowerCase()}${i.message.slice(1)}`)
    .join('; ');
}

/** The database of a `<db>.$cmd` namespace. */
export function commandDb(entry: CommandEntry): string {
  return entry.ns.slice(0, -'.$cmd'.length);
}
