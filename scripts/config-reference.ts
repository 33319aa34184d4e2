/**
 * Writes docs/configuration.md from the zod schemas themselves (zod 4's toJSONSchema): every field of the
 * worker's configuration file and of a job's definition, with its type, default and bounds. Descriptions
 * come from the map below; a description whose field no longer exists stops the script, so the reference
 * cannot drift from the code. test/docs/configuration.test.ts fails when the committed file differs.
 *
 *   npx tsx scripts/config-reference.ts          # rewrite docs/configuration.md
 *   npx tsx scripts/config-reference.ts --check  # exit 1 if it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HeadwaterConfig } from '../src/config/schema.js';
import { JobDefinition } from '../src/contracts/job.js';

export const REFERENCE_PATH = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

/** What each field is for. Keyed by the path as printed (`<id>` for a name the operator chooses). */
const DESCRIPTIONS: Record<string, string> = {
  temporal: 'Where the Temporal service is, and which namespace and task queue Headwater uses.',
  catalog: 'Where the catalog lives.',
  metrics: "The worker's Prometheus endpoint.",
  'temporal.address': 'host:port of the Temporal frontend (the dev server, or your cluster).',
  'temporal.namespace': 'Temporal namespace of every Headwater workflow and Schedule.',
  'temporal.taskQueue': 'Task queue the workers poll and the CLI starts workflows on; every worker of one deployment uses the same one.',
  'catalog.connection': 'Connection id of the MongoDB that holds the catalog (usually the head).',
  'catalog.database': 'Database of the catalog (jobs, syncs, slices, snapshots, restores, events).',
  connections: 'A named MongoDB deployment: a source replica set, the head, a restore target. Workflows carry only the id.',
  'connections.<id>.uri': 'mongodb:// or mongodb+srv:// URI, credentials included. Give exactly one of uri and uriEnv.',
  'connections.<id>.uriEnv': 'Name of the environment variable holding the URI (keeps the password out of the file).',
  'connections.<id>.readPreference': "The member for reads that do not decide what a backup holds (planning a sync: listing collections, counts, range bounds). A sync's T0, copy and capture read the job's readPreference, or the primary.",
  'connections.<id>.readPreferenceTags': 'Tag sets choosing that member, tried in order.',
  stores: 'A named blob store for snapshot chunks and manifests, and for oplog slices (see sliceStore).',
  'stores.<id>.type': 'fs, s3 or mongo: the rest of the fields depend on it.',
  'stores.<id>.path': 'Directory of the store; created if missing.',
  'stores.<id>.bucket': 'S3 bucket (it must exist).',
  'stores.<id>.prefix': 'Key prefix inside the bucket, to share a bucket.',
  'stores.<id>.endpoint': 'Endpoint URL of an S3-compatible service (MinIO, Ceph); unset for AWS.',
  'stores.<id>.region': 'S3 region.',
  'stores.<id>.forcePathStyle': 'Path-style addressing (needed by MinIO and most S3-compatible services).',
  'stores.<id>.accessKeyIdEnv': 'Environment variable holding the access key id; give both or neither (then the default AWS credential chain).',
  'stores.<id>.secretAccessKeyEnv': 'Environment variable holding the secret access key.',
  'stores.<id>.serverSideEncryption': "S3's own encryption at rest, besides Headwater's AES-256-GCM.",
  'stores.<id>.partSizeBytes': 'Multipart upload part size for large objects.',
  'stores.<id>.connection': 'Connection id of the MongoDB that holds the blockstore.',
  'stores.<id>.database': 'Database of the blockstore (chunks as documents).',
  sliceStore: 'Store id the oplog and initial-sync slices are written to.',
  'metrics.port': 'Port of the Prometheus endpoint /metrics (0: any free port).',
  'metrics.host': 'Address the Prometheus endpoint binds (0.0.0.0 for a Prometheus in another container).',
  jobId: 'Lowercase letters, digits and single dashes; names the workflows (job/<jobId>) and head databases.',
  source: 'Connection id of the source replica set.',
  head: 'Connection id of the deployment the head databases (and usually the catalog) live on.',
  filter: 'Namespaces to back up.',
  'filter.include': 'db, db.coll, with * wildcards; empty means every namespace not excluded.',
  'filter.exclude': 'Added to the ones always left out: admin, local, config, *.system.*.',
  retention: "Snapshot interval, retention buckets and point-in-time window (Ops Manager's defaults).",
  'retention.intervalHours': 'Hours between scheduled snapshots (a Temporal Schedule).',
  'retention.keep': 'How many snapshots each bucket keeps; a snapshot kept by any bucket stays.',
  'retention.keep.hourly': 'Newest snapshot of each of the last N hours.',
  'retention.keep.daily': 'Newest snapshot of each of the last N days.',
  'retention.keep.weekly': 'Newest snapshot of each of the last N weeks.',
  'retention.keep.monthly': 'Newest snapshot of each of the last N months.',
  'retention.pointInTimeHours': 'Hours of oplog slices kept for point-in-time restore.',
  store: 'Store id of the snapshots.',
  sliceStore_job: 'Store id of the slices.',
  compression: 'Compression of snapshot chunks.',
  encryptionKeyId: 'Seal snapshots with AES-256-GCM under the key HEADWATER_KEY_<ID> of the worker; unset: not encrypted.',
  readPreference: "Which member of the source this job's syncs read: T0, the copy and the capture (the sync's and the follow's), recorded with each sync's plan. Unset: the primary (not the connection's readPreference). T0 and the copy must read one member: to spare the primary, name a secondary by tags that match exactly one member.",
  'readPreference.mode': "MongoDB's read preference mode.",
  'readPreference.tags': 'Tag sets, tried in order (`{}` matches any member); not with primary.',
  resyncPolicy: 'manual: a rolled-over oplog waits for `job resync`; auto: a resync starts by itself (recorded as an event), but not again after an auto resync that itself rolled over before completing (recorded as `auto resync withheld`).',
  headroomWarnSeconds: 'Warn (status, follow) when the source oplog would roll past the next entry to capture within this many seconds.',
};

/** Environment variables the worker and CLI read (not part of the file's schema). */
const ENVIRONMENT: Array<[string, string]> = [
  ['HEADWATER_CONFIG', 'Path of the YAML configuration file. Unset: the local defaults (the services of scripts/services.sh, a store under ~/.local/share/headwater/store).'],
  ['HEADWATER_KEY_<ID>', 'An AES-256 key (hex or base64) the worker seals and opens snapshots with, for jobs whose encryptionKeyId is <id>.'],
  ['HEADWATER_TASK_QUEUE', "The worker's task queue, instead of temporal.taskQueue."],
  ['HEADWATER_METRICS_PORT', "The worker's metrics port, instead of metrics.port."],
  ['HEADWATER_DATA', 'With no configuration file: the directory of the default fs store.'],
  ['LOG_LEVEL', "The worker's log level (pino): debug, info, warn, error."],
  ['HEADWATER_DEBUG', '1: print the stack trace of an error (CLI and worker), like --debug.'],
];

interface Row {
  path: string;
  type: string;
  required: string;
  constraints: string;
  key: string;
}

const code = (v: unknown) => `\`${typeof v === 'string' && v !== '' ? v : JSON.stringify(v)}\``;

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.enum !== undefined) return s.enum.map(code).join(' \\| ');
  if (s.type === 'array') return `${typeOf(s.items ?? {})}[]`;
  if (s.type === 'object' && s.additionalProperties !== undefined && s.properties === undefined) return 'map';
  return s.type ?? 'any';
}

function constraintsOf(s: JsonSchema): string {
  const c: string[] = [];
  if (s.minimum !== undefined) c.push(`>= ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) c.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) c.push(`<= ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 1) c.push(`at least ${s.minLength} characters`);
  if (s.maxLength !== undefined) c.push(`at most ${s.maxLength} characters`);
  if (s.pattern !== undefined) c.push(`matches ${code(s.pattern)}`);
  if (s.format === 'uri') c.push('a URL');
  return c.join(', ');
}

/** Flattens an object schema into rows; maps become `<id>`, one-of variants are listed one after another. */
function rows(s: JsonSchema, prefix: string, required: boolean, out: Row[], keyOf: (p: string) => string): void {
  const add = (path: string, f: JsonSchema, req: boolean) =>
    out.push({ path, type: typeOf(f), required: f.default !== undefined ? `default ${code(f.default)}` : req ? 'required' : 'optional', constraints: constraintsOf(f), key: keyOf(path) });
  if (s.oneOf !== undefined) {
    // A discriminated union (stores): one `type` row, then each variant's fields marked with its type.
    const kinds = s.oneOf.map((v) => v.properties?.type?.const);
    out.push({ path: `${prefix}.type`, type: kinds.map(code).join(' \\| '), required: 'required', constraints: '', key: keyOf(`${prefix}.type`) });
    for (const v of s.oneOf) {
      const { type: kind, ...fields } = v.properties ?? {};
      const variant: Row[] = [];
      rows({ ...v, properties: fields }, prefix, required, variant, keyOf);
      out.push(...variant.map((r) => ({ ...r, constraints: [`type ${code(kind?.const)}`, r.constraints].filter((c) => c !== '').join(', ') })));
    }
    return;
  }
  if (s.type === 'object' && s.properties !== undefined) {
    for (const [name, f] of Object.entries(s.properties)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const req = s.required?.includes(name) ?? false;
      add(path, f, req);
      if (f.type === 'object' || f.oneOf !== undefined) rows(f, path, req, out, keyOf);
    }
    return;
  }
  if (s.type === 'object' && typeof s.additionalProperties === 'object') {
    const inner = s.additionalProperties;
    rows(inner, `${prefix}.<id>`, true, out, keyOf);
  }
}

function table(list: Row[], used: Set<string>): string {
  const lines = ['| field | type | default | constraints | what it is |', '| --- | --- | --- | --- | --- |'];
  for (const r of list) {
    used.add(r.key);
    lines.push(`| \`${r.path}\` | ${r.type} | ${r.required} | ${r.constraints} | ${DESCRIPTIONS[r.key] ?? ''} |`);
  }
  return lines.join('\n');
}

/** The whole reference, as docs/configuration.md holds it. */
export function configurationReference(): string {
  const schema = (t: z.ZodType) => z.toJSONSchema(t, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const used = new Set<string>();
  const worker: Row[] = [];
  rows(schema(HeadwaterConfig), '', true, worker, (p) => p);
  const job: Row[] = [];
  // The job's `sliceStore` has its own description, apart from the worker's top-level one.
  rows(schema(JobDefinition), '', true, job, (p) => (p === 'sliceStore' ? 'sliceStore_job' : p));
  const text = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npx tsx scripts/config-reference.ts` from src/config/schema.ts and src/contracts/job.ts; do not edit by hand. -->',
    '',
    "Generated from the zod schemas the worker and the CLI parse with, so it says what the code accepts. A value the schema refuses stops the worker at start with one line naming the file and the field (exit 2).",
    '',
    '## The worker\'s configuration file',
    '',
    'YAML, named by `HEADWATER_CONFIG`. `<id>` is a name you choose; jobs and commands refer to connections and stores by it. Connections hold the only secrets: they stay in the worker and never reach a workflow payload.',
    '',
    table(worker, used),
    '',
    '## A job\'s definition',
    '',
    'Given by `headwater job create` (its options map to these fields) and changed by `headwater job update` (only `retention`, `resyncPolicy` and `headroomWarnSeconds`; the rest needs a new job). Stored in the catalog and carried by the job workflow.',
    '',
    table(job, used),
    '',
    '## Environment',
    '',
    '| variable | what it does |',
    '| --- | --- |',
    ...ENVIRONMENT.map(([k, v]) => `| \`${k}\` | ${v} |`),
    '',
  ].join('\n');
  const stale = Object.keys(DESCRIPTIONS).filter((k) => !used.has(k));
  if (stale.length > 0) throw new Error(`scripts/config-reference.ts describes fields the schemas no longer have: ${stale.join(', ')}`);
  return text;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = configurationReference();
  if (process.argv.includes('--check')) {
    const current = readFileSync(REFERENCE_PATH, 'utf8');
    if (current !== text) {
      console.error('docs/configuration.md is out of date: run npx tsx scripts/config-reference.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(REFERENCE_PATH, text);
    console.log(`wrote ${REFERENCE_PATH}`);
  }
}
