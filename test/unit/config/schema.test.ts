import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { cameraSchema, configSchema } from '../../../src/config/schema.js';
import { configLeaves, objectShape } from '../../../src/config/walk.js';
import { repoRoot } from '../../helpers/data.js';

/**
 * Descriptions stay short (config/default.yaml prints one per key): what the key does, its unit
 * and why the default, pointing at the doc that measured it rather than quoting the figures.
 */
const maxDescription = 320;

/** Every description in the schema, of leaves and of the objects that hold them. */
function descriptions(schema: z.ZodType, path: string[] = []): { path: string; text: string }[] {
  const shape = objectShape(schema);
  if (!shape) return configLeaves(schema, path).map((l) => ({ path: l.path.join('.'), text: l.description ?? '' }));
  const own = path.length && schema.description ? [{ path: path.join('.'), text: schema.description }] : [];
  return [...own, ...Object.entries(shape).flatMap(([key, child]) => descriptions(child, [...path, key]))];
}

const all = [...descriptions(configSchema), ...descriptions(cameraSchema, ['ingest', 'cameras[]'])];

describe('config schema descriptions', () => {
  it('cover every key', () => {
    expect(all.length).toBeGreaterThan(150);
    for (const d of all) expect(d.text, d.path).toBeTruthy();
  });

  it(`are at most ${maxDescription} characters`, () => {
    const long = all.filter((d) => d.text.length > maxDescription).map((d) => `${d.path} (${d.text.length})`);
    expect(long).toEqual([]);
  });

  it('point at docs/ instead of quoting measurements or the README', () => {
    // measured figures look like "~1.3x", "93 %", "4 -> 3"; the README no longer holds them
    const quoting = all.filter((d) => /~\s?\d|\d\s?%|->|README/.test(d.text)).map((d) => d.path);
    expect(quoting).toEqual([]);
  });

  it('name docs that exist', () => {
    const missing = all.flatMap((d) => [...d.text.matchAll(/\bdocs\/[\w./-]+\.md/g)].map((m) => m[0]))
      .filter((doc) => !existsSync(`${repoRoot}/${doc}`));
    expect(missing).toEqual([]);
  });
});
