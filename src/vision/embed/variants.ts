import { humanModelDir } from '../../engine/models.js';
import type { LoadedBackend } from '../../engine/backend.js';
import { arcfaceTemplate112, dlibChipPoints, dlibLandmarkIndices } from '../align/templates.js';
import type { Point } from '../align/similarity.js';
import { fivePointsOf, type Embedder } from './embedder.js';
import { GraphEmbedder, type GraphInput } from './graph.embedder.js';
import { embedderNames } from '../../config/schema.js';
import { loadEmbedder } from './load.js';

export type EmbedderVariant = Embedder & { name: string };

const dlibAlign = (size: number, padding: number) => {
  const chipPoints = dlibChipPoints(size, padding);
  return (l: readonly Point[]) => ({ imagePoints: dlibLandmarkIndices.map((i) => l[i]!), chipPoints });
};
const arcfaceAlign = (l: readonly Point[]) => ({ imagePoints: fivePointsOf(l), chipPoints: arcfaceTemplate112 });

const RGB255: GraphInput = { bgr: false, mean: 0, scale: 1 };
const RGB01: GraphInput = { bgr: false, mean: 0, scale: 1 / 255 };
const RGBSYM: GraphInput = { bgr: false, mean: 127.5, scale: 1 / 128 };
const BGRSYM: GraphInput = { bgr: true, mean: 127.5, scale: 1 / 128 };

const named = <T extends Embedder>(name: string, e: T): T & { name: string } => Object.assign(e, { name });

type Make = (b: LoadedBackend) => Promise<EmbedderVariant>;
const graph = (name: string, file: string, dim: number, chipSize: number, input: GraphInput, align: (l: readonly Point[]) => { imagePoints: Point[]; chipPoints: readonly Point[] }, output?: string): Make =>
  async (b) => named(name, await GraphEmbedder.load(b.tf, humanModelDir(), { modelId: name, file, dim, chipSize, input, alignment: align, ...(output ? { output } : {}) }));

/** Every embedder and preprocessing variant the embedder bench can measure. */
export const embedderVariants: Record<string, Make> = {};
// the embedders facestream ships (embedder.model), exactly as the pipeline loads them
for (const name of embedderNames) embedderVariants[name] = async (b) => named(name, await loadEmbedder(name, b, {}));
for (const [file, out] of [['faceres', 'global_pooling/Mean'], ['faceres-deep', 'global_pooling/Mean']] as const) {
  for (const pad of [0.25, 0.4, 0.5, 0.6, 0.8, 1]) {
    embedderVariants[`${file}-p${pad}-255`] = graph(`${file}-p${pad}-255`, file, 1024, 224, RGB255, dlibAlign(224, pad), out);
    embedderVariants[`${file}-p${pad}-sym`] = graph(`${file}-p${pad}-sym`, file, 1024, 224, RGBSYM, dlibAlign(224, pad), out);
  }
}
// the settings the sweep chose (bench/embedders.bench.ts on DevTrain): see docs/benchmarks/embedders.md
embedderVariants['faceres-uncentred'] = graph('faceres-uncentred', 'faceres', 1024, 224, RGB255, dlibAlign(224, 0.5), 'global_pooling/Mean');
embedderVariants['faceres-deep'] = graph('faceres-deep', 'faceres-deep', 1024, 224, RGB255, dlibAlign(224, 0.6), 'global_pooling/Mean');
embedderVariants.mobilefacenet = graph('mobilefacenet', 'mobilefacenet', 192, 112, RGBSYM, arcfaceAlign, 'embeddings');
for (const [tag, input] of [['rgbsym', RGBSYM], ['bgrsym', BGRSYM], ['rgb01', RGB01], ['rgb255', RGB255]] as const) {
  embedderVariants[`mobilefacenet-${tag}`] = graph(`mobilefacenet-${tag}`, 'mobilefacenet', 192, 112, input, arcfaceAlign, 'embeddings');
}
