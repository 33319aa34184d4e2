// Brings freshly started services to the state the tests expect; safe to run again.
//  - source: a capped local.oplog.rs (FerretDB writes oplog entries only while it exists);
//  - minio: the test bucket.
import { MongoClient } from 'mongodb';
import { S3Client, CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';

const env = process.env;
const wanted = new Set(process.argv.slice(2));
if (wanted.has('source')) await initSource();
if (wanted.has('minio')) await initMinio();

async function initSource() {
  const source = new MongoClient(`mongodb://127.0.0.1:${env.HW_SOURCE_PORT}/?directConnection=true`);
  try {
    const local = source.db('local');
    const size = Number(env.HW_OPLOG_SIZE_BYTES);
    const [existing] = await local.listCollections({ name: 'oplog.rs' }).toArray();
    if (existing === undefined) {
      await createOplog(source, size, `created capped local.oplog.rs (${size} bytes) on the source`);
    } else if (existing.options?.size !== size) {
      // A test server only: an oplog of another size (an older setting) is replaced.
      await local.collection('oplog.rs').drop();
      await createOplog(source, size, `replaced the source oplog (size ${existing.options?.size} -> ${size})`);
    } else {
      // FerretDB trims a capped collection by deleting a share of its oldest entries in one SQL statement
      // with a variable per entry. Once a bulk load outruns it and that share passes SQLite's 32,766
      // variables, every pass fails ("too many SQL variables") and the oplog grows without bound; every
      // oplog read then scans gigabytes. Such an oplog is replaced (measured: 2.1 GB after 1 GiB loaded).
      const stats = await local.command({ collStats: 'oplog.rs' });
      if (stats.size > 4 * size) {
        await local.collection('oplog.rs').drop();
        await createOplog(
          source,
          size,
          `replaced the source oplog: it held ${stats.count} entries, ${stats.size} bytes, far past its ` +
            `${size} (a bulk load outran FerretDB's capped cleanup, which may never catch up)`,
        );
      }
    }
  } finally {
    await source.close();
  }
}

async function createOplog(source, size, message) {
  await source.db('local').createCollection('oplog.rs', { capped: true, size });
  // Real replica sets write periodic no-ops, so their oplog is never empty; seed one entry likewise.
  await source.db('headwater_services').collection('marker').insertOne({ createdAt: new Date() });
  console.error(`[services] ${message}`);
}

async function initMinio() {
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${env.HW_MINIO_PORT}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.HW_MINIO_USER, secretAccessKey: env.HW_MINIO_PASSWORD },
  });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: env.HW_MINIO_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: env.HW_MINIO_BUCKET }));
    console.error(`[services] created bucket ${env.HW_MINIO_BUCKET} on minio`);
  }
  s3.destroy();
}
