/**
 * The worker's configuration: where Temporal is, the named connections (sources, head, catalog) and the
 * named stores. Connections hold URIs with credentials, so they live only here, inside the worker;
 * workflows and payloads name them by id.
 */
import { MongoClient } from 'mongodb';
import { z } from 'zod';

/**
 * A URI the driver can parse: checked when the file is loaded, so a malformed one is refused in one line
 * naming the field, not found by an activity retrying for ever. The driver's reason never quotes the
 * password; `redact` below is a second guard.
 */
const MongoUri = z
  .string()
  .startsWith('mongodb', 'must be a mongodb:// or mongodb+srv:// uri')
  .superRefine((uri, ctx) => {
    if (!uri.startsWith('mongodb')) return;
    try {
      // The constructor parses and checks the URI and its options; it connects only on connect().
      new MongoClient(uri);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid mongodb uri: ${redact((err as Error).message, uri)}` });
    }
  });

function redact(message: string, uri: string): string {
  const password = /^mongodb(?:\+srv)?:\/\/[^:@/]+:([^@/]*)@/.exec(uri)?.[1];
  return password ? message.split(password).join('***') : message;
}

/** A MongoDB connection: a URI given inline or, better for secrets, read from an environment variable. */
export const ConnectionConfig = z
  .object({
    uri: MongoUri.optional(),
    uriEnv: z.string().min(1).optional(),
    /** Read preference for copying (a secondary spares the primary, as Ops Manager and PBM do). */
    readPreference: z
      .enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'])
      .default('secondaryPreferred'),
    readPreferenceTags: z.array(z.record(z.string(), z.string())).default([]),
  })
  .strict()
  .refine((c) => (c.uri === undefined) !== (c.uriEnv === undefined), 'give exactly one of uri or uriEnv');
export type ConnectionConfig = z.infer<typeof ConnectionConfig>;

export const FsStoreConfig = z.object({ type: z.literal('fs'), path: z.string().min(1) }).strict();
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
  .strict()
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
}).strict();
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
    .strict()
    .prefault({}),
  /** The catalog lives in a MongoDB database next to the head. */
  catalog: z
    .object({ connection: z.string().default('head'), database: z.string().default('headwater') })
    .strict()
    .prefault({}),
  connections: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), ConnectionConfig),
  stores: z.record(z.string(), StoreConfig),
  /** The store slices are written to (a blob store; filesystem by default). */
  sliceStore: z.string().default('default'),
  /**
   * The worker's Prometheus endpoint: port 0 turns it off; host is the address it binds (loopback by
   * default; 0.0.0.0 in a container, so that Prometheus on the compose network can scrape it).
   */
  metrics: z
    .object({
      port: z.number().int().min(0).max(65535).default(9464),
      host: z.string().min(1).default('127.0.0.1'),
    })
    .strict()
    .prefault({}),
})
  // An unknown key is refused, naming it: a misspelt option must not be ignored in silence.
  .strict();
export type HeadwaterConfig = z.infer<typeof HeadwaterConfig>;
