import type { z } from 'zod';

/** A leaf setting of the schema: its path, its schema (wrappers removed) and its description. */
export interface ConfigLeaf {
  path: string[];
  schema: z.ZodType;
  description: string | undefined;
  defaultValue: unknown;
}

interface Def { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; defaultValue?: unknown }
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip default/prefault/optional wrappers, keeping the first description and default met. */
function unwrap(s: z.ZodType): { inner: z.ZodType; description?: string; defaultValue?: unknown } {
  let cur = s;
  let description = s.description;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(cur);
    if ((def.type === 'default' || def.type === 'prefault' || def.type === 'optional') && def.innerType) {
      if (def.type === 'default' && defaultValue === undefined) defaultValue = def.defaultValue;
      cur = def.innerType;
      description ??= cur.description;
      continue;
    }
    return { inner: cur, description, defaultValue };
  }
}

export function objectShape(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const { inner } = unwrap(s);
  const def = defOf(inner);
  return def.type === 'object' ? def.shape : undefined;
}

/** Every leaf of the schema in declaration order. */
export function configLeaves(schema: z.ZodType, prefix: string[] = []): ConfigLeaf[] {
  const shape = objectShape(schema);
  if (!shape) {
    const { inner, description, defaultValue } = unwrap(schema);
    return [{ path: prefix, schema: inner, description, defaultValue }];
  }
  return Object.entries(shape).flatMap(([key, child]) => configLeaves(child, [...prefix, key]));
}

/** detector.scoreThreshold -> FACESTREAM_DETECTOR_SCORE_THRESHOLD */
export const envNameOf = (path: string[]): string =>
  'FACESTREAM_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
