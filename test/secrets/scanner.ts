/**
 * Finds secrets in text (workflow histories, worker logs): a MongoDB URI that carries a password, a field
 * named like a secret holding a value, 32-byte key material under a key-like field, and any of a list of
 * known secret values (the test services' passwords, the scanning process's secret variables).
 * `scanHistories` reads every workflow history a query lists and scans each (the suite's scan, the soak's).
 */
import type { Client } from '@temporalio/client';

export interface Finding {
  where: string;
  what: string;
  excerpt: string;
}

const CREDENTIAL_URI = /mongodb(?:\+srv)?:\/\/[^\s:@/"'\\]+:([^\s@/"'\\]+)@/g;
/** "password": "x", "secretAccessKey": "x", "encryptionKey": "<32 bytes>" (names ending in Env name a variable: fine). */
const SECRET_FIELD = /"((?:[A-Za-z]*(?:[Pp]assword|[Ss]ecret[A-Za-z]*|[Pp]rivateKey))|key|encryptionKey|rawKey)"\s*:\s*"([^"]+)"/g;
const KEY_MATERIAL = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/;

export function findSecrets(text: string, where: string, known: readonly string[] = []): Finding[] {
  const out: Finding[] = [];
  const excerpt = (i: number) => text.slice(Math.max(0, i - 60), i + 80).replace(/\s+/g, ' ');
  for (const m of text.matchAll(CREDENTIAL_URI)) {
    if (m[1] !== '***') out.push({ where, what: 'a uri with a password', excerpt: excerpt(m.index) });
  }
  for (const m of text.matchAll(SECRET_FIELD)) {
    const [, name = '', value = ''] = m;
    if (name.endsWith('Env')) continue;
    const keyLike = name === 'key' || name === 'encryptionKey' || name === 'rawKey';
    if (keyLike ? KEY_MATERIAL.test(value) : value !== '***' && value !== '') out.push({ where, what: `a value in '${name}'`, excerpt: excerpt(m.index) });
  }
  for (const secret of known) {
    const i = text.indexOf(secret);
    if (secret.length >= 6 && i >= 0) out.push({ where, what: 'a known secret value', excerpt: excerpt(i).split(secret).join('<secret>') });
  }
  return out;
}

/** Secret values the scanning process knows: variables named like secrets or keys (8 characters or more). */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /PASSWORD|SECRET|(^|_)KEY($|_)/i.test(k) && v !== undefined && v.length >= 8)
    .map(([, v]) => v!);
}

/** The histories a visibility query lists (all when undefined), scanned a few at a time; with the kinds seen. */
export async function scanHistories(
  client: Client,
  query: string | undefined,
  known: readonly string[],
): Promise<{ runs: number; kinds: Set<string>; findings: Finding[] }> {
  const runs: Array<{ workflowId: string; runId: string; type: string }> = [];
  for await (const w of client.workflow.list(query === undefined ? {} : { query })) runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  const findings: Finding[] = [];
  // A few at a time: the server may be shared with the rest of the machine.
  for (let i = 0; i < runs.length; i += 8) {
    await Promise.all(
      runs.slice(i, i + 8).map(async (r) => {
        const history = await client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
        findings.push(...findSecrets(historyText(history.events), `${r.type} ${r.workflowId} (${r.runId})`, known));
      }),
    );
  }
  return { runs: runs.length, kinds: new Set(runs.map((r) => r.type)), findings };
}

/** A history's events as text, payloads decoded (they are JSON in base64 or bytes). */
function historyText(events: unknown): string {
  return JSON.stringify(events, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}
