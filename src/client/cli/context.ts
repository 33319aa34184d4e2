// What every command needs: the configuration, and a client connected to Temporal.
import { loadConfig } from '../../config/load.js';
import type { HeadwaterConfig } from '../../config/schema.js';
import { HeadwaterClient } from '../headwater-client.js';

export async function withClient<T>(
  fn: (client: HeadwaterClient, config: HeadwaterConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const client = await HeadwaterClient.connect(config.temporal);
  try {
    return await fn(client, config);
  } finally {
    await client.close();
  }
}

export function print(value: unknown, json: boolean, text: () => string): void {
  console.log(json ? JSON.stringify(value) : text());
}
