// The peer baseline of bench/pipeline.bench.ts, in its own process (its own TF.js state):
// @vladmandic/face-api's recommended pipeline on every frame —
//   detectAllFaces(tensor, new SsdMobilenetv1Options()).withFaceLandmarks().withFaceDescriptors()
//   + new FaceMatcher(labeled descriptors of people/gallery, 0.6)
// on frames extracted with ffmpeg (same fps) into memory. Prints one JSON line per clip.
// usage: tsx bench/peer-faceapi.ts --gallery DIR --fps 5 --seconds 20 CLIP...
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadBackend } from '../src/engine/backend.js';
import { faceApiModelDir } from '../src/engine/models.js';
import { JpegFrameParser } from '../src/ingest/jpeg-frame.parser.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args.splice(i, 2)[1]! : def; };
const galleryDir = opt('gallery', '');
const fps = Number(opt('fps', '5'));
const seconds = Number(opt('seconds', '20'));
const clips = args;

/** The clip's first `seconds` at `fps`, JPEG-encoded by ffmpeg, kept in memory. */
function extract(clip: string): Promise<Buffer[]> {
  return new Promise((ok, fail) => {
    const ff = spawn('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', clip, '-t', String(seconds), '-an', '-vf', `fps=${fps},scale='min(1280,iw)':-2`, '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const parser = new JpegFrameParser();
    const frames: Buffer[] = [];
    ff.stdout.on('data', (d: Buffer) => frames.push(...parser.push(d)));
    ff.once('error', fail);
    ff.once('exit', (code) => (code === 0 ? ok(frames) : fail(new Error(`ffmpeg exited ${code}`))));
  });
}

const loaded = await loadBackend('wasm');
// the engine types only the parts of face-api it uses; the peer uses its full public API
const faceapi = loaded.faceapi as unknown as typeof import('@vladmandic/face-api');
const { tf } = loaded;
const dir = faceApiModelDir();
await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);

async function tensorOf(img: Buffer | string) {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // face-api bundles its own copy of the tfjs typings: same runtime object, different declaration
  return tf.tensor3d(data, [info.height, info.width, 3], 'int32') as unknown as Parameters<typeof faceapi.detectAllFaces>[0] & { dispose(): void };
}

// labeled descriptors: one per gallery photo with a face (the face-api README's way)
const labeled = [];
for (const name of readdirSync(galleryDir).sort()) {
  const descriptors: Float32Array[] = [];
  for (const f of readdirSync(path.join(galleryDir, name))) {
    const t = await tensorOf(path.join(galleryDir, name, f));
    const r = await faceapi.detectSingleFace(t, new faceapi.SsdMobilenetv1Options()).withFaceLandmarks().withFaceDescriptor();
    t.dispose();
    if (r) descriptors.push(r.descriptor);
  }
  if (descriptors.length) labeled.push(new faceapi.LabeledFaceDescriptors(name, descriptors));
}
const matcher = new faceapi.FaceMatcher(labeled, 0.6);

for (const clip of clips) {
  const frames = await extract(clip);
  let faces = 0;
  const named = new Map<string, number>();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const jpeg of frames) {
    const t = await tensorOf(jpeg);
    const results = await faceapi.detectAllFaces(t, new faceapi.SsdMobilenetv1Options()).withFaceLandmarks().withFaceDescriptors();
    t.dispose();
    faces += results.length;
    const labels = new Set(results.map((r) => matcher.findBestMatch(r.descriptor).label).filter((l) => l !== 'unknown'));
    for (const l of labels) named.set(l, (named.get(l) ?? 0) + 1);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    clip: path.basename(clip), frames: frames.length, seconds: wall, fps: frames.length / wall, faces,
    framesNamed: Object.fromEntries(named), cpuPercent: (100 * (cpu.user + cpu.system)) / 1e6 / wall, rssMb: process.memoryUsage().rss / 2 ** 20,
  }) + '\n');
}
