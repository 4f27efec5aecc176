import type { FastifyInstance } from 'fastify';
import type { Gallery } from '../../identify/gallery.js';

/** Liveness (the process answers) and readiness (the store answers): no API key needed. */
export function registerHealthRoutes(app: FastifyInstance, gallery: Pick<Gallery, 'ping' | 'people' | 'index'>): void {
  app.get('/health/live', { config: { public: true }, schema: { tags: ['health'], security: [] } }, async () => ({ status: 'live' }));
  app.get('/health/ready', { config: { public: true }, schema: { tags: ['health'], security: [] } }, async (_req, reply) => {
    try {
      gallery.ping();
      return { status: 'ready', people: gallery.people.count(), indexSize: gallery.index.size, modelId: gallery.index.modelId };
    } catch (e) {
      return reply.status(503).send({ error: { code: 'E_NOT_READY', message: (e as Error).message } });
    }
  });
}
