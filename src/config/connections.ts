/**
 * The connection registry: resolves a connection id to a MongoClient inside the worker. URIs and
 * credentials never leave this module except through `redactUri`, which is what logs and errors show.
 */
import { MongoClient, type ReadPreferenceMode } from 'mongodb';
import { ConnectionNotFound, InvalidConfig } from '../errors/domain-errors.js';
import type { ConnectionConfig, HeadwaterConfig } from './schema.js';

/** mongodb://user:secret@host -> mongodb://user:***@host */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^:@/]+):([^@/]*)@/, '$1$2:***@');
}

/**
 * A connection reference `<id>@<host:port>`: connection `id`, read through that one member of its
 * replica set only (a direct connection), as a sync pins its reads to the member it chose. It names a
 * host, never a URI or a credential, so it may travel in payloads and the catalog.
 */
export function onMember(id: string, member: string): string {
  return `${id}@${member}`;
}

const MEMBER_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The connection id and the pinned member (if any) of a connection reference. */
export function splitConnectionRef(ref: string): { id: string; member?: string } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { id: ref };
  const member = ref.slice(at + 1);
  if (!MEMBER_HOST.test(member)) throw new InvalidConfig(`connection reference '${ref}': '${member}' is not a host[:port]`);
  return { id: ref.slice(0, at), member };
}

/**
 * The URI of one member of the replica set a URI names: the same credentials and options, that host
 * alone and `directConnection=true`, so the driver reads it whatever its role. An SRV URI becomes a plain
 * one with TLS on (SRV implies it); the options its TXT record would add are not needed to reach one host.
 */
export function memberUri(uri: string, member: string): string {
  const m = /^(mongodb(?:\+srv)?):\/\/((?:[^@/]*@)?)([^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (m === null) throw new InvalidConfig(`unable to pin a member of ${redactUri(uri)}: not a MongoDB URI`);
  const [, scheme, userinfo = '', , path = '/', query = ''] = m;
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  params.set('directConnection', 'true');
  if (scheme === 'mongodb+srv' && !params.has('tls') && !params.has('ssl')) params.set('tls', 'true');
  return `mongodb://${userinfo}${member}${path}?${params.toString()}`;
}

/**
 * A server check (hello) that has neither succeeded nor failed in this long is wedged: the driver
 * (7.9) can wait for ever on a monitoring connection that closed as the check began (a link cut with a
 * command in flight), and then every operation fails server selection until the process restarts.
 * Healthy checks end within connectTimeoutMS (5 s here), however loaded the server.
 */
const WEDGED_CHECK_MS = 45_000;

export class ConnectionRegistry {
  private readonly clients = new Map<string, MongoClient>();
  private readonly watchdogs: NodeJS.Timeout[] = [];
  private closed = false;
  constructor(
    private readonly connections: HeadwaterConfig['connections'],
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly wedgedCheckMs = WEDGED_CHECK_MS,
  ) {}

  has(ref: string): boolean {
    return Object.hasOwn(this.connections, ref) || Object.hasOwn(this.connections, splitConnectionRef(ref).id);
  }

  /** The configuration of a connection id, or of the connection a member reference (`id@host`) names. */
  config(ref: string): ConnectionConfig {
    const id = Object.hasOwn(this.connections, ref) ? ref : splitConnectionRef(ref).id;
    const c = this.connections[id];
    if (c === undefined) {
      const known = Object.keys(this.connections).join(', ') || 'none';
      throw new ConnectionNotFound(`unknown connection '${id}' (configured: ${known})`);
    }
    return c;
  }

  /** The URI of a connection; for the worker's own use only, never to be logged or put in a payload. */
  uri(ref: string): string {
    const c = this.config(ref);
    const uri = c.uri ?? this.env[c.uriEnv ?? ''];
    if (uri === undefined || uri === '') {
      throw new InvalidConfig(`connection '${ref}': environment variable '${c.uriEnv}' is not set`);
    }
    const member = Object.hasOwn(this.connections, ref) ? undefined : splitConnectionRef(ref).member;
    return member === undefined ? uri : memberUri(uri, member);
  }

  /**
   * A shared, lazily connected client for the connection (the driver pools connections itself). For a
   * member reference (`id@host`, see onMember), a client of that member alone, under the same options.
   */
  client(ref: string): MongoClient {
    let client = this.clients.get(ref);
    if (client === undefined) {
      const c = this.config(ref);
      client = new MongoClient(this.uri(ref), {
        readPreference: c.readPreference as ReadPreferenceMode,
        readPreferenceTags: c.readPreferenceTags,
        serverSelectionTimeoutMS: 5000,
        connectTimeoutMS: 5000,
        // FerretDB does not support sessions-only features; plain retryable writes are fine everywhere.
        retryWrites: true,
      });
      this.clients.set(ref, client);
      this.keepConnecting(client, 1000);
      this.watchChecks(client);
    }
    return client;
  }

  /**
   * Reconnects a client whose server check is wedged (see WEDGED_CHECK_MS): closed and connected again,
   * it stays the object every holder keeps; operations in flight fail and their activities retry.
   */
  private watchChecks(client: MongoClient): void {
    let checkSince: number | undefined;
    client.on('serverHeartbeatStarted', () => (checkSince ??= Date.now()));
    for (const ended of ['serverHeartbeatSucceeded', 'serverHeartbeatFailed'] as const) client.on(ended, () => (checkSince = undefined));
    const timer = setInterval(() => {
      if (this.closed || checkSince === undefined || Date.now() - checkSince < this.wedgedCheckMs) return;
      checkSince = undefined;
      void client
        .close()
        .catch(() => undefined)
        .then(() => this.closed || this.keepConnecting(client, 1000));
    }, Math.min(5000, this.wedgedCheckMs / 3));
    timer.unref();
    this.watchdogs.push(timer);
  }

  /**
   * A driver client whose connect failed stays closed (every operation: "Topology is closed") until
   * connect() is called again. Holders keep the client (the catalog, stores, activities' objects), so it
   * must come back by itself: retry in the background, backing off to 10 s, until the server answers.
   */
  private keepConnecting(client: MongoClient, delayMs: number): void {
    client.connect().catch(() => {
      if (this.closed) return;
      setTimeout(() => this.keepConnecting(client, Math.min(delayMs * 2, 10_000)), delayMs).unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.watchdogs) clearInterval(t);
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
