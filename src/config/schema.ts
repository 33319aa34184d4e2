/**
 * The worker's configuration: where Temporal is, the named connections (sources, head, catalog) and the
 * named stores. Connections hold URIs with credentials, so they live only here, inside the worker;
 * workflows and payloads name them by id.
 */
import { z } from 'zod';

/** A MongoDB connection: a URI given inline or, better for secrets, read from an environment variable. */
export const ConnectionConfig = z
  .object({
    uri: z.string().startsWith('mongodb', 'must be a mongodb:// or mongodb+srv:// uri').optional(),
    uriEnv: z.string().min(1).optional(),
    /** Read preference for copying (a secondary spares the primary, as Ops Manager and PBM do). */
    readPreference: z
      .enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'])
      .default('secondaryPreferred'),
    readPreferenceTags: z.array(z.record(z.string(), z.string())).default([]),
  })
  .refine((c) => (c.uri === undefined) !== (c.uriEnv === undefined), 'give exactly one of uri or uriEnv');
export type ConnectionConfig = z.infer<typeof ConnectionConfig>;

export const FsStoreConfig = z.object({ type: z.literal('fs'), path: z.string().min(1) });
export type FsStoreConfig = z.infer<typeof FsStoreConfig>;
export const S3StoreConfig = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().min(3),
    prefix: z.string().default(''),
    endpoint: z.string().url().optional(),
    region: z.string().default('us-east-1'),
    forcePathStyle: z.boolean().default(false),
    accessKeyIdEnv: z.string().optional(),
    secretAccessKeyEnv: z.string().optional(),
    serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional(),
    partSizeBytes: z
      .number()
      .int()
      .min(5 * 1024 * 1024)
      .max(5 * 1024 ** 3)
      .default(8 * 1024 * 1024),
  })
  .refine((c) => (c.accessKeyIdEnv === undefined) === (c.secretAccessKeyEnv === undefined), {
    message:
      'give both accessKeyIdEnv and secretAccessKeyEnv, or neither (to use the default credential chain)',
    path: ['accessKeyIdEnv'],
  });
export type S3StoreConfig = z.infer<typeof S3StoreConfig>;
export const MongoStoreConfig = z.object({
  type: z.literal('mongo'),
  connection: z.string().min(1),
  database: z.string().min(1).default('headwater_blockstore'),
});
export type MongoStoreConfig = z.infer<typeof MongoStoreConfig>;
export const StoreConfig = z.discriminatedUnion('type', [FsStoreConfig, S3StoreConfig, MongoStoreConfig]);
export type StoreConfig = z.infer<typeof StoreConfig>;

export const HeadwaterConfig = z.object({
  temporal: z
    .object({
      address: z.string().default('127.0.0.1:7233'),
      namespace: z.string().default('default'),
      taskQueue: z.string().default('headwater'),
    })
    .prefault({}),
  /** The catalog lives in a MongoDB database next to the head. */
  catalog: z
    .object({ connection: z.string().default('head'), database: z.string().default('headwater') })
    .prefault({}),
  connections: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), ConnectionConfig),
  stores: z.record(z.string(), StoreConfig),
  /** The store slices are written to (a blob store; filesystem by default). */
  sliceStore: z.string().default('default'),
  metrics: z.object({ port: z.number().int().min(0).max(65535).default(9464) }).prefault({}),
});
export type HeadwaterConfig = z.infer<typeof HeadwaterConfig>;
