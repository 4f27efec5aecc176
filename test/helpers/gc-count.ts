/**
 * Child-process helper for the heap-growth test (a V8 setting is process-global):
 * `tsx test/helpers/gc-count.ts PERCENT CLIP FRAMES` sets vision.heapGrowingPercent as a vision
 * worker does, analyses the clip's first FRAMES frames at 5 fps, encoded as the ingest does
 * (its ffmpeg output arguments), the way the worker does (detection, landmarks, chips and signatures; then the passing faces embedded), and prints
 * one JSON line: the full (mark-compact) collections during those frames, after a warm-up frame.
 */
import { execFileSync } from 'node:child_process';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { testConfig } from './engine.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';
import { setHeapGrowingPercent } from '../../src/roles/heap-growth.js';
import { ffmpegArgs } from '../../src/ingest/ffmpeg.reader.js';
import { JpegFrameParser } from '../../src/ingest/jpeg-frame.parser.js';

const [percent, clip, count] = process.argv.slice(2);
setHeapGrowingPercent(Number(percent));
const config = testConfig({ ingest: { cameras: [{ id: 'gc', url: clip!, sampleFps: 5 }] } });
const { output } = ffmpegArgs(config.ingest.cameras[0]!, { jpegQuality: config.ingest.jpegQuality, maxWidth: config.ingest.maxWidth });
const jpeg = execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', clip!, ...output, '-frames:v', String(Number(count) + 1), '-'], { maxBuffer: 1 << 28 });
const frames = new JpegFrameParser().push(jpeg);
const engine = await openFacePipeline(config);
const frame = async (bytes: Buffer) => {
  const r = await engine.analyze(bytes, { embed: false, keepChips: true, signatures: true });
  await engine.embedChips(r.faces.filter((f) => f.quality.passed && f.chip).map((f) => f.chip!));
  return r.faces.length;
};
await frame(frames[0]!);
let majors = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
});
observer.observe({ entryTypes: ['gc'] });
let faces = 0;
for (const bytes of frames.slice(1)) faces += await frame(bytes);
await new Promise((r) => setTimeout(r, 100));
observer.disconnect();
process.stdout.write(JSON.stringify({ frames: frames.length - 1, faces, majors }) + '\n');
engine.close();
