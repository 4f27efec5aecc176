import { lookup } from 'node:dns/promises';
import ffmpeg from 'fluent-ffmpeg';
import type { CameraConfig } from '../config/schema.js';
import { isFaceStreamError } from '../errors/index.js';
import { cameraSchemeOf, checkCameraUrl, protocolWhitelistFor, type CameraUrlPolicy, type CheckedCameraUrl } from '../common/camera-url.policy.js';
import type { FrameSource, FrameSourceFactory, FrameSourceHandlers } from './frame-source.js';
import { JpegFrameParser } from './jpeg-frame.parser.js';
import { maskUrl, sourceKind } from '../common/mask-url.js';

export interface FfmpegReaderOptions {
  jpegQuality: number;
  /** Scale frames down to at most this width (0 = never). */
  maxWidth: number;
  /** Socket timeout for network sources, ms (ffmpeg gives up on a silent or unreachable source). */
  ioTimeoutMs?: number;
  /** ffmpeg binary (default: ffmpeg on PATH / FFMPEG_PATH). */
  ffmpegPath?: string;
  /** ingest.allowedSchemes / ingest.fileRoots, checked right before every ffmpeg start (default: the schema defaults). */
  policy?: CameraUrlPolicy;
}

/** The ffmpeg arguments for one camera: input options, output options. */
export function ffmpegArgs(camera: CameraConfig, o: FfmpegReaderOptions): { input: string[]; output: string[] } {
  const kind = sourceKind(camera.url);
  const timeoutUs = String((o.ioTimeoutMs ?? 5000) * 1000);
  // only the protocols this scheme needs: no concat:, subfile:, file: inside a stream, ... (throws for a non-camera scheme)
  const input = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', protocolWhitelistFor(camera.url)];
  if (kind === 'rtsp') input.push('-rtsp_transport', camera.transport, '-timeout', timeoutUs);
  else if (kind === 'http') input.push('-timeout', timeoutUs);
  else if (cameraSchemeOf(camera.url) === 'file') input.push('-stream_loop', '-1', '-re');
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
    // the policy again, right before ffmpeg starts: a file may have become a symlink out of fileRoots
    let checked: CheckedCameraUrl;
    let args: { input: string[]; output: string[] };
    try {
      checked = checkCameraUrl(this.camera.url, this.options.policy, { requireFile: true });
      args = ffmpegArgs(this.camera, this.options);
    } catch (e) {
      this.finish(isFaceStreamError(e) ? `${e.code}: ${e.message}` : (e as Error).message);
      return;
    }
    const { input, output } = args;
    const cmd = ffmpeg(checked.input).inputOptions(input).outputOptions(output);
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
