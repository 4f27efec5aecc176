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
  let section = '';
  let subsection = '';
  for (const leaf of configLeaves(configSchema)) {
    const [top, ...rest] = leaf.path;
    if (top !== section) {
      section = top!;
      subsection = '';
      lines.push('', `${section}:`);
    }
    let indent = '  ';
    if (rest.length > 1) {
      if (rest[0] !== subsection) { subsection = rest[0]!; lines.push(`  ${subsection}:`); }
      indent = '    ';
    }
    const key = rest[rest.length - 1]!;
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
