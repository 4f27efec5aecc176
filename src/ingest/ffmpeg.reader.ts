import { lookup } from 'node:dns/promises';
import ffmpeg from 'fluent-ffmpeg';
import type { CameraConfig } from '../config/schema.js';
import type { FrameSource, FrameSourceFactory, FrameSourceHandlers } from './frame-source.js';
import { JpegFrameParser } from './jpeg-frame.parser.js';
import { maskUrl, sourceKind } from './mask-url.js';

export interface FfmpegReaderOptions {
  jpegQuality: number;
  /** Scale frames down to at most this width (0 = never). */
  maxWidth: number;
  /** Socket timeout for network sources, ms (ffmpeg gives up on a silent or unreachable source). */
  ioTimeoutMs?: number;
  /** ffmpeg binary (default: ffmpeg on PATH / FFMPEG_PATH). */
  ffmpegPath?: string;
}

/** The ffmpeg arguments for one camera: input options, output options. */
export function ffmpegArgs(camera: CameraConfig, o: FfmpegReaderOptions): { input: string[]; output: string[] } {
  const kind = sourceKind(camera.url);
  const timeoutUs = String((o.ioTimeoutMs ?? 5000) * 1000);
  const input = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
  if (kind === 'rtsp') input.push('-rtsp_transport', camera.transport, '-timeout', timeoutUs);
  else if (kind === 'http') input.push('-timeout', timeoutUs);
  else input.push('-stream_loop', '-1', '-re');
  const filters = [`fps=${camera.sampleFps}`];
  if (o.maxWidth > 0) filters.push(`scale='min(${o.maxWidth},iw)':-2`);
  const output = ['-an', '-vf', filters.join(','), '-c:v', 'mjpeg', '-q:v', String(o.jpegQuality), '-f', 'image2pipe'];
  return { input, output };
}

/**
 * One ffmpeg child decoding a camera to JPEG frames on its stdout (fluent-ffmpeg on the
 * system ffmpeg). The exit reason is the last ffmpeg error line, credentials masked.
 */
export class FfmpegReader implements FrameSource {
  private command: ffmpeg.FfmpegCommand | undefined;
  private stopped = false;
  private exited = false;
  private readonly parser = new JpegFrameParser();
  private readonly stderrTail: string[] = [];

  constructor(private readonly camera: CameraConfig, private readonly handlers: FrameSourceHandlers, private readonly options: FfmpegReaderOptions) {}

  start(): void {
    if (sourceKind(this.camera.url) === 'file') { this.spawn(); return; }
    // ffmpeg reports an unresolvable host as a bare "Input/output error": say what it is
    let host = '';
    try { host = new URL(this.camera.url).hostname; } catch { /* ffmpeg will say what is wrong */ }
    if (!host) { this.spawn(); return; }
    lookup(host).then(() => { if (!this.stopped) this.spawn(); }, (e: NodeJS.ErrnoException) => {
      this.finish(`cannot resolve host ${host}: ${e.code ?? e.message}`);
    });
  }

  private spawn(): void {
    const { input, output } = ffmpegArgs(this.camera, this.options);
    const cmd = ffmpeg(this.camera.url).inputOptions(input).outputOptions(output);
    if (this.options.ffmpegPath) cmd.setFfmpegPath(this.options.ffmpegPath);
    cmd.on('stderr', (line: string) => {
      const l = line.trim();
      if (!l) return;
      this.stderrTail.push(maskUrl(l));
      if (this.stderrTail.length > 5) this.stderrTail.shift();
    });
    cmd.on('error', (err: Error) => this.finish(this.reason(err.message)));
    cmd.on('end', () => this.finish(this.reason('stream ended')));
    this.command = cmd;
    const out = cmd.pipe();
    out.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      for (const f of this.parser.push(chunk)) this.handlers.frame(f);
    });
    out.on('error', () => { /* the command's error event carries the reason */ });
  }

  private reason(fallback: string): string {
    const last = this.stderrTail[this.stderrTail.length - 1];
    return maskUrl(last ?? fallback.split('\n')[0] ?? fallback);
  }

  private finish(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    if (!this.stopped) this.handlers.exit(reason);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try { this.command?.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

export const ffmpegSourceFactory = (options: FfmpegReaderOptions): FrameSourceFactory =>
  (camera, handlers) => new FfmpegReader(camera, handlers, options);
