import type { FastifyInstance } from 'fastify';
import type { IdentificationService } from '../../identify/identification.service.js';
import { ApiError } from '../errors.js';
import { readUploadChecked } from '../validation.js';

/** Identify every face of one uploaded image (a read: viewer keys may call it). */
export function registerIdentifyRoutes(app: FastifyInstance, matcher: Pick<IdentificationService, 'identifyImage' | 'threshold'>): void {
  app.post('/api/identify', {
    config: { readOnly: true },
    schema: { tags: ['identify'], summary: 'Identify every face in one uploaded image (multipart, one file); 429 E_BUSY with Retry-After when the analyses are at their bound', consumes: ['multipart/form-data'] },
  }, async (req) => app.analysisGate.run(async () => {
    const { files } = await readUploadChecked(req);
    if (files.length !== 1) throw new ApiError(400, 'E_VALIDATION', `expected one image file, got ${files.length}`);
    const r = await matcher.identifyImage(files[0]!.data);
    return { ...r, threshold: matcher.threshold };
  }));
}
