/**
 * The soak's own set of local services (Temporal, source, head, MinIO), started by scripts/services.sh on
 * free ports with a data directory of their own. The soak stops and starts them as faults, so it must never
 * touch the shared services the rest of the suite runs on; everything here is addressed by this set's ports.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export type SoakService = 'temporal' | 'source' | 'head' | 'minio';
const ALL: SoakService[] = ['temporal', 'source', 'head', 'minio'];

/** A port the kernel says is free now (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class SoakServices {
  readonly dir = mkdtempSync(join(tmpdir(), 'hw-soak-services-'));
  private constructor(readonly env: Record<string, string>) {}

  static async create(): Promise<SoakServices> {
    const names = ['TEMPORAL', 'TEMPORAL_UI', 'SOURCE', 'SOURCE_DEBUG', 'HEAD', 'HEAD_DEBUG', 'MINIO', 'MINIO_CONSOLE'];
    const env: Record<string, string> = {};
    for (const n of names) env[`HW_${n}_PORT`] = String(await freePort());
    return new SoakServices(env);
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.env.HW_TEMPORAL_PORT}`;
  }
  get sourcePort(): number {
    return Number(this.env.HW_SOURCE_PORT);
  }
  /** Direct connections: the soak's own writers and checks never go through the fault proxy. */
  get sourceUri(): string {
    return `mongodb://127.0.0.1:${this.env.HW_SOURCE_PORT}/?directConnection=true`;
  }
  get headUri(): string {
    return `mongodb://127.0.0.1:${this.env.HW_HEAD_PORT}/?directConnection=true`;
  }
  get minioEndpoint(): string {
    return `http://127.0.0.1:${this.env.HW_MINIO_PORT}`;
  }

  up(...which: SoakService[]): Promise<void> {
    return this.services('up', which.length > 0 ? which : ALL);
  }
  down(...which: SoakService[]): Promise<void> {
    return this.services('down', which.length > 0 ? which : ALL);
  }

  /** Leave the data directory after `dispose` (`npm run soak -- --keep`), to read a failed run's state. */
  keep = false;

  /** Stops everything and removes the data directory, unless kept (the soak's last step, whatever happened). */
  async dispose(): Promise<void> {
    await this.down().catch((err: Error) => console.error(`soak services: ${err.message}`));
    if (this.keep) console.error(`soak services: data kept in ${this.dir} (start them with HEADWATER_SERVICES_DIR=${this.dir})`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  private async services(cmd: 'up' | 'down', which: SoakService[]): Promise<void> {
    try {
      await run('bash', ['scripts/services.sh', cmd, ...which], {
        env: { ...process.env, ...this.env, HEADWATER_SERVICES_DIR: this.dir },
        timeout: 180_000,
      });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`soak services ${cmd} ${which.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  }
}
