/**
 * Reads docker-compose.yml the way `docker compose` does (YAML merge keys, `${VAR:-default}` interpolation
 * with an empty environment, so defaults apply) into plain data, and helpers to read ports, hosts and
 * mounts out of it. No Docker engine runs where the tests run, so the wiring is checked from this data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const repoRoot = process.cwd();
export const readRepoFile = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

export interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  expose?: (string | number)[];
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  healthcheck?: { test?: string[] | string };
  restart?: string;
}
export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const variable = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every `${VAR...}` reference in a text, with whether it carries a `:-` / `-` default. */
export function variableReferences(text: string): { name: string; hasDefault: boolean }[] {
  return [...text.matchAll(variable)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({ name: (m[1] ?? m[4])!, hasDefault: m[2] === ':-' || m[2] === '-' }));
}

/** Compose's interpolation of one string: `$$` is a literal `$`; unset variables take their defaults. */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(variable, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const v = env[(braced ?? bare)!];
    if (op === ':-') return v === undefined || v === '' ? arg! : v;
    if (op === '-') return v === undefined ? arg! : v;
    if (op === ':?' || op === '?') {
      if (v === undefined || (op === ':?' && v === ''))
        throw new Error(`required variable ${braced}: ${arg}`);
      return v;
    }
    if (op === ':+') return v === undefined || v === '' ? '' : arg!;
    if (op === '+') return v === undefined ? '' : arg!;
    return v ?? '';
  });
}

function interpolateTree(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)]));
  }
  return node;
}

export function loadCompose(env: Record<string, string | undefined> = {}): ComposeFile {
  const raw = parseYaml(readRepoFile('docker-compose.yml'), { merge: true }) as unknown;
  return interpolateTree(raw, env) as ComposeFile;
}

export const asList = (v: string[] | string | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter((s) => s !== '');

/** A service's environment as a map (compose accepts a map or a list of NAME=value). */
export function environmentOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

export function dependenciesOf(s: Service): Record<string, string> {
  const d = s.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.condition ?? 'service_started']));
}

export interface PortBinding {
  hostIp: string | undefined;
  published: string | undefined;
  target: number;
}

/** Port entries in either syntax: "[ip:][published:]target[/proto]" or the long form. */
export function portBindings(s: Service): PortBinding[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p !== 'string')
      return { hostIp: p.host_ip, published: p.published?.toString(), target: Number(p.target) };
    const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.pop();
    return { hostIp: parts.length > 0 ? parts.join(':') : undefined, published, target };
  });
}

/** The ports a service listens on inside the compose network, as far as the file declares them. */
export function containerPorts(s: Service): number[] {
  return [
    ...portBindings(s).map((p) => p.target),
    ...(s.expose ?? []).map((e) => Number(String(e).split('/')[0])),
  ];
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

export function mountsOf(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      return {
        source: v.source ?? '',
        target: v.target,
        readOnly: v.read_only === true,
        bind: v.type === 'bind',
      };
    }
    const [source = '', target = '', mode = ''] = v.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro'), bind: /^[./~]/.test(source) };
  });
}

/** Hosts of a mongodb:// URI (several for a replica set), which `new URL` cannot parse, and its options. */
export function mongoUriParts(uri: string): {
  hosts: { host: string; port: number }[];
  options: URLSearchParams;
} {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)\/?[^?]*(?:\?(.*))?$/.exec(uri);
  if (m === null) throw new Error(`not a mongodb:// uri: ${uri}`);
  const hosts = m[1]!.split(',').map((h) => {
    const [host = '', port = '27017'] = h.split(':');
    return { host, port: Number(port) };
  });
  return { hosts, options: new URLSearchParams(m[2] ?? '') };
}

/** "name:tag" or "name:tag@sha256:..." -> tag; undefined when the reference has no tag. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const lastSegment = withoutDigest.split('/').pop()!;
  return lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
}
