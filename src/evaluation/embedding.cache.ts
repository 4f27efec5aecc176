import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * v2: the engine's detectionPad (more border for small images). v3: photos go through analyzePhoto
 * (tight-crop retries). Bump when detection, landmarks, alignment or chip extraction change in a way that changes
 * embeddings without changing the embedder's modelId: old cache entries then stop matching.
 */
export const alignmentVersion = 'align-v3';

/** What the cache stores for one image under one embedding configuration. */
export const cachedEmbeddingSchema = z.object({
  v: z.literal(1),
  /** ok = the subject face was embedded; no-face = nothing detected; error = the image could not be read/decoded. */
  status: z.enum(['ok', 'no-face', 'error']),
  /** Base64 of the Float32Array (L2-normalised). */
  embedding: z.string().optional(),
  faces: z.number().int().min(0),
  /** The embedded face passed the engine's quality gate (faces failing it are still embedded here). */
  qualityPassed: z.boolean().optional(),
  reasons: z.array(z.string()).optional(),
  error: z.string().optional(),
  /** Which analyzePhoto pass found the face (detector, padding, low-score, other-detector). */
  pass: z.string().max(32).optional(),
  /** Milliseconds the engine spent on this image (decode + detect + landmarks + align + embed). */
  ms: z.number().min(0),
});
export type CachedEmbedding = z.infer<typeof cachedEmbeddingSchema>;

export interface EmbeddingKeyParts {
  /** sha256 of the image file bytes. */
  fileHash: string;
  /** engine.modelId (includes the projection head when one is configured). */
  modelId: string;
  flip: boolean;
  /** Everything else that changes the embedding (detector/landmark settings, alignment version). */
  pipeline: string;
}

export const encodeVector = (v: Float32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
export function decodeVector(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * One JSON file per (image bytes, model, flip, pipeline) under `dir`. Writes go to a temp
 * file then rename, so several processes can fill the same cache at once (e.g. the two LFW
 * splits embedded in parallel) without torn entries.
 */
export class EmbeddingCache {
  constructor(readonly dir: string) {}

  keyOf(parts: EmbeddingKeyParts): string {
    return sha256([parts.fileHash, parts.modelId, `flip=${parts.flip}`, parts.pipeline].join('|'));
  }

  private pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CachedEmbedding | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = cachedEmbeddingSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // a corrupt entry is a cache miss: it is recomputed and overwritten
      return undefined;
    }
  }

  async set(key: string, value: CachedEmbedding): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  }
}
