import { photoFlipOf } from '../../config/schema.js';
import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { evaluatePairs, listLabelledImages, peopleOf, readLfwPairs, stderrProgress, type EmbeddingProvider, type PairsEvaluation } from '../../evaluation/index.js';
import { FaceStreamError } from '../../errors/index.js';
import { ProjectionHead, lossNames, saveHead, trainHead, type HeadMetadata, type LossName } from '../../training/index.js';
import { printJson, runCommand } from '../context.js';
import { embeddingSourceFrom } from './eval.command.js';

interface TrainOpts {
  data: string; loss: string; epochs: string; out: string; pairs?: string; testPairs?: string; margin?: string; lr: string;
  hidden: string; steps: string; valFraction: string; patience: string; seed: string; p: string; k: string; cacheDir: string; cache: boolean;
}

const num = (name: string, s: string, min: number, max: number, int = false): number => {
  const v = Number(s);
  if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) throw new FaceStreamError('E_USAGE', `--${name} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}], got "${s}"`);
  return v;
};

const summary = (e: PairsEvaluation) => ({ accuracy: e.accuracy, accuracyScoredOnly: e.accuracyScoredOnly, threshold: e.threshold, auc: e.auc, eer: e.eer, tarAtFar: e.tarAtFar.map((t) => ({ far: t.far, tar: t.tar })), failedPairs: e.pairs.failed });

/** `facestream train`: a Siamese/triplet projection head over cached frozen embeddings. */
export function registerTrainCommand(program: Command): void {
  program.command('train')
    .description('train a projection head (Siamese contrastive or triplet) over frozen embeddings of a folder-per-identity set')
    .requiredOption('--data <dir>', 'DIR/<identity>/<images> (LFW layout)')
    .option('--loss <name>', `${lossNames.join(' | ')} (triplet = batch-hard mining)`, 'triplet')
    .option('--epochs <n>', 'at most this many epochs', '30')
    .requiredOption('--out <dir>', 'where to save model.json, weights.bin and head.json')
    .option('--pairs <file>', 'train only on the people of this LFW pairs file; its pairs also choose the before/after threshold')
    .option('--test-pairs <file>', 'LFW pairs of held-out people: excluded from training, before/after accuracy reported on them')
    .option('--margin <m>', 'loss margin (default: 0.2 triplet, 0.5 contrastive; Euclidean on unit vectors)')
    .option('--lr <rate>', 'Adam learning rate', '0.001')
    .option('--hidden <n>', '0 = linear head starting at the identity; n = one ReLU hidden layer of n units', '0')
    .option('--steps <n>', 'optimiser steps per epoch', '50')
    .option('--val-fraction <f>', 'share of identities held out for validation / early stopping', '0.2')
    .option('--patience <n>', 'early stopping: epochs without a better validation loss', '5')
    .option('--p <n>', 'identities per batch', '16')
    .option('--k <n>', 'images per identity per batch', '4')
    .option('--seed <n>', 'random seed', '1')
    .option('--cache-dir <dir>', 'embedding cache folder', '.cache/embeddings')
    .option('--no-cache', 'do not read or write the embedding cache')
    .action((opts: TrainOpts, cmd: Command) => runCommand(async () => {
      if (!(lossNames as readonly string[]).includes(opts.loss)) throw new FaceStreamError('E_USAGE', `--loss must be one of ${lossNames.join(', ')}`);
      const loss = opts.loss as LossName;
      const margin = opts.margin !== undefined ? num('margin', opts.margin, 0, 4) : loss === 'contrastive' ? 0.5 : 0.2;
      const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
      if (config.embedder.head !== undefined) throw new FaceStreamError('E_USAGE', 'train runs over the plain embedder: unset embedder.head');
      const progress = stderrProgress('embedding');
      try {
        const fitFile = opts.pairs ? readLfwPairs(opts.pairs) : undefined;
        const testFile = opts.testPairs ? readLfwPairs(opts.testPairs) : undefined;
        const allowed = fitFile ? peopleOf(fitFile) : undefined;
        const excluded = testFile ? peopleOf(testFile) : new Set<string>();
        const images = (await listLabelledImages(opts.data)).filter((i) => (!allowed || allowed.has(i.person)) && !excluded.has(i.person));
        const vectors: Float32Array[] = [], identities: string[] = [];
        let failed = 0, done = 0;
        for (const img of images) {
          const e = await source.embed(img.path);
          progress.update(++done, images.length);
          if (e.embedding) { vectors.push(e.embedding); identities.push(img.person); } else failed++;
        }
        progress.stop();
        const o = {
          loss, margin, epochs: num('epochs', opts.epochs, 1, 10000, true), stepsPerEpoch: num('steps', opts.steps, 1, 100000, true),
          learningRate: num('lr', opts.lr, 1e-6, 1), hidden: num('hidden', opts.hidden, 0, 4096, true), valFraction: num('val-fraction', opts.valFraction, 0.05, 0.9),
          patience: num('patience', opts.patience, 1, 1000, true), p: num('p', opts.p, 2, 1024, true), k: num('k', opts.k, 2, 64, true), seed: num('seed', opts.seed, 0, 2 ** 31, true),
        };
        const result = await trainHead(engine.tf, { vectors, identities }, {
          ...o, exclude: excluded,
          onEpoch: (e) => process.stderr.write(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(5)}, val loss ${e.valLoss.toFixed(5)}${e.best ? ' *' : ''}\n`),
        });
        const metrics: Record<string, unknown> = { heldOutIdentities: result.heldOut, bestEpoch: result.bestEpoch, epochs: result.history.length, firstTrainLoss: result.firstTrainLoss, lastTrainLoss: result.lastTrainLoss };
        const data = { dir: opts.data, pairsFilter: opts.pairs ?? null, excludedPairs: opts.testPairs ?? null, images: vectors.length, failedImages: failed, identities: result.identities, options: o };
        // save first (the head must be loadable to be evaluated like the engine would use it)
        let meta = await saveHead(engine.tf, result.model, opts.out, { backboneModelId: engine.modelId, flip: photoFlipOf(config), inputDim: vectors[0]!.length, outputDim: result.model.outputs[0]!.shape[1]!, hidden: o.hidden, loss, margin, data, metrics, createdAt: new Date().toISOString() });
        result.model.dispose();
        if (fitFile && testFile) {
          const head = await ProjectionHead.load(engine.tf, opts.out);
          try {
            const projected: EmbeddingProvider = { embed: async (p) => { const e = await source.embed(p); return e.embedding ? { ...e, embedding: (await head.project([e.embedding]))[0]! } : e; } };
            const imagesDir = join(dirname(opts.testPairs!), 'images');
            const base = { test: testFile, train: fitFile, imagesDir, flip: photoFlipOf(config) };
            const before = await evaluatePairs(source, { ...base, modelId: engine.modelId });
            const after = await evaluatePairs(projected, { ...base, modelId: `${engine.modelId}+${head.id}` });
            metrics.testPairs = { file: opts.testPairs, thresholdFrom: opts.pairs, before: summary(before), after: summary(after) };
          } finally {
            head.dispose();
          }
          // metrics are part of the saved metadata; the weights (and the id) are unchanged
          meta = await saveHeadMetadata(opts.out, { ...meta, metrics });
        }
        printJson({ out: opts.out, id: meta.id, backboneModelId: meta.backboneModelId, loss, margin, data, history: result.history, metrics });
      } finally {
        progress.stop();
        engine.close();
      }
    }));
}

/** Rewrite the metadata of a saved head (weights and id unchanged). */
async function saveHeadMetadata(dir: string, meta: HeadMetadata): Promise<HeadMetadata> {
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'model.json'), JSON.stringify({ ...modelJson, userDefinedMetadata: { facestream: meta } }));
  await writeFile(join(dir, 'head.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}
