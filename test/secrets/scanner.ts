/**
 * Finds secrets in text (workflow histories, worker logs): a MongoDB URI that carries a password, a field
 * named like a secret holding a value, 32-byte key material under a key-like field, and any of a list of
 * known secret values (the test services' passwords, the scanning process's secret variables).
 */
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
