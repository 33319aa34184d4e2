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

  has(id: string): boolean {
    return Object.hasOwn(this.connections, id);
  }

  config(id: string): ConnectionConfig {
    const c = this.connections[id];
    if (c === undefined) {
      const known = Object.keys(this.connections).join(', ') || 'none';
      throw new ConnectionNotFound(`unknown connection '${id}' (configured: ${known})`);
    }
    return c;
  }

  /** The URI of a connection; for the worker's own use only, never to be logged or put in a payload. */
  uri(id: string): string {
    const c = this.config(id);
    const uri = c.uri ?? this.env[c.uriEnv ?? ''];
    if (uri === undefined || uri === '') {
      throw new InvalidConfig(`connection '${id}': environment variable '${c.uriEnv}' is not set`);
    }
    return uri;
  }

  /** A shared, lazily connected client for the connection (the driver pools connections itself). */
  client(id: string): MongoClient {
    let client = this.clients.get(id);
    if (client === undefined) {
      const c = this.config(id);
      client = new MongoClient(this.uri(id), {
        readPreference: c.readPreference as ReadPreferenceMode,
        readPreferenceTags: c.readPreferenceTags,
        serverSelectionTimeoutMS: 5000,
        connectTimeoutMS: 5000,
        // FerretDB does not support sessions-only features; plain retryable writes are fine everywhere.
        retryWrites: true,
      });
      this.clients.set(id, client);
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
