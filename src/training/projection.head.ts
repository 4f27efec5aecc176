import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TF, Tensor } from '../engine/tf.js';
import { FaceStreamError } from '../errors/index.js';
import type { EmbeddingProjection } from '../vision/embed/embedder.js';
import { sha256 } from '../evaluation/embedding.cache.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;

/** What travels with a saved head (head.json beside model.json). */
export const headMetadataSchema = z.object({
  version: z.literal(1),
  /** Content hash of topology + weights: part of the engine's modelId when the head is on. */
  id: z.string(),
  /** The embedder the head was trained on; the engine refuses another one. */
  backboneModelId: z.string(),
  flip: z.boolean(),
  inputDim: z.number().int().positive(),
  outputDim: z.number().int().positive(),
  hidden: z.number().int().min(0),
  loss: z.string(),
  margin: z.number(),
  data: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type HeadMetadata = z.infer<typeof headMetadataSchema>;

/**
 * A small projection over frozen-backbone embeddings: linear (or one ReLU hidden layer, then
 * linear), followed by L2 normalisation. The linear-only head starts as the identity, so an
 * untrained head reproduces the backbone exactly and training can only move from there.
 */
export function buildHead(tf: TF, inputDim: number, outputDim: number, hidden: number, seed = 1): LayersModel {
  const model = tf.sequential();
  if (hidden > 0) {
    model.add(tf.layers.dense({ inputShape: [inputDim], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    model.add(tf.layers.dense({ units: outputDim, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  } else {
    model.add(tf.layers.dense({
      inputShape: [inputDim], units: outputDim,
      kernelInitializer: inputDim === outputDim ? tf.initializers.identity({}) : tf.initializers.glorotUniform({ seed }),
    }));
  }
  return model;
}

/** Forward pass + L2 normalisation (differentiable: used in training too). */
export function projectTensor(tf: TF, model: LayersModel, x: Tensor): Tensor {
  return tf.tidy(() => {
    const y = model.apply(x) as Tensor;
    return tf.div(y, tf.sqrt(tf.maximum(tf.sum(tf.square(y), -1, true), 1e-12)));
  });
}

const concatWeights = (w: ArrayBuffer | ArrayBuffer[]): Buffer =>
  Buffer.concat((Array.isArray(w) ? w : [w]).map((b) => Buffer.from(b)));

/**
 * Save as a TF.js layers model (model.json + weights.bin, loadable by tf.loadLayersModel) plus
 * head.json. tfjs-node's file:// handler is not available, so a custom save handler writes.
 */
export async function saveHead(tf: TF, model: LayersModel, dir: string, meta: Omit<HeadMetadata, 'id' | 'version'>): Promise<HeadMetadata> {
  let full: HeadMetadata | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = concatWeights(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    const id = `head-${sha256(Buffer.concat([Buffer.from(JSON.stringify(artifacts.modelTopology)), weights])).slice(0, 12)}`;
    full = { version: 1, id, ...meta };
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.bin'), weights);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...modelJson, userDefinedMetadata: { facestream: full } }));
    await writeFile(join(dir, 'head.json'), JSON.stringify(full, null, 2) + '\n');
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
  }));
  return full!;
}

/** A loaded head, applied by the engine after the embedder. */
export class ProjectionHead implements EmbeddingProjection {
  private constructor(private readonly tf: TF, private readonly model: LayersModel, readonly meta: HeadMetadata) {}

  get id(): string { return this.meta.id; }
  get outputDim(): number { return this.meta.outputDim; }
  get backboneModelId(): string { return this.meta.backboneModelId; }

  static async load(tf: TF, dir: string): Promise<ProjectionHead> {
    let modelJson: { modelTopology: object; weightsManifest: { paths: string[]; weights: unknown[] }[] };
    let meta: HeadMetadata;
    try {
      modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as typeof modelJson;
      const parsed = headMetadataSchema.safeParse(JSON.parse(await readFile(join(dir, 'head.json'), 'utf8')));
      if (!parsed.success) throw new Error(`head.json: ${parsed.error.issues[0]?.message}`);
      meta = parsed.data;
    } catch (e) {
      throw new FaceStreamError('E_MODEL_MISSING', `embedder.head ${dir}: not a saved projection head (${(e as Error).message.split('\n')[0]})`);
    }
    const buffers = await Promise.all(modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(join(dir, p)))));
    const all = Buffer.concat(buffers);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    }));
    return new ProjectionHead(tf, model, meta);
  }

  /** Project and L2-normalise a batch of backbone embeddings. */
  async project(vectors: readonly Float32Array[]): Promise<Float32Array[]> {
    if (vectors.length === 0) return [];
    const d = this.meta.inputDim;
    const flat = new Float32Array(vectors.length * d);
    vectors.forEach((v, i) => {
      if (v.length !== d) throw new FaceStreamError('E_MODEL_MISMATCH', `projection head ${this.id} expects ${d}-d embeddings, got ${v.length}`);
      flat.set(v, i * d);
    });
    const x = this.tf.tensor2d(flat, [vectors.length, d]);
    const y = projectTensor(this.tf, this.model, x);
    try {
      const out = (await y.data()) as Float32Array;
      const k = this.meta.outputDim;
      return vectors.map((_, i) => out.slice(i * k, (i + 1) * k));
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  dispose(): void { this.model.dispose(); }
}
