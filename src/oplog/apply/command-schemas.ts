/**
 * The bodies (`o`) of the `c` entries the applier knows, one zod schema per command, named by the
 * command's first field as MongoDB writes it. A command missing here is unknown and is refused, never skipped.
 */
import { BSON, Timestamp } from 'mongodb';
import { z } from 'zod';
import { BsonDocument } from './values.js';

const Name = z.string().min(1);
const Numeric = z.union([
  z.number(),
  z.instanceof(BSON.Int32),
  z.instanceof(BSON.Double),
  z.instanceof(BSON.Long),
  z.boolean(),
]);
/** An index as the oplog describes it (its options are kept as they are). */
export const IndexSpec = z.looseObject({ key: BsonDocument, name: Name });
export type IndexSpec = z.infer<typeof IndexSpec>;

const IndexBuild = { indexBuildUUID: z.instanceof(BSON.Binary), indexes: z.array(IndexSpec).min(1) };

export const CommandSchemas = {
  create: z.looseObject({ create: Name }),
  drop: z.looseObject({ drop: Name }),
  renameCollection: z.looseObject({
    renameCollection: Name,
    to: Name,
    /** false/absent, true (old servers), or the UUID of the collection the rename dropped. */
    dropTarget: z.union([z.boolean(), z.instanceof(BSON.Binary)]).optional(),
    stayTemp: z.boolean().optional(),
  }),
  dropDatabase: z.looseObject({ dropDatabase: Numeric }),
  /** The oplog form (one index, its spec inline) or the command form (`indexes: [...]`, from applyOps). */
  createIndexes: z
    .looseObject({
      createIndexes: Name,
      key: BsonDocument.optional(),
      name: Name.optional(),
      indexes: z.array(IndexSpec).min(1).optional(),
    })
    .refine(
      (b) => b.indexes !== undefined || (b.key !== undefined && b.name !== undefined),
      'expected key and name, or indexes',
    ),
  dropIndexes: z.looseObject({
    dropIndexes: Name,
    index: z.union([Name, z.array(Name).min(1), BsonDocument]),
  }),
  collMod: z.looseObject({
    collMod: Name,
    index: z
      .looseObject({
        name: Name.optional(),
        keyPattern: BsonDocument.optional(),
        hidden: z.boolean().optional(),
        expireAfterSeconds: Numeric.optional(),
        prepareUnique: z.boolean().optional(),
        unique: z.boolean().optional(),
      })
      .refine(
        (i) => i.name !== undefined || i.keyPattern !== undefined,
        'expected index.name or index.keyPattern',
      )
      .optional(),
  }),
  applyOps: z.looseObject({
    applyOps: z.array(BsonDocument),
    partialTxn: z.boolean().optional(),
    prepare: z.boolean().optional(),
    count: Numeric.optional(),
  }),
  commitTransaction: z.looseObject({
    commitTransaction: Numeric,
    commitTimestamp: z.instanceof(Timestamp).optional(),
  }),
  abortTransaction: z.looseObject({ abortTransaction: Numeric }),
  startIndexBuild: z.looseObject({ startIndexBuild: Name, ...IndexBuild }),
  commitIndexBuild: z.looseObject({ commitIndexBuild: Name, ...IndexBuild }),
  abortIndexBuild: z.looseObject({ abortIndexBuild: Name, ...IndexBuild }),
  /** A consistency check: it reads, it changes no data. */
  dbCheck: z.looseObject({ dbCheck: z.unknown() }),
} as const;

export type CommandName = keyof typeof CommandSchemas;
export type Command = {
  [K in CommandName]: { name: K; body: z.infer<(typeof CommandSchemas)[K]> };
}[CommandName];
export type CommandOf<K extends CommandName> = Extract<Command, { name: K }>;
