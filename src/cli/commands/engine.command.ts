import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { AnalyzedFace } from '../../vision/face.pipeline.js';
import { annotate } from '../../vision/draw/annotate.js';
import { openFacePipeline } from '../../roles/face-pipeline.factory.js';
import { decodeImage } from '../../vision/decode/image.decoder.js';
import { configFrom, printJson, runCommand } from '../context.js';

const faceJson = (f: AnalyzedFace, withEmbedding: boolean) => ({
  box: f.box,
  score: f.score,
  truncated: f.truncated,
  landmarks: f.landmarks,
  quality: f.quality,
  ...(withEmbedding ? { embedding: f.embedding ?? null } : {}),
});

/** detect / embed / verify: the engine on single images. */
export function registerEngineCommands(program: Command): void {
  program.command('detect')
    .description('find every face in an image: box, score, 5 landmarks, quality (JSON on stdout)')
    .argument('<image>', 'JPEG, PNG or WebP file')
    .option('--out <file>', 'write the image with boxes and landmarks drawn (PNG or JPEG by extension)')
    .option('--crop', 'the image is already a tight face crop: skip detection')
    .action((image: string, opts: { out?: string; crop?: boolean }, cmd: Command) => runCommand(async () => {
      // decode first: a bad file fails fast, before the models load
      const config = configFrom(cmd);
      const rgb = await decodeImage(image, config.image);
      const engine = await openFacePipeline(config);
      try {
        const r = await engine.analyzePhoto(rgb, { embed: false, faceCrop: opts.crop });
        if (opts.out) await writeFile(opts.out, await annotate(rgb, r.faces, opts.out));
        printJson({ image, width: r.width, height: r.height, engine: engine.description, pass: r.pass, faces: r.faces.map((f) => faceJson(f, false)), timingsMs: r.timings });
      } finally {
        engine.close();
      }
    }));

  program.command('embed')
    .description('one L2-normalised embedding per face that passes the quality gate (JSON on stdout)')
    .argument('<image>', 'JPEG, PNG or WebP file')
    .option('--crop', 'the image is already a tight face crop: skip detection')
    .action((image: string, opts: { crop?: boolean }, cmd: Command) => runCommand(async () => {
      const config = configFrom(cmd);
      const rgb = await decodeImage(image, config.image);
      const engine = await openFacePipeline(config);
      try {
        const r = await engine.analyzePhoto(rgb, { faceCrop: opts.crop });
        printJson({ image, modelId: r.modelId, dim: engine.dim, engine: engine.description, pass: r.pass, faces: r.faces.map((f) => faceJson(f, true)), timingsMs: r.timings });
      } finally {
        engine.close();
      }
    }));

  program.command('verify')
    .description('are the main faces of two images the same person? exit 0 = same, 1 = different, 2 = error')
    .argument('<a>', 'first image')
    .argument('<b>', 'second image')
    .option('--threshold <distance>', 'cosine distance threshold (default: verify.thresholds of the embedder)', parseFloat)
    .action((a: string, b: string, opts: { threshold?: number }, cmd: Command) => runCommand(async () => {
      const config = configFrom(cmd);
      const [ia, ib] = [await decodeImage(a, config.image), await decodeImage(b, config.image)];
      const engine = await openFacePipeline(config);
      try {
        const r = await engine.verify(ia, ib, [a, b]);
        const threshold = opts.threshold ?? r.threshold;
        const same = r.distance <= threshold;
        printJson({ a, b, distance: Math.round(r.distance * 1e6) / 1e6, threshold, same, modelId: r.modelId, faces: r.faces.map((f) => faceJson(f, false)) });
        return same ? 0 : 1;
      } finally {
        engine.close();
      }
    }, 2));
}
