import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { ApiError } from './errors.js';

/**
 * Route schemas are zod (validation at the boundary, the project's convention) and their JSON
 * Schema rendering (for the OpenAPI document). The registry maps each rendered schema back to
 * its zod schema so fastify's validator compiler validates with zod: no type coercion of JSON
 * bodies (a number is not a name), and the same error shape everywhere.
 */
export class SchemaRegistry {
  private readonly byJson = new WeakMap<object, z.ZodType>();

  json(schema: z.ZodType): Record<string, unknown> {
    const j = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>;
    delete j.$schema;
    this.byJson.set(j, schema);
    return j;
  }

  route(parts: { body?: z.ZodType; querystring?: z.ZodType; params?: z.ZodType }, doc: Omit<FastifySchema, 'body' | 'querystring' | 'params'> = {}): FastifySchema {
    return {
      ...doc,
      ...(parts.body ? { body: this.json(parts.body) } : {}),
      ...(parts.querystring ? { querystring: this.json(parts.querystring) } : {}),
      ...(parts.params ? { params: this.json(parts.params) } : {}),
    };
  }

  install(app: FastifyInstance): void {
    app.setValidatorCompiler(({ schema, httpPart }) => {
      const zod = this.byJson.get(schema as object);
      if (!zod) throw new Error(`route schema for ${httpPart ?? 'a part'} was not made by SchemaRegistry`);
      return (data: unknown) => {
        const r = zod.safeParse(data);
        if (r.success) return { value: r.data };
        const where = httpPart === 'body' ? 'body' : httpPart ?? 'request';
        const msg = r.error.issues.slice(0, 5).map((i) => `${where}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; ');
        return { error: new ApiError(400, 'E_VALIDATION', msg, r.error.issues.map((i) => ({ path: [httpPart, ...i.path].join('.'), message: i.message }))) };
      };
    });
  }
}
