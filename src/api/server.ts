import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ApiConfig } from '../config/schema.js';
import type { Gallery } from '../identify/gallery.js';
import { AnalysisGate } from './analysis.gate.js';
import { registerAuth } from './auth.js';
import { ApiError, errorHandler } from './errors.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerIdentifyRoutes } from './routes/identify.routes.js';
import { registerPeopleRoutes } from './routes/people.routes.js';
import { registerSightingsRoutes } from './routes/sightings.routes.js';
import { SchemaRegistry } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Bounds this process's photo analyses (identify, enrol): 429 E_BUSY past api.maxQueuedAnalyses. */
    analysisGate: AnalysisGate;
  }
}

/** Header paths pino must never write (API keys). */
export const redactPaths = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]',
  // @fastify/multipart logs its busboy options, request headers included, at trace level
  'busboyOptions.headers.authorization', 'busboyOptions.headers["x-api-key"]',
  '*.headers.authorization', '*.headers["x-api-key"]',
];

export interface ApiServerOptions {
  gallery: Gallery;
  api: ApiConfig;
  /** pino options for fastify's logger (redaction of keys is always added); false = no logs. */
  logger?: Exclude<FastifyServerOptions['logger'], true> & object | false;
}

/**
 * Build the REST app around an opened gallery: auth, JSON errors, OpenAPI at /api/docs,
 * people/samples, identify, sightings, health. Not listening yet: tests use inject(); later
 * stages register more routes (and Socket.IO) on the returned instance before listen().
 */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { gallery, api } = options;
  const logger = options.logger === false || options.logger === undefined
    ? false
    : { ...options.logger, redact: { paths: redactPaths, censor: '[redacted]' } };
  const app = Fastify({ logger, bodyLimit: 1024 * 1024 });
  const schemas = new SchemaRegistry();
  schemas.install(app);
  app.setErrorHandler(errorHandler);
  // bodies are JSON or multipart; a text body is a client mistake (415), not a string to validate
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((req) => { throw new ApiError(404, 'E_ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`); });

  await app.register(swagger, {
    openapi: {
      info: { title: 'facestream API', version: '1', description: 'Gallery (people, face samples), identification and sightings. Every route except /health/* needs an API key (`facestream keys create`).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  // failed authentications are counted per client address (registerAuth asks this limiter only
  // when a request has no valid key): past api.failedAuthPerMinute, 429 E_RATE_LIMITED
  await app.register(rateLimit, { global: false });
  const failedAuth = app.createRateLimit({ max: api.failedAuthPerMinute, timeWindow: 60_000 });
  app.decorate('analysisGate', new AnalysisGate(api.maxConcurrentAnalyses, api.maxQueuedAnalyses));
  await app.register(multipart, { limits: { fileSize: api.maxUploadBytes, files: api.maxFiles, fields: 20, fieldSize: 1024, parts: api.maxFiles + 20 } });
  registerAuth(app, gallery.keys, failedAuth);
  registerHealthRoutes(app, gallery);
  registerPeopleRoutes(app, gallery, schemas);
  registerIdentifyRoutes(app, gallery.matcher);
  registerSightingsRoutes(app, gallery.sightings, schemas);
  return app;
}

/** The API as a long-lived service: start() listens on api.host:api.port, close() stops it. */
export class ApiServer {
  private app: FastifyInstance | undefined;
  private closed = false;

  constructor(private readonly options: ApiServerOptions) {}

  /** The fastify instance (after start), for later stages to extend. */
  get instance(): FastifyInstance | undefined { return this.app; }

  /** Listen; resolves to the bound address (port 0 picks a free one). */
  async start(): Promise<string> {
    this.app = await buildApiServer(this.options);
    return this.app.listen({ host: this.options.api.host, port: this.options.api.port });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app?.close();
  }
}
