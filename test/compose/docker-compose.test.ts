/**
 * Checks the wiring of docker-compose.yml, docker/headwater.yaml and the Dockerfile against each other and
 * against the code (config schema, task queue, search attributes): no Docker engine runs here, so a broken
 * link between them (a host, a port, an env var, a set name) must fail this test instead of a user's stack.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { TASK_QUEUE } from '../../src/workflows/ids.js';
import { HealthKey, JobIdKey, PhaseKey, SourceKey, StateKey } from '../../src/workflows/search-attributes.js';
import {
  asList,
  containerPorts,
  dependenciesOf,
  environmentOf,
  imageTag,
  loadCompose,
  mongoUriParts,
  mountsOf,
  portBindings,
  readRepoFile,
  repoRoot,
  variableReferences,
  type Service,
} from './compose-file.js';

const compose = loadCompose();
const config = parseConfig(parseYaml(readRepoFile('docker/headwater.yaml')), 'docker/headwater.yaml');
const service = (name: string): Service => {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has no service '${name}'`);
  return s;
};
const worker = service('worker');
const workerEnv = environmentOf(worker);
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

/** A connection's URI as the worker sees it: inline, or from the worker's environment. */
function uriOf(id: string): string {
  const c = config.connections[id];
  assert.ok(c, `docker/headwater.yaml has no connection '${id}'`);
  const uri = c.uri ?? workerEnv[c.uriEnv!];
  assert.ok(uri, `connection '${id}': the worker's environment does not set ${c.uriEnv}`);
  return uri;
}

/** Asserts that host:port is a compose service listening on that port. */
function assertServiceListens(host: string, port: number, what: string) {
  const s = compose.services[host];
  assert.ok(s, `${what}: host '${host}' is not a service of docker-compose.yml`);
  assert.ok(containerPorts(s).includes(port), `${what}: service '${host}' does not listen on ${port}`);
}

describe('docker-compose.yml', () => {
  it('declares every service of the stack', () => {
    const expected = [
      'mongo1',
      'mongo2',
      'mongo3',
      'mongo-init',
      'head',
      'postgresql',
      'temporal',
      'temporal-init',
      'temporal-ui',
      'minio',
      'minio-init',
      'worker',
      'prometheus',
    ];
    assert.deepEqual(Object.keys(compose.services).sort(), expected.sort());
  });

  it('gives every variable it uses a default', () => {
    const refs = variableReferences(readRepoFile('docker-compose.yml'));
    assert.ok(
      refs.some((r) => r.name === 'MINIO_ROOT_PASSWORD'),
      'credentials come from variables',
    );
    assert.deepEqual(
      refs.filter((r) => !r.hasDefault).map((r) => r.name),
      [],
    );
  });

  it('gives environment values as strings or numbers, which is all compose accepts', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        assert.ok(['string', 'number'].includes(typeof value), `${name}: ${key} is a ${typeof value}`);
      }
    }
  });

  it('runs mongo1..3 with --replSet rs0 and initiates exactly those members under that name', () => {
    const members = Object.entries(compose.services).filter(([, s]) =>
      asList(s.command).includes('--replSet'),
    );
    assert.deepEqual(members.map(([name]) => name).sort(), ['mongo1', 'mongo2', 'mongo3']);
    for (const [name, s] of members) {
      assert.match(s.image ?? '', /^mongo:8\.0\.\d+$/, `${name} runs MongoDB 8.0`);
      assert.equal(flagValue(asList(s.command), '--replSet'), 'rs0', `${name} set name`);
      assert.ok(asList(s.command).includes('--bind_ip_all'), `${name} listens beyond loopback`);
      assert.ok(s.healthcheck?.test, `${name} has a healthcheck`);
    }
    const init = service('mongo-init');
    const env = environmentOf(init);
    assert.equal(env.RS_NAME, 'rs0');
    assert.deepEqual(env.RS_MEMBERS!.split(',').sort(), members.map(([name]) => `${name}:27017`).sort());
    for (const [name] of members) assert.equal(dependenciesOf(init)[name], 'service_healthy');
    assert.ok(asList(init.entrypoint).includes('mongosh'), 'mongo-init runs mongosh from the mongo image');
  });

  it('mounts the init scripts that the one-shot services run, read-only', () => {
    for (const [name, file] of [
      ['mongo-init', 'docker/mongo/init-replica-set.js'],
      ['temporal-init', 'docker/temporal/register-search-attributes.sh'],
      ['minio-init', 'docker/minio/create-bucket.sh'],
    ]) {
      const mount = mountsOf(service(name!)).find((m) => m.source === `./${file}`);
      assert.ok(mount?.readOnly, `${name} mounts ./${file} read-only`);
      assert.ok(asList(service(name!).entrypoint).includes(mount.target), `${name} runs ${mount.target}`);
      assert.ok(existsSync(join(repoRoot, file!)), `${file} exists`);
    }
    const script = readRepoFile('docker/mongo/init-replica-set.js');
    assert.match(script, /process\.env\.RS_NAME/);
    assert.match(script, /process\.env\.RS_MEMBERS/);
  });

  it('runs the head as a standalone MongoDB 8.0', () => {
    const head = service('head');
    assert.match(head.image ?? '', /^mongo:8\.0\.\d+$/);
    assert.ok(!asList(head.command).includes('--replSet'));
  });

  it('starts the worker only after every dependency is ready or initialised', () => {
    assert.deepEqual(dependenciesOf(worker), {
      'mongo-init': 'service_completed_successfully',
      head: 'service_healthy',
      temporal: 'service_healthy',
      'temporal-init': 'service_completed_successfully',
      minio: 'service_healthy',
      'minio-init': 'service_completed_successfully',
    });
    for (const dep of ['head', 'temporal', 'minio'])
      assert.ok(service(dep).healthcheck?.test, `${dep} has a healthcheck`);
    assert.ok(
      ['unless-stopped', 'always', 'on-failure'].includes(worker.restart ?? ''),
      'the worker restarts',
    );
  });

  it('builds the worker from the Dockerfile with docker/headwater.yaml mounted read-only', () => {
    assert.ok(worker.build, 'the worker is built, not pulled');
    const mount = mountsOf(worker).find((m) => m.source === './docker/headwater.yaml');
    assert.ok(mount?.readOnly, 'docker/headwater.yaml is mounted read-only');
    assert.equal(workerEnv.HEADWATER_CONFIG, mount.target);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const all = Object.entries(compose.services).flatMap(([name, s]) =>
      portBindings(s).map((p) => ({ name, ...p })),
    );
    assert.ok(all.length >= 6, 'the stack publishes its ports');
    for (const p of all)
      assert.equal(p.hostIp, '127.0.0.1', `${p.name} publishes ${p.target} beyond loopback`);
  });

  it('pins every image to an explicit tag, never latest', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image === undefined) {
        assert.ok(s.build, `${name} has neither image nor build`);
        continue;
      }
      const tag = imageTag(s.image);
      assert.ok(
        tag !== undefined && tag !== '' && tag !== 'latest',
        `${name}: image '${s.image}' is not pinned`,
      );
    }
    assert.match(service('temporal').image!, /^temporalio\/auto-setup:1\.29\.\d+$/);
    assert.match(service('temporal-ui').image!, /^temporalio\/ui:2\.42\.\d+$/);
    assert.match(service('minio').image!, /^minio\/minio:RELEASE\./);
  });

  it('keeps data in declared named volumes and binds only files that exist', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mountsOf(s)) {
        if (m.bind) assert.ok(existsSync(join(repoRoot, m.source)), `${name} binds missing ${m.source}`);
        else
          assert.ok(
            compose.volumes && m.source in compose.volumes,
            `${name}: volume '${m.source}' is not declared`,
          );
      }
    }
    for (const name of ['mongo1', 'mongo2', 'mongo3', 'head', 'postgresql', 'minio']) {
      assert.ok(
        mountsOf(service(name)).some((m) => !m.bind),
        `${name} keeps its data in a named volume`,
      );
    }
  });
});

describe('docker/headwater.yaml in the stack', () => {
  it('points every connection at compose services on their ports', () => {
    for (const id of Object.keys(config.connections)) {
      for (const { host, port } of mongoUriParts(uriOf(id)).hosts)
        assertServiceListens(host, port, `connection '${id}'`);
    }
    const source = mongoUriParts(uriOf('source'));
    assert.equal(source.options.get('replicaSet'), environmentOf(service('mongo-init')).RS_NAME);
    assert.deepEqual(
      source.hosts.map((h) => `${h.host}:${h.port}`).sort(),
      environmentOf(service('mongo-init')).RS_MEMBERS!.split(',').sort(),
    );
    assert.ok(mongoUriParts(uriOf('head')).hosts.every((h) => h.host === 'head'));
  });

  it('keeps credentials out of the file: the source URI and S3 keys come from the worker environment', () => {
    assert.equal(config.connections.source?.uri, undefined, 'the source URI is not inline');
    for (const [id, c] of Object.entries(config.connections)) {
      assert.doesNotMatch(c.uri ?? '', /\/\/[^/@]*:[^/@]*@/, `connection '${id}' has inline credentials`);
    }
    const named: string[] = [];
    const collect = (node: unknown) => {
      if (node === null || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (k.endsWith('Env') && typeof v === 'string') named.push(v);
        else collect(v);
      }
    };
    collect(config);
    assert.ok(
      named.includes('HEADWATER_SOURCE_URI') && named.length >= 3,
      `names env vars: ${named.join(', ')}`,
    );
    for (const v of named) assert.ok(workerEnv[v], `the worker's environment does not set ${v}`);
  });

  it('uses the s3 store on MinIO with its credentials and the bucket minio-init creates', () => {
    const s3 = Object.values(config.stores).find((s) => s.type === 's3');
    assert.ok(s3 && s3.type === 's3', 'an s3 store is configured');
    const endpoint = new URL(s3.endpoint!);
    assertServiceListens(endpoint.hostname, Number(endpoint.port || 80), 'the s3 store endpoint');
    assert.ok(s3.forcePathStyle, 'MinIO needs path-style addressing');
    const minio = environmentOf(service(endpoint.hostname));
    assert.equal(workerEnv[s3.accessKeyIdEnv!], minio.MINIO_ROOT_USER);
    assert.equal(workerEnv[s3.secretAccessKeyEnv!], minio.MINIO_ROOT_PASSWORD);
    const init = environmentOf(service('minio-init'));
    assert.equal(init.MINIO_BUCKET, s3.bucket);
    assert.equal(init.MINIO_ENDPOINT, s3.endpoint);
  });

  it('keeps the fs store on a named volume and the blockstore on the head connection', () => {
    const fs = config.stores.default;
    assert.ok(fs && fs.type === 'fs', 'the default store is the filesystem');
    const mount = mountsOf(worker).find((m) => m.target === fs.path);
    assert.ok(mount && !mount.bind, `${fs.path} is a named volume of the worker`);
    const blockstore = config.stores.blockstore;
    assert.ok(blockstore?.type === 'mongo' && blockstore.connection === 'head');
    assert.ok(Object.hasOwn(config.stores, config.sliceStore), 'the slice store is configured');
  });

  it("reaches Temporal's gRPC port on the temporal service, in the namespace temporal-init prepares", () => {
    const [host = '', port = ''] = config.temporal.address.split(':');
    assert.equal(host, 'temporal');
    assert.equal(Number(port), 7233, 'the frontend gRPC port');
    const temporal = service(host);
    assert.ok(containerPorts(temporal).includes(7233));
    assert.equal(environmentOf(temporal).FRONTEND_GRPC_PORT ?? '7233', '7233');
    for (const other of ['temporal-init', 'temporal-ui']) {
      assert.equal(
        environmentOf(service(other)).TEMPORAL_ADDRESS,
        config.temporal.address,
        `${other} address`,
      );
    }
    assert.equal(environmentOf(service('temporal-init')).TEMPORAL_NAMESPACE, config.temporal.namespace);
    assert.equal(environmentOf(temporal).DEFAULT_NAMESPACE, config.temporal.namespace);
    assert.equal(config.temporal.taskQueue, TASK_QUEUE, 'the client and the worker share the task queue');
  });

  it('has prometheus scrape the worker on the port and address its metrics bind', () => {
    assert.ok(config.metrics.port > 0, 'the metrics endpoint is on');
    assert.equal(config.metrics.host, '0.0.0.0', 'bound beyond loopback, so the prometheus container reaches it');
    assertServiceListens('worker', config.metrics.port, 'the metrics endpoint');
    const scrape = parseYaml(readRepoFile('docker/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = scrape.scrape_configs.flatMap((c) => c.static_configs.flatMap((t) => t.targets));
    assert.deepEqual(targets, [`worker:${config.metrics.port}`]);
    assert.ok(scrape.scrape_configs.every((c) => (c.metrics_path ?? '/metrics') === '/metrics'));
    const mount = mountsOf(service('prometheus')).find((m) => m.target === '/etc/prometheus/prometheus.yml');
    assert.equal(mount?.source, './docker/prometheus/prometheus.yml', 'prometheus reads that file');
  });

  it('has temporal-init register exactly the search attributes the workflows set', () => {
    const cliType = (t: string) =>
      t
        .toLowerCase()
        .split('_')
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('');
    const expected = [JobIdKey, StateKey, PhaseKey, SourceKey, HealthKey]
      .map((k) => `${k.name}=${cliType(k.type)}`)
      .sort();
    const declared = environmentOf(service('temporal-init')).HEADWATER_SEARCH_ATTRIBUTES!.split(/\s+/).sort();
    assert.deepEqual(declared, expected);
    assert.ok(declared.includes('HeadwaterJobId=Keyword'));
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRepoFile('Dockerfile');

  it('builds on node:20-bookworm-slim with npm ci and runs as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    assert.ok(
      bases.length > 0 && bases.every((b) => b === 'node:20-bookworm-slim'),
      `bases: ${bases.join(', ')}`,
    );
    assert.match(dockerfile, /^RUN npm ci\b/m);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(users.length > 0 && !['root', '0'].includes(users.at(-1)!), 'the final user is not root');
    assert.match(dockerfile, /^COPY src \.\/src$/m);
  });

  it('runs the worker entry point, and that file exists', () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    const args = JSON.parse(cmd[1]!) as string[];
    assert.deepEqual(args, ['npx', 'tsx', 'src/worker/main.ts']);
    assert.ok(existsSync(join(repoRoot, args[2]!)), `${args[2]} exists`);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.services', '.git'])
      assert.ok(ignored.includes(entry), entry);
  });
});
