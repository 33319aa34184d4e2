/**
 * Loads the configuration: a YAML file named by HEADWATER_CONFIG, or else the local development defaults
 * (the services started by scripts/services.sh). An invalid file fails here, before anything starts.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidConfig } from '../errors/domain-errors.js';
import { HeadwaterConfig } from './schema.js';

export function localDefaults(env: NodeJS.ProcessEnv = process.env): unknown {
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    temporal: { address: `127.0.0.1:${port('HW_TEMPORAL_PORT', 7233)}` },
    connections: {
      source: { uri: `mongodb://127.0.0.1:${port('HW_SOURCE_PORT', 27117)}/?replicaSet=rs0` },
      head: { uri: `mongodb://127.0.0.1:${port('HW_HEAD_PORT', 27118)}/?directConnection=true` },
    },
    stores: {
      default: { type: 'fs', path: env.HEADWATER_DATA ?? join(homedir(), '.local/share/headwater/store') },
    },
  };
}

export function parseConfig(raw: unknown, where = 'configuration'): HeadwaterConfig {
  const parsed = HeadwaterConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidConfig(`invalid ${where}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeadwaterConfig {
  const file = env.HEADWATER_CONFIG;
  if (file === undefined || file === '')
    return parseConfig(localDefaults(env), 'local default configuration');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidConfig(`unable to read configuration file '${file}' (${code})`, { cause });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    // The parser's own message spans lines (it quotes the source): keep its first line only.
    const first = ((cause as Error).message.split('\n')[0] ?? '').trim().replace(/:$/, '');
    throw new InvalidConfig(`invalid configuration file '${file}': not valid yaml: ${first}`, { cause });
  }
  return parseConfig(raw, `configuration file '${file}'`);
}

/** The configured Temporal address, or undefined when the configuration cannot be read (for error hints). */
export function configuredTemporalAddress(): string | undefined {
  try {
    return loadConfig().temporal.address;
  } catch {
    return undefined;
  }
}
