import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import { jsonDepth } from '../identify/gallery-transfer.service.js';
import { isFaceStreamError } from '../errors/index.js';
import { personIdPattern } from '../identify/people.service.js';
import { ApiError } from './errors.js';
import { readUpload } from './uploads.js';

/**
 * Shared pieces of the route schemas for what comes from outside. Ids are data, never paths:
 * a person id is a UUID (what the store creates), checked before any lookup; a malformed one is
 * a 400 E_VALIDATION (a well-formed unknown one is a 404 E_NOT_FOUND). Messages never echo the
 * offending value (it may be 10 kB, or carry NUL or RTL marks).
 */
export const personIdSchema = z.string().regex(personIdPattern, 'not a person id (a UUID)');

/** Ids the store makes with randomUUID (alert rules), same form as person ids. */
export const uuidSchema = z.string().regex(personIdPattern, 'not an id (a UUID)');

/** A numeric row id in a path: decimal digits only (no 1e3, 0x10, -1, 1.5, Infinity, NaN). */
export const rowIdSchema = z.string().regex(/^[1-9][0-9]{0,14}$/, 'not an id (a positive integer)').transform(Number);

/** Stranger-cluster keys (`<run>-<number>`, made by the hub): a letter or digit, then letters, digits, _ . - only. */
export const clusterKeyPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

// C0 and C1 control characters: names reach terminals (`people list`) and pages
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f-\u009f]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const loneSurrogateGlobal = new RegExp(loneSurrogate.source, 'g');
// control characters plus zero-width and bidirectional marks: escaped when echoed in a message
// eslint-disable-next-line no-control-regex
const invisibleChars = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A person's display name: 1-200 characters after trimming, no control characters, well-formed
 * Unicode. Anything else (HTML, SQL, RTL overrides, confusables) is stored verbatim and only ever
 * served as JSON; the dashboard writes names as text (web/dom.js).
 */
export const displayNameSchema = z.string().trim().min(1).max(200)
  .refine((n) => !controlChars.test(n), 'must not contain control characters')
  .refine((n) => !loneSurrogate.test(n), 'must be well-formed Unicode');

/** Why a display text (a name) is refused, or null: control characters, lone surrogates. */
export const displayTextProblem = (text: string): string | null =>
  controlChars.test(text) ? 'must not contain control characters' : loneSurrogate.test(text) ? 'must be well-formed Unicode' : null;

const maxMetadataDepth = 32;
/** Free-form metadata (JSON object): at most 32 levels deep (it is stored as JSON and served back). */
export const metadataSchema = z.record(z.string(), z.unknown())
  .refine((v) => jsonDepth(v, maxMetadataDepth) <= maxMetadataDepth, `nested deeper than ${maxMetadataDepth} levels`);

/**
 * Text that may quote untrusted input (zod names unknown keys verbatim) for an error message:
 * control characters, NUL, lone surrogates and RTL marks escaped, cut to 200 characters.
 */
export function safeText(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return cut.replace(invisibleChars, hex).replace(loneSurrogateGlobal, hex);
}

/** An issue's path (keys may be hostile too). */
export const issuePath = (path: readonly PropertyKey[]): string => path.map((k) => (typeof k === 'string' ? safeText(k, 60) : String(k))).join('.');

/**
 * readUpload, with a malformed multipart body (no boundary, truncated, broken part headers:
 * busboy's plain errors) answered 400 E_BAD_REQUEST instead of 500; coded errors (size and
 * count limits, media type) keep their own answers.
 */
export async function readUploadChecked(req: FastifyRequest): Promise<Awaited<ReturnType<typeof readUpload>>> {
  try {
    return await readUpload(req);
  } catch (e) {
    const coded = e as { code?: unknown; statusCode?: unknown };
    if (e instanceof ApiError || isFaceStreamError(e) || typeof coded?.code === 'string' || typeof coded?.statusCode === 'number') throw e;
    throw new ApiError(400, 'E_BAD_REQUEST', `malformed multipart body: ${safeText(e instanceof Error ? e.message : String(e))}`);
  }
}

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
        const msg = r.error.issues.slice(0, 5).map((i) => `${where}${i.path.length ? '.' + issuePath(i.path) : ''}: ${safeText(i.message)}`).join('; ');
        return { error: new ApiError(400, 'E_VALIDATION', msg, r.error.issues.slice(0, 20).map((i) => ({ path: [httpPart, issuePath(i.path)].filter(Boolean).join('.'), message: safeText(i.message) }))) };
      };
    });
  }
}
