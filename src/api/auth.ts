import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyInfo, KeysRepository } from '../store/keys.repository.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated key (never the key itself); null on public routes. */
    apiKey: ApiKeyInfo | null;
  }
  interface FastifyContextConfig {
    /** A route that reads only, even though its method is POST (e.g. identify an upload). */
    readOnly?: boolean;
    /** No key needed (health probes). */
    public?: boolean;
  }
}

/** The presented key: `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** @fastify/rate-limit's createRateLimit(): counts one failure of the request's address per call. */
export type FailedAuthLimiter = (req: FastifyRequest) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number }>;

/** Actor string for the audit log. */
export const actorOf = (req: FastifyRequest): string => (req.apiKey ? `api-key:${req.apiKey.id}` : 'anonymous');

/**
 * Every route needs a valid key except those marked `config.public`; viewer keys may only
 * read (GET, or routes marked `config.readOnly`). Keys are compared as sha256 hashes in
 * constant time by the repository; neither the key nor its hash is ever logged.
 */
export function registerAuth(app: FastifyInstance, keys: KeysRepository, failedAuth?: FailedAuthLimiter): void {
  app.decorateRequest('apiKey', null);
  /** A failed authentication: 401, or 429 once this address failed too often (api.failedAuthPerMinute). */
  const refuse = async (req: FastifyRequest, message: string): Promise<never> => {
    const r = failedAuth ? await failedAuth(req) : undefined;
    if (r && !r.isAllowed && r.isExceeded) {
      throw new ApiError(429, 'E_RATE_LIMITED', `too many failed authentications from this address; retry in ${r.ttlInSeconds} s`, undefined, { 'retry-after': String(Math.max(1, r.ttlInSeconds)) });
    }
    throw new ApiError(401, 'E_UNAUTHORIZED', message);
  };
  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg?.public) return;
    const key = presentedKey(req);
    if (!key) return refuse(req, 'API key required (Authorization: Bearer KEY or X-API-Key: KEY)');
    const info = keys.verify(key);
    if (!info) return refuse(req, 'invalid or revoked API key');
    req.apiKey = info;
    if (info.role !== 'admin' && !readMethods.has(req.method) && !cfg?.readOnly) {
      throw new ApiError(403, 'E_FORBIDDEN', `a ${info.role} key cannot change anything`);
    }
  });
}
