import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { photoFlipOf, type Config } from '../../config/schema.js';
import type { FacePipeline } from '../../vision/face.pipeline.js';
import { openFacePipeline } from '../../roles/face-pipeline.factory.js';
import {
  EmbeddingCache, ImageEmbeddingSource, evaluateIdentification, evaluatePairs, openSetRates, readLfwPairs, stderrProgress, writePairsReport,
} from '../../evaluation/index.js';
import { FaceStreamError } from '../../errors/index.js';
import { configFrom, printJson, runCommand } from '../context.js';

export interface SourceOptions { cacheDir?: string; cache?: boolean }

/**
 * An engine and a cached embedding source for evaluation commands. Without a projection head
 * the engine runs un-flipped and the source applies --flip itself, so one pass caches both.
 */
export async function embeddingSourceFrom(cmd: Command, o: SourceOptions): Promise<{ engine: FacePipeline; source: ImageEmbeddingSource; config: Readonly<Config> }> {
  const config = configFrom(cmd);
  // photos are embedded with flip unless both embedder.flip and embedder.photoFlip are off
  const flip = photoFlipOf(config);
  const engine = await openFacePipeline({ ...config, embedder: { ...config.embedder, flip: config.embedder.head === undefined ? false : flip } });
  const cache = o.cache === false ? undefined : new EmbeddingCache(o.cacheDir ?? '.cache/embeddings');
  return { engine, source: new ImageEmbeddingSource(engine, cache, flip), config };
}

const parseFar = (s: string): number => {
  const v = Number(s);
  if (!(v > 0 && v < 1)) throw new FaceStreamError('E_USAGE', `--far must be a number in (0, 1), got "${s}"`);
  return v;
};

const commandLine = () => ['facestream', ...process.argv.slice(2)].join(' ');

/** `facestream eval pairs|identify`: accuracy numbers for the engine on labelled data. */
export function registerEvalCommands(program: Command): void {
  const ev = program.command('eval').description('measure verification and identification accuracy on labelled images');

  ev.command('pairs')
    .description('LFW pair protocol: accuracy (10-fold or threshold from --train-pairs), ROC AUC, EER, TAR@FAR, P/R/F1, failures')
    .requiredOption('--pairs <file>', 'pairs file in the LFW format (header "N" or "folds<TAB>n")')
    .option('--images <dir>', 'image folder DIR/Name/Name_000i.jpg (default: "images" beside the pairs file)')
    .option('--train-pairs <file>', 'choose the threshold on these pairs (disjoint people), report accuracy on --pairs')
    .option('--threshold <distance>', 'use this cosine-distance threshold instead of choosing one', parseFloat)
    .option('--configured-threshold', 'use the configured verify.thresholds.<model> (what `facestream verify` would do)')
    .option('--far <list>', 'comma-separated FAR targets for TAR@FAR', '0.01,0.001')
    .option('--json <file>', 'write every number as one JSON object')
    .option('--report <dir>', 'write report.md, roc.svg, distances.svg and report.json')
    .option('--cache-dir <dir>', 'embedding cache folder', '.cache/embeddings')
    .option('--no-cache', 'do not read or write the embedding cache')
    .action((opts: { pairs: string; images?: string; trainPairs?: string; threshold?: number; configuredThreshold?: boolean; far: string; json?: string; report?: string; cacheDir: string; cache: boolean }, cmd: Command) => runCommand(async () => {
      const test = readLfwPairs(opts.pairs);
      const train = opts.trainPairs ? readLfwPairs(opts.trainPairs) : undefined;
      const fars = opts.far.split(',').map(parseFar);
      const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
      const progress = stderrProgress('embedding');
      try {
        const threshold = opts.threshold ?? (opts.configuredThreshold ? engine.threshold : undefined);
        const result = await evaluatePairs(source, {
          test, train, imagesDir: opts.images ?? join(dirname(opts.pairs), 'images'), fars, threshold,
          modelId: engine.modelId, flip: photoFlipOf(config), onProgress: (d, t) => progress.update(d, t),
        });
        progress.stop();
        const out = { command: commandLine(), engine: { ...engine.description, flip: photoFlipOf(config) }, ...result };
        if (opts.json) await writeFile(opts.json, JSON.stringify(out, null, 2) + '\n');
        if (opts.report) await writePairsReport(opts.report, result, out.command);
        // stdout: the headline numbers; the full lists (distances, ROC, failures) go to --json/--report
        const { roc: _roc, distances, wrongPairs, failures, ...head } = out;
        printJson({ ...head, distances: { genuineMedian: distances.genuineMedian, impostorMedian: distances.impostorMedian }, failures: { ...failures, imageList: failures.imageList.map((f) => f.path) }, wrongPairs: wrongPairs.length });
      } finally {
        progress.stop();
        engine.close();
      }
    }));

  ev.command('identify')
    .description('closed-set rank-1/rank-5 and open-set DIR@FAR: probes of people missing from the gallery must stay unknown')
    .requiredOption('--gallery <dir>', 'DIR/<person>/<images>: the enrolled people')
    .requiredOption('--probes <dir>', 'DIR/<person>/<images>: people not in the gallery are the unknowns')
    .option('--far <list>', 'comma-separated FAR targets for the open-set DIR', '0.01,0.1')
    .option('--json <file>', 'write every number as one JSON object')
    .option('--cache-dir <dir>', 'embedding cache folder', '.cache/embeddings')
    .option('--no-cache', 'do not read or write the embedding cache')
    .action((opts: { gallery: string; probes: string; far: string; json?: string; cacheDir: string; cache: boolean }, cmd: Command) => runCommand(async () => {
      const fars = opts.far.split(',').map(parseFar);
      const { engine, source, config } = await embeddingSourceFrom(cmd, opts);
      const progress = stderrProgress('embedding');
      try {
        const result = await evaluateIdentification(source, { galleryDir: opts.gallery, probesDir: opts.probes, threshold: engine.threshold, fars, onProgress: (d, t) => progress.update(d, t) });
        progress.stop();
        // the configured open-set decision (identify.*): strangers named (FPIR), people missed (FNIR)
        const decision = openSetRates(result.perProbe.map((p) => ({ person: p.person, enrolled: p.known, ranked: p.ranked })), { threshold: engine.identifyThreshold, minMargin: engine.identifyMinMargin });
        const out = { command: commandLine(), modelId: engine.modelId, flip: photoFlipOf(config), decision, ...result };
        if (opts.json) await writeFile(opts.json, JSON.stringify(out, null, 2) + '\n');
        printJson(out);
      } finally {
        progress.stop();
        engine.close();
      }
    }));
}
