import YAML from 'yaml';
import { configSchema } from './schema.js';
import { configLeaves, envNameOf } from './walk.js';

/**
 * Render config/default.yaml from the schema: every key with its description, bounds,
 * env name and default. Generated so the documentation cannot drift from the schema.
 */
export function renderDefaultYaml(): string {
  const lines = [
    '# facestream configuration: every key, with its default.',
    '# Generated from src/config/schema.ts by `npm run config:docs`; do not edit by hand.',
    '# Override in a YAML file (--config FILE or FACESTREAM_CONFIG=FILE) or per key with the',
    '# environment variable named on each key. Unknown keys are rejected.',
  ];
  // the open maps of the previous leaf (its path without the key): a new leaf opens only the ones it does not share
  let open: string[] = [];
  for (const leaf of configLeaves(configSchema)) {
    const parents = leaf.path.slice(0, -1), key = leaf.path[leaf.path.length - 1]!;
    let shared = 0;
    while (shared < parents.length && shared < open.length && parents[shared] === open[shared]) shared++;
    for (let d = shared; d < parents.length; d++) {
      if (d === 0) lines.push('');
      lines.push(`${'  '.repeat(d)}${parents[d]}:`);
    }
    open = parents;
    const indent = '  '.repeat(parents.length);
    const bounds = describeBounds(leaf.schema);
    lines.push(`${indent}# ${leaf.description ?? ''}${bounds ? ` ${bounds}` : ''} env: ${envNameOf(leaf.path)}`);
    if (leaf.defaultValue === undefined) lines.push(`${indent}# ${key}:   (unset)`);
    else lines.push(`${indent}${key}: ${YAML.stringify(leaf.defaultValue).trim()}`);
  }
  return lines.join('\n') + '\n';
}

function describeBounds(schema: unknown): string {
  const def = (schema as { _zod: { def: { type: string; entries?: Record<string, string> } } })._zod.def;
  if (def.type === 'enum' && def.entries) return `[${Object.values(def.entries).join('|')}]`;
  const num = schema as { minValue?: number | null; maxValue?: number | null };
  if (def.type === 'number' && (num.minValue != null || num.maxValue != null)) return `[${num.minValue ?? ''}..${num.maxValue ?? ''}]`;
  return '';
}
