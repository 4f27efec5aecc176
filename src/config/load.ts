import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { FaceStreamError } from '../errors/index.js';
import { configSchema, nulBytePaths, type Config } from './schema.js';
import { configLeaves, envNameOf } from './walk.js';

/** FACESTREAM_* variables that are not settings of the schema. */
export const nonConfigEnv = new Set(['FACESTREAM_CONFIG', 'FACESTREAM_TEST_DATA']);

export interface LoadOptions {
  /** YAML file with overrides (default: $FACESTREAM_CONFIG when set). */
  file?: string;
  /** Environment to read FACESTREAM_* overrides from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Overrides applied last (e.g. CLI flags), same shape as the file. */
  overrides?: Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
      ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new FaceStreamError('E_CONFIG', `config file ${file} is not a file`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof FaceStreamError) throw e;
    throw new FaceStreamError('E_CONFIG', `cannot read config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (e) {
    throw new FaceStreamError('E_CONFIG', `config file ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FaceStreamError('E_CONFIG', `config file ${file} must hold a mapping of sections`);
  }
  return parsed as Record<string, unknown>;
}

function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const byName = new Map(configLeaves(configSchema).map((l) => [envNameOf(l.path), l.path]));
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FACESTREAM_') || nonConfigEnv.has(name) || raw === undefined) continue;
    const path = byName.get(name);
    if (!path) throw new FaceStreamError('E_CONFIG', `unknown environment setting ${name} (see config/default.yaml for the FACESTREAM_* names)`);
    let value: unknown = raw;
    try { value = YAML.parse(raw); } catch { /* keep the raw string */ }
    if (value === null) value = raw;
    setPath(out, path, value);
  }
  return out;
}

export function formatZodError(error: z.ZodError, origin: string): string {
  const issues = error.issues.slice(0, 5).map((i) => {
    const where = i.path.join('.') || '(root)';
    if (i.code === 'unrecognized_keys') return `${where ? where + ': ' : ''}unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}: ${i.message}`;
  });
  return `invalid configuration (${origin}): ${issues.join('; ')}`;
}

/** Load, validate and freeze the configuration: schema defaults < file < env < overrides. */
export function loadConfig(options: LoadOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.FACESTREAM_CONFIG;
  let raw: Record<string, unknown> = {};
  const origins: string[] = ['defaults'];
  if (file) { raw = readYaml(file); origins.push(file); }
  // Plain REDIS_URL is the de-facto convention; FACESTREAM_REDIS_URL wins when both are set.
  const fromEnv = envOverrides(env.REDIS_URL && !env.FACESTREAM_REDIS_URL ? { ...env, FACESTREAM_REDIS_URL: env.REDIS_URL } : env);
  if (Object.keys(fromEnv).length) { raw = deepMerge(raw, fromEnv); origins.push('environment'); }
  if (options.overrides) { raw = deepMerge(raw, options.overrides); origins.push('command line'); }
  const withNul = nulBytePaths(raw);
  if (withNul.length) throw new FaceStreamError('E_CONFIG', `invalid configuration (${origins.join(' + ')}): ${withNul.slice(0, 3).join(', ')}: a NUL byte is not allowed in a setting`);
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new FaceStreamError('E_CONFIG', formatZodError(result.error, origins.join(' + ')));
  return deepFreeze(result.data);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
