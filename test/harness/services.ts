/**
 * Addresses of the local services (scripts/services.sh) and checks that name the service that is down,
 * so that a failing test says "minio is not answering", not "ECONNREFUSED".
 */
import { MongoClient } from 'mongodb';

const env = process.env;
export const services = {
  temporal: { address: `127.0.0.1:${env.HW_TEMPORAL_PORT ?? 7233}` },
  source: { uri: `mongodb://127.0.0.1:${env.HW_SOURCE_PORT ?? 27117}/?replicaSet=rs0` },
  head: { uri: `mongodb://127.0.0.1:${env.HW_HEAD_PORT ?? 27118}/?directConnection=true` },
  minio: {
    endpoint: `http://127.0.0.1:${env.HW_MINIO_PORT ?? 9000}`,
    accessKeyId: env.HW_MINIO_USER ?? 'headwater',
    secretAccessKey: env.HW_MINIO_PASSWORD ?? 'headwater-test-secret',
    bucket: env.HW_MINIO_BUCKET ?? 'headwater-test',
  },
} as const;

export type ServiceName = keyof typeof services;

/** Rethrows any failure of `fn` as an error that names the service and how to start it. */
export async function withService<T>(name: ServiceName, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const where = 'address' in services[name] ? services[name].address : describe(name);
    throw new Error(
      `${name} service (${where}) is not answering: ${(err as Error).message}. ` +
        `Start it with 'npm run services -- up ${name}'.`,
      { cause: err },
    );
  }
}

function describe(name: ServiceName): string {
  const s = services[name];
  return 'uri' in s ? s.uri : 'endpoint' in s ? s.endpoint : '';
}

/** A client to a FerretDB service that fails fast when the service is down. */
export function mongoClient(name: 'source' | 'head'): MongoClient {
  return new MongoClient(services[name].uri, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
}

/** A unique, readable name for a test's database or object prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}
