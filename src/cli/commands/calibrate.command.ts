import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { calibrate, embedPairImages, imagesOf, lfwImageKey, readLfwPairs, stderrProgress, writeThreshold, type CalibrationObjective } from '../../evaluation/index.js';
import { FaceStreamError } from '../../errors/index.js';
import { cosineDistance } from '../../common/vectors.js';
import { printJson, runCommand } from '../context.js';
import { embeddingSourceFrom } from './eval.command.js';

/** `facestream calibrate`: set verify.thresholds.<model> from labelled pairs. */
export function registerCalibrateCommand(program: Command): void {
  program.command('calibrate')
    .description('choose the verification threshold on labelled pairs (a FAR target or best accuracy) and write it to a YAML config')
    .requiredOption('--pairs <file>', 'pairs file in the LFW format')
    .option('--images <dir>', 'image folder DIR/Name/Name_000i.jpg (default: "images" beside the pairs file)')
    .option('--far <rate>', 'target false accept rate: the largest threshold whose FAR on these pairs is at most this')
    .option('--objective <kind>', 'far (needs --far) or accuracy (the threshold with the best accuracy on these pairs)')
    .option('--out <file>', 'YAML config to write verify.thresholds.<model> into (kept otherwise; load with --config)', 'config/calibrated.yaml')
    .option('--cache-dir <dir>', 'embedding cache folder', '.cache/embeddings')
    .option('--no-cache', 'do not read or write the embedding cache')
    .action((opts: { pairs: string; images?: string; far?: string; objective?: string; out: string; cacheDir: string; cache: boolean }, cmd: Command) => runCommand(async () => {
      const kind = opts.objective ?? (opts.far !== undefined ? 'far' : undefined);
      let objective: CalibrationObjective;
      if (kind === 'accuracy') objective = { kind: 'accuracy' };
      else if (kind === 'far') {
        const far = Number(opts.far);
        if (opts.far === undefined || !(far > 0 && far < 1)) throw new FaceStreamError('E_USAGE', '--far <rate> in (0, 1) is required for the far objective');
        objective = { kind: 'far', far };
      } else throw new FaceStreamError('E_USAGE', 'give --far <rate> or --objective accuracy');
      const file = readLfwPairs(opts.pairs);
      const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
      const progress = stderrProgress('embedding');
      try {
        const emb = await embedPairImages(source, opts.images ?? join(dirname(opts.pairs), 'images'), imagesOf(file.pairs), (d, t) => progress.update(d, t));
        progress.stop();
        const scores = file.pairs.flatMap((p) => {
          const a = emb.get(lfwImageKey(p.a))?.embedding, b = emb.get(lfwImageKey(p.b))?.embedding;
          return a && b ? [{ distance: cosineDistance(a, b), same: p.same }] : [];
        });
        if (scores.length === 0) throw new FaceStreamError('E_NO_FACE', `${opts.pairs}: no pair could be embedded`);
        const c = calibrate(scores, objective);
        const model = config.embedder.model;
        const what = objective.kind === 'far' ? `FAR <= ${objective.far}` : 'best accuracy';
        if (config.embedder.head !== undefined || config.embedder.flip) {
          process.stderr.write(`facestream: note: calibrated with ${config.embedder.head ? 'a projection head' : ''}${config.embedder.flip ? ' flip' : ''}; the threshold fits only that setting\n`);
        }
        await writeThreshold(opts.out, model, c.threshold, `calibrate: ${what} on ${opts.pairs} (${scores.length} pairs): TAR ${(c.tar * 100).toFixed(2)} %, FAR ${(c.far * 100).toFixed(3)} %, accuracy ${(c.accuracy * 100).toFixed(2)} %${config.embedder.flip ? ', flip' : ''}`);
        printJson({
          model, modelId: engine.modelId, flip: config.embedder.flip, objective, threshold: c.threshold,
          tar: c.tar, far: c.far, accuracy: c.accuracy, pairs: { total: file.pairs.length, scored: scores.length },
          confusion: { tp: c.confusion.tp, fn: c.confusion.fn, fp: c.confusion.fp, tn: c.confusion.tn },
          out: opts.out, key: `verify.thresholds.${model}`,
        });
      } finally {
        progress.stop();
        engine.close();
      }
    }));
}
