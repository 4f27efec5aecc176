import { photoFlipOf } from '../../config/schema.js';
import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { calibrate, calibrateOpenSet, embedPairImages, evaluateIdentification, imagesOf, lfwImageKey, openSetRates, readLfwPairs, stderrProgress, writeIdentifyDecision, writeThreshold, type CalibrationObjective, type OpenSetProbe } from '../../evaluation/index.js';
import { FaceStreamError } from '../../errors/index.js';
import { cosineDistance } from '../../common/vectors.js';
import { printJson, runCommand } from '../context.js';
import { embeddingSourceFrom } from './eval.command.js';

/** `facestream calibrate`: set verify.thresholds.<model> from labelled pairs. */
export function registerCalibrateCommand(program: Command): void {
  program.command('calibrate')
    .description('choose the verification threshold on labelled pairs (a FAR target or best accuracy), or with --identify the open-set identification decision on a gallery (an FPIR target), and write it to a YAML config')
    .option('--pairs <file>', 'pairs file in the LFW format (verification)')
    .option('--identify', 'calibrate the gallery search (1:N) instead: threshold + margin for --fpir on --gallery/--probes')
    .option('--gallery <dir>', '--identify: DIR/<person>/<images>, the enrolled people')
    .option('--probes <dir>', '--identify: DIR/<person>/<images>; people not in the gallery are strangers')
    .option('--fpir <rate>', '--identify: target false-positive identification rate (strangers named)', '0.01')
    .option('--images <dir>', 'image folder DIR/Name/Name_000i.jpg (default: "images" beside the pairs file)')
    .option('--far <rate>', 'target false accept rate: the largest threshold whose FAR on these pairs is at most this')
    .option('--objective <kind>', 'far (needs --far) or accuracy (the threshold with the best accuracy on these pairs)')
    .option('--out <file>', 'YAML config to write verify.thresholds.<model> into (kept otherwise; load with --config)', 'config/calibrated.yaml')
    .option('--cache-dir <dir>', 'embedding cache folder', '.cache/embeddings')
    .option('--no-cache', 'do not read or write the embedding cache')
    .action((opts: { pairs?: string; identify?: boolean; gallery?: string; probes?: string; fpir: string; images?: string; far?: string; objective?: string; out: string; cacheDir: string; cache: boolean }, cmd: Command) => runCommand(async () => {
      if (opts.identify) return calibrateIdentify(cmd, opts);
      if (!opts.pairs) throw new FaceStreamError('E_USAGE', 'give --pairs <file> (verification) or --identify --gallery DIR --probes DIR');
      const pairsFile = opts.pairs;
      const kind = opts.objective ?? (opts.far !== undefined ? 'far' : undefined);
      let objective: CalibrationObjective;
      if (kind === 'accuracy') objective = { kind: 'accuracy' };
      else if (kind === 'far') {
        const far = Number(opts.far);
        if (opts.far === undefined || !(far > 0 && far < 1)) throw new FaceStreamError('E_USAGE', '--far <rate> in (0, 1) is required for the far objective');
        objective = { kind: 'far', far };
      } else throw new FaceStreamError('E_USAGE', 'give --far <rate> or --objective accuracy');
      const file = readLfwPairs(pairsFile);
      const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
      const progress = stderrProgress('embedding');
      try {
        const emb = await embedPairImages(source, opts.images ?? join(dirname(pairsFile), 'images'), imagesOf(file.pairs), (d, t) => progress.update(d, t));
        progress.stop();
        const scores = file.pairs.flatMap((p) => {
          const a = emb.get(lfwImageKey(p.a))?.embedding, b = emb.get(lfwImageKey(p.b))?.embedding;
          return a && b ? [{ distance: cosineDistance(a, b), same: p.same }] : [];
        });
        if (scores.length === 0) throw new FaceStreamError('E_NO_FACE', `${pairsFile}: no pair could be embedded`);
        const c = calibrate(scores, objective);
        const model = config.embedder.model;
        const what = objective.kind === 'far' ? `FAR <= ${objective.far}` : 'best accuracy';
        if (config.embedder.head !== undefined || photoFlipOf(config)) {
          process.stderr.write(`facestream: note: calibrated with ${config.embedder.head ? 'a projection head' : ''}${photoFlipOf(config) ? ' flip' : ''}; the threshold fits only that setting\n`);
        }
        await writeThreshold(opts.out, model, c.threshold, `calibrate: ${what} on ${pairsFile} (${scores.length} pairs): TAR ${(c.tar * 100).toFixed(2)} %, FAR ${(c.far * 100).toFixed(3)} %, accuracy ${(c.accuracy * 100).toFixed(2)} %${photoFlipOf(config) ? ', flip' : ''}`);
        printJson({
          model, modelId: engine.modelId, flip: photoFlipOf(config), objective, threshold: c.threshold,
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

/**
 * `calibrate --identify`: search every probe against the gallery (nearest person, runner-up),
 * choose the threshold + margin with the fewest missed people among those naming at most
 * --fpir of the strangers, write identify.* into --out.
 */
async function calibrateIdentify(cmd: Command, opts: { gallery?: string; probes?: string; fpir: string; out: string; cacheDir: string; cache: boolean }): Promise<void> {
  const fpir = Number(opts.fpir);
  if (!opts.gallery || !opts.probes) throw new FaceStreamError('E_USAGE', '--identify needs --gallery DIR and --probes DIR (DIR/<person>/<images>)');
  if (!(fpir >= 0 && fpir < 1)) throw new FaceStreamError('E_USAGE', '--fpir <rate> in [0, 1)');
  const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
  const progress = stderrProgress('embedding');
  try {
    const r = await evaluateIdentification(source, { galleryDir: opts.gallery, probesDir: opts.probes, threshold: engine.threshold, onProgress: (d, t) => progress.update(d, t) });
    progress.stop();
    const probes: OpenSetProbe[] = r.perProbe.map((p) => ({ person: p.person, enrolled: p.known, ranked: p.ranked }));
    if (!probes.some((p) => !p.enrolled)) throw new FaceStreamError('E_USAGE', `${opts.probes}: no strangers (people missing from the gallery): FPIR cannot be measured`);
    const chosen = calibrateOpenSet(probes, fpir);
    const model = config.embedder.model;
    const atVerify = openSetRates(probes, { threshold: engine.threshold, minMargin: 0 });
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    await writeIdentifyDecision(opts.out, model, chosen.threshold, chosen.minMargin,
      `calibrate --identify: FPIR <= ${fpir} on ${opts.gallery} + ${opts.probes} (${chosen.strangers} stranger, ${chosen.mated} enrolled probes): FPIR ${pct(chosen.fpir)}, FNIR ${pct(chosen.fnir)}, wrong names ${pct(chosen.wrongName)}${photoFlipOf(config) ? ', flip' : ''}`);
    printJson({
      model, modelId: engine.modelId, flip: photoFlipOf(config), targetFpir: fpir,
      chosen, atVerifyThreshold: atVerify,
      gallery: r.gallery, probes: r.probes, out: opts.out, keys: [`identify.thresholds.${model}`, `identify.minMargins.${model}`],
    });
  } finally {
    progress.stop();
    engine.close();
  }
}
