/**
 * The one-shot init scripts of docker-compose.yml. All of them must parse; the search-attribute script,
 * whose idempotence matters on every `docker compose up`, runs for real against the local Temporal dev
 * server with the pinned `temporal` CLI (the admin-tools image carries the same CLI line).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { services, uniqueName } from '../harness/services.js';
import { environmentOf, loadCompose, readRepoFile, repoRoot } from './compose-file.js';

const run = promisify(execFile);
const script = join(repoRoot, 'docker/temporal/register-search-attributes.sh');

interface Outcome {
  code: number;
  stderr: string;
}
async function outcome(p: Promise<{ stderr: string }>): Promise<Outcome> {
  try {
    return { code: 0, stderr: (await p).stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('init scripts of docker-compose.yml', () => {
  it('parse: the mongosh script as JavaScript, the others as POSIX sh', async () => {
    await run(process.execPath, ['--check', join(repoRoot, 'docker/mongo/init-replica-set.js')]);
    for (const file of ['docker/temporal/register-search-attributes.sh', 'docker/minio/create-bucket.sh']) {
      await run('sh', ['-n', join(repoRoot, file)]);
    }
  });
});

describe('docker/temporal/register-search-attributes.sh against the Temporal dev server', () => {
  const pinned = /TEMPORAL_CLI_VERSION=(\S+)/.exec(readRepoFile('scripts/versions.sh'))![1]!;
  const cli = join(
    process.env.HEADWATER_CACHE ?? join(homedir(), '.cache/headwater'),
    'bin',
    `temporal-${pinned}`,
  );
  const binDir = mkdtempSync(join(tmpdir(), 'headwater-temporal-cli-'));
  const namespace = uniqueName('hw-compose').replaceAll('_', '-');
  const address = services.temporal.address;
  const attributes = environmentOf(loadCompose().services['temporal-init']!).HEADWATER_SEARCH_ATTRIBUTES!;
  const temporal = (...args: string[]) => run(cli, [...args, '--address', address]);
  const register = (env: Record<string, string>) =>
    outcome(
      run('sh', [script], {
        env: {
          ...process.env,
          PATH: `${binDir}:${process.env.PATH}`,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: namespace,
          HEADWATER_SEARCH_ATTRIBUTES: attributes,
          TEMPORAL_INIT_WAIT_SECONDS: '30',
          ...env,
        },
      }),
    );

  before(async () => {
    assert.ok(
      existsSync(cli),
      `the pinned temporal CLI is missing at ${cli}; run 'npm run services -- up temporal'`,
    );
    symlinkSync(cli, join(binDir, 'temporal'));
    await temporal('operator', 'namespace', 'create', '--namespace', namespace, '--retention', '24h');
  });

  after(async () => {
    await temporal('operator', 'namespace', 'delete', '--namespace', namespace, '--yes').catch(
      () => undefined,
    );
    rmSync(binDir, { recursive: true, force: true });
  });

  it('registers every missing attribute as a Keyword, then does nothing on a second run', async () => {
    const first = await register({});
    assert.equal(first.code, 0, first.stderr);
    // One line per attribute the compose file declares: adding one must not break this test.
    assert.equal(
      first.stderr.match(/registered search attribute/g)?.length,
      attributes.split(' ').length,
      first.stderr,
    );
    const { stdout } = await temporal(
      'operator',
      'search-attribute',
      'list',
      '--namespace',
      namespace,
      '-o',
      'json',
    );
    const custom = (JSON.parse(stdout) as { customAttributes: Record<string, string> }).customAttributes;
    for (const pair of attributes.split(' ')) {
      assert.equal(custom[pair.split('=')[0]!], 'INDEXED_VALUE_TYPE_KEYWORD', pair);
    }
    const second = await register({});
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr.match(/already registered/g)?.length, attributes.split(' ').length, second.stderr);
    assert.doesNotMatch(second.stderr, /registered search attribute/);
  });

  it('fails, naming it, when an attribute exists with another type', async () => {
    await register({});
    const clash = await register({ HEADWATER_SEARCH_ATTRIBUTES: 'HeadwaterJobId=Int' });
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, /HeadwaterJobId exists with another type/);
  });

  it('gives up with a message when the namespace never appears', async () => {
    const missing = await register({
      TEMPORAL_NAMESPACE: `${namespace}-missing`,
      TEMPORAL_INIT_WAIT_SECONDS: '2',
    });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /timed out after 2s waiting for namespace/);
  });
});
