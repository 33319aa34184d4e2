/**
 * The `starting` checks: the source answers, the credentials work, it is a replica set, and it has an
 * oplog. Each failure becomes a non-retryable error a person can act on; the URI never appears in it.
 */
import { MongoServerError, type MongoClient } from 'mongodb';
import { BadCredentials, NotAReplicaSet, OplogMissing, SourceUnreachable } from '../errors/domain-errors.js';

const AUTH_CODES = new Set([13, 18]); // Unauthorized, AuthenticationFailed

export interface SourceTopology {
  setName: string;
  hosts: string[];
  primary: string | undefined;
  maxWireVersion: number;
}

export async function checkSource(client: MongoClient, connectionId: string): Promise<SourceTopology> {
  let hello: Record<string, unknown>;
  try {
    await client.connect();
    hello = await client.db('admin').command({ hello: 1 });
    // hello needs no authentication; listing the oplog does, so a bad password is caught here.
    await client.db('local').listCollections({ name: 'oplog.rs' }, { nameOnly: true }).toArray();
  } catch (err) {
    throw classify(err, connectionId);
  }
  if (typeof hello.setName !== 'string') {
    throw new NotAReplicaSet(
      `source '${connectionId}' is not a replica set member (hello has no setName): Headwater follows the oplog, ` +
        `which only replica sets keep; convert it to a single-member replica set or point the job at a replica set`,
    );
  }
  const oplog = await client.db('local').listCollections({ name: 'oplog.rs' }, { nameOnly: true }).toArray();
  if (oplog.length === 0) {
    throw new OplogMissing(`source '${connectionId}' (replica set '${hello.setName}') has no local.oplog.rs`);
  }
  return {
    setName: hello.setName,
    hosts: (hello.hosts as string[] | undefined) ?? [],
    primary: hello.primary as string | undefined,
    maxWireVersion: Number(hello.maxWireVersion ?? 0),
  };
}

function classify(err: unknown, connectionId: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof MongoServerError && AUTH_CODES.has(Number(err.code))) {
    return new BadCredentials(
      `authentication to source '${connectionId}' failed: check the user and password of connection '${connectionId}'`,
      { cause: err },
    );
  }
  if (/auth/i.test(message) && /fail/i.test(message)) {
    return new BadCredentials(`authentication to source '${connectionId}' failed: ${message}`, {
      cause: err,
    });
  }
  return new SourceUnreachable(
    `source '${connectionId}' is unreachable: ${message}; check that it is running and that connection ` +
      `'${connectionId}' names the right hosts`,
    { cause: err },
  );
}
