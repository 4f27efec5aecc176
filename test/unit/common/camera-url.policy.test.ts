import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { CameraConfig, IngestConfig } from '../../../src/config/schema.js';
import { FaceStreamError } from '../../../src/errors/index.js';
import {
  cameraSchemeOf, checkCameraUrl, CameraUrlError, protocolWhitelistFor, protocolWhitelists, type CameraUrlPolicy,
} from '../../../src/common/camera-url.policy.js';
import { FfmpegReader, ffmpegArgs } from '../../../src/ingest/ffmpeg.reader.js';
import { IngestManager } from '../../../src/ingest/ingest.manager.js';

const work = mkdtempSync(path.join(tmpdir(), 'fst-camurl-'));
const root = path.join(work, 'videos');
const outside = path.join(work, 'private');
mkdirSync(path.join(root, 'sub'), { recursive: true });
mkdirSync(outside);
const clip = path.join(root, 'clip.mp4');
writeFileSync(clip, 'not really a video');
writeFileSync(path.join(outside, 'secret.mp4'), 'x');
symlinkSync(path.join(outside, 'secret.mp4'), path.join(root, 'link-out.mp4'));
symlinkSync(outside, path.join(root, 'dir-out'));
symlinkSync(clip, path.join(root, 'link-in.mp4'));
writeFileSync(path.join(root + '-evil.mp4'), 'x'); // a sibling whose name starts with the root's
const fifo = path.join(root, 'fifo.mp4');
const haveFifo = spawnSync('mkfifo', [fifo]).status === 0;
afterAll(() => rmSync(work, { recursive: true, force: true }));

const rooted: CameraUrlPolicy = { fileRoots: [root] };
const anywhere: CameraUrlPolicy = {};

/** 'ok' or the reason's key phrase. */
function verdict(url: string, policy: CameraUrlPolicy): string {
  try {
    checkCameraUrl(url, policy);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(CameraUrlError);
    expect((e as CameraUrlError).code).toBe('E_CAMERA_URL');
    expect((e as Error).message).not.toMatch(/\n/);
    const m = (e as Error).message;
    for (const [key, re] of [
      ['scheme', /scheme "[^"]*" is not (a camera scheme|allowed)/], ['nul', /NUL byte/], ['control', /control characters/],
      ['option', /starts with "-"/], ['long', /longer than/], ['space', /white space/], ['device', /device or kernel file/],
      ['not-file', /not a regular file/], ['outside', /outside ingest\.fileRoots/], ['not-local', /not a local file URL/],
      ['file-url', /must be file:\/\/\//], ['pipe', /must not contain "\|"/], ['form', /must look like/], ['no-host', /has no host|not a valid URL/],
    ] as const) if (re.test(m)) return key;
    return m;
  }
}

describe('checkCameraUrl: hostile cases', () => {
  // [url, policy, outcome]
  const table: [string, CameraUrlPolicy, string][] = [
    // ffmpeg protocols that are not cameras
    ['concat:/srv/a.mp4|/etc/passwd', anywhere, 'scheme'],
    ['subfile,,start,0,end,4096,,:/etc/passwd', anywhere, 'scheme'],
    ['pipe:0', anywhere, 'scheme'],
    ['data:video/mp4;base64,AAAAIGZ0eXA=', anywhere, 'scheme'],
    ['crypto+file:///etc/passwd', anywhere, 'scheme'],
    ['cache:http://cam/x', anywhere, 'scheme'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', anywhere, 'scheme'],
    ['ftp://cam/x.mp4', anywhere, 'scheme'],
    ['hls+http://cam/x.m3u8', anywhere, 'scheme'],
    ['tcp://10.0.0.1:1234?listen', anywhere, 'scheme'], // not allowed by default
    ['udp://239.0.0.1:1234', anywhere, 'scheme'],
    ['C:\\videos\\a.mp4', anywhere, 'scheme'],
    [':/x.mp4', anywhere, 'scheme'],
    // ffmpeg option and string tricks
    ['-i /etc/passwd', anywhere, 'option'],
    ['-f lavfi', anywhere, 'option'],
    [`${clip}\0.txt`, anywhere, 'nul'],
    ['file:///etc/passwd%00.mp4', anywhere, 'nul'],
    [`${clip}\n-f lavfi`, anywhere, 'control'],
    ['rtsp://cam/x\r\nInjected: 1', anywhere, 'control'],
    [` ${clip}`, anywhere, 'space'],
    ['rtsp://cam/a b', anywhere, 'space'],
    [`/${'a'.repeat(5000)}.mp4`, anywhere, 'long'],
    [`rtsp://cam/${'x'.repeat(3000)}`, anywhere, 'long'],
    [`${root}/a|b.mp4`, anywhere, 'pipe'],
    // malformed network URLs
    ['rtsp:cam/x', anywhere, 'form'],
    ['rtsp://', anywhere, 'no-host'],
    ['http://', anywhere, 'no-host'],
    ['http://[::1/x', anywhere, 'no-host'],
    // device and kernel files, directories, fifos
    ['/dev/zero', anywhere, 'device'],
    ['/dev/stdin', anywhere, 'device'],
    ['/proc/self/environ', anywhere, 'device'],
    ['/sys/kernel/notes', anywhere, 'device'],
    ['file:///proc/self/cmdline', anywhere, 'device'],
    [`${root}/../../../../../../../../proc/self/environ`, anywhere, 'device'],
    ['/etc', anywhere, 'not-file'],
    [root, anywhere, 'not-file'],
    // file URLs
    ['file://evil.example.com/share/x.mp4', anywhere, 'not-local'],
    ['file:///etc%2Fpasswd', anywhere, 'not-local'],
    ['file:x.mp4', anywhere, 'file-url'],
    ['file:/x.mp4', anywhere, 'file-url'],
    // fileRoots: traversal and symlinks, after path.resolve + realpath
    [`${root}/../private/secret.mp4`, rooted, 'outside'],
    [`${root}/sub/../../private/secret.mp4`, rooted, 'outside'],
    [path.relative(process.cwd(), path.join(outside, 'secret.mp4')), rooted, 'outside'],
    [`${root}/link-out.mp4`, rooted, 'outside'], // symlink to a file outside
    [`${root}/dir-out/secret.mp4`, rooted, 'outside'], // symlinked folder
    [`${root}/dir-out/not-there-yet.mp4`, rooted, 'outside'], // missing file behind a symlinked folder
    [`${root}-evil.mp4`, rooted, 'outside'], // a name that only starts with the root
    ['/etc/passwd', rooted, 'outside'],
    [`file://${outside}/secret.mp4`, rooted, 'outside'],
    ['/dev/zero', { fileRoots: ['/dev'] }, 'device'], // fileRoots cannot open up device files
    // allowed
    [clip, rooted, 'ok'],
    [`${root}/sub/../clip.mp4`, rooted, 'ok'],
    [`${root}/link-in.mp4`, rooted, 'ok'],
    [`${root}/sub/not-there-yet.mp4`, rooted, 'ok'], // may appear later (checked again before ffmpeg starts)
    [path.relative(process.cwd(), clip), rooted, 'ok'],
    [`file://${clip}`, rooted, 'ok'],
    [`file://localhost${clip}`, rooted, 'ok'],
    [`${outside}/secret.mp4`, anywhere, 'ok'], // fileRoots empty = any regular file
    [clip, { fileRoots: [path.relative(process.cwd(), root)] }, 'ok'], // a relative root
    ['rtsp://admin:s3cret@10.0.0.5:554/Streaming/Channels/101', anywhere, 'ok'],
    ['RTSP://CAM.LAN/live', anywhere, 'ok'],
    ['rtsps://cam.example.com:322/live', anywhere, 'ok'],
    ['http://192.168.1.20/mjpeg?user=a&pass=b', anywhere, 'ok'],
    ['https://[fd00::20]:8443/video.mjpg', anywhere, 'ok'],
    ['udp://239.0.0.1:1234', { allowedSchemes: ['udp'] }, 'ok'],
    ['tcp://10.0.0.1:1234', { allowedSchemes: ['tcp', 'rtsp'] }, 'ok'],
    // narrowed allowedSchemes
    [clip, { allowedSchemes: ['rtsp', 'rtsps'] }, 'scheme'],
    [`file://${clip}`, { allowedSchemes: ['rtsp'] }, 'scheme'],
    ['rtsp://cam/live', { allowedSchemes: ['file'] }, 'scheme'],
    ['http://cam/live', { allowedSchemes: [] }, 'scheme'],
  ];
  it.each(table)('%s (%o) -> %s', (url, policy, expected) => {
    expect(verdict(url, policy)).toBe(expected);
  });

  it.skipIf(!haveFifo)('refuses a fifo', () => {
    expect(verdict(fifo, anywhere)).toBe('not-file');
  });

  it('gives ffmpeg file:<real path> for files and the URL unchanged for streams', () => {
    expect(checkCameraUrl(`${root}/link-in.mp4`, rooted)).toEqual({ scheme: 'file', input: `file:${clip}`, protocolWhitelist: 'file' });
    expect(checkCameraUrl(`file://${clip}`, rooted).input).toBe(`file:${clip}`);
    // a relative path with a colon is still a file for ffmpeg
    const weird = path.join(root, 'a:b.mp4');
    writeFileSync(weird, 'x');
    expect(checkCameraUrl(`./${path.relative(process.cwd(), weird)}`, rooted).input).toBe(`file:${weird}`);
    const u = 'rtsp://admin:s3cret@10.0.0.5:554/live';
    expect(checkCameraUrl(u, anywhere)).toEqual({ scheme: 'rtsp', input: u, protocolWhitelist: 'rtsp,rtp,udp,tcp' });
  });

  it('a missing file is fine at config load, an error (not a refusal) right before ffmpeg starts', () => {
    const missing = `${root}/sub/not-there-yet.mp4`;
    expect(() => checkCameraUrl(missing, rooted)).not.toThrow();
    const e = (() => { try { checkCameraUrl(missing, rooted, { requireFile: true }); } catch (x) { return x as Error; } return null; })();
    expect(e).not.toBeInstanceOf(CameraUrlError);
    expect(e!.message).toBe(`no such file: ${missing}`);
  });

  it('masks credentials in every refusal', () => {
    for (const [url, policy] of [
      ['rtsp://admin:hunter2@cam/live', { allowedSchemes: ['file'] }],
      ['gopher://admin:hunter2@cam/x', anywhere],
      ['http://admin:hunter2@cam/a b', anywhere],
      ['rtsp://admin:hunter2@cam/\u0000', anywhere],
    ] as const) {
      expect(() => checkCameraUrl(url, policy), url).toThrow(CameraUrlError);
      try { checkCameraUrl(url, policy); } catch (e) { expect((e as Error).message).not.toContain('hunter2'); expect((e as Error).message).toContain('***:***@'); }
    }
  });

  it('the scheme is read the way ffmpeg reads a protocol prefix', () => {
    expect(cameraSchemeOf('/videos/a.mp4')).toBe('file');
    expect(cameraSchemeOf('./a:b.mp4')).toBe('file');
    expect(cameraSchemeOf('RTSPS://x')).toBe('rtsps');
    expect(cameraSchemeOf('subfile,,start,1,,:x')).toBe('subfile,,start,1,,');
    expect(cameraSchemeOf('crypto+file:x')).toBe('crypto+file');
  });
});

describe('ffmpeg arguments: -protocol_whitelist per scheme', () => {
  const cam = (url: string): CameraConfig => ({ id: 'c', url, sampleFps: 2, enabled: true, transport: 'tcp' });
  const args = (url: string) => ffmpegArgs(cam(url), { jpegQuality: 5, maxWidth: 0 }).input.join(' ');
  it.each([
    ['rtsp://cam/x', 'rtsp,rtp,udp,tcp'],
    ['rtsps://cam/x', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls'],
    ['http://cam/mjpeg', 'http,https,tcp,tls,crypto'],
    ['https://cam/mjpeg', 'http,https,tcp,tls,crypto'],
    ['/videos/a.mp4', 'file'],
    ['a.mp4', 'file'],
    ['file:///videos/a.mp4', 'file'],
    ['udp://239.0.0.1:1234', 'udp'],
    ['tcp://cam:1234', 'tcp'],
  ])('%s -> %s', (url, list) => {
    expect(args(url)).toContain(`-protocol_whitelist ${list}`);
    expect(protocolWhitelistFor(url)).toBe(list);
  });
  it('loops files only; refuses to build arguments for a non-camera scheme', () => {
    expect(args('/v/a.mp4')).toContain('-stream_loop -1 -re');
    expect(args('udp://239.0.0.1:1234')).not.toContain('-stream_loop');
    expect(args('rtsp://cam/x')).toContain('-rtsp_transport tcp');
    expect(() => args('concat:a|b')).toThrow(CameraUrlError);
    expect(Object.keys(protocolWhitelists).sort()).toEqual(['file', 'http', 'https', 'rtsp', 'rtsps', 'tcp', 'udp']);
  });
});

describe('config load refuses hostile camera URLs in one line', () => {
  const load = (cameras: object[], ingest: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) => {
    try { loadConfig({ env, overrides: { ingest: { cameras, ...ingest } } }); return null; } catch (e) { return e as FaceStreamError; }
  };
  it('E_CONFIG naming the camera, the code E_CAMERA_URL and the reason; credentials masked', () => {
    const e = load([{ id: 'ok', url: clip }, { id: 'bad', url: 'concat:rtsp://admin:hunter2@cam/x|/etc/passwd' }]);
    expect(e?.code).toBe('E_CONFIG');
    expect(e!.message).toMatch(/^invalid configuration \(defaults \+ command line\): ingest\.cameras\.1\.url: E_CAMERA_URL: camera URL concat:rtsp:\/\/\*\*\*:\*\*\*@cam\/x\|\/etc\/passwd refused: scheme "concat" is not a camera scheme/);
    expect(e!.message).not.toContain('hunter2');
    expect(e!.message).not.toMatch(/\n/);
  });
  it('applies allowedSchemes and fileRoots from the file/env', () => {
    expect(load([{ id: 'c', url: clip }], { fileRoots: [root] })).toBeNull();
    expect(load([{ id: 'c', url: path.join(outside, 'secret.mp4') }], { fileRoots: [root] })!.message).toMatch(/outside ingest\.fileRoots/);
    expect(load([{ id: 'c', url: 'udp://239.0.0.1:1234' }])!.message).toMatch(/scheme "udp" is not allowed/);
    expect(load([{ id: 'c', url: 'udp://239.0.0.1:1234' }], { allowedSchemes: ['udp'] })).toBeNull();
    expect(load([{ id: 'c', url: 'rtsp://cam/x' }], {}, { FACESTREAM_INGEST_ALLOWED_SCHEMES: '[file]' })!.message).toMatch(/scheme "rtsp" is not allowed \(ingest\.allowedSchemes: file\)/);
    expect(load([], { allowedSchemes: ['gopher'] })!.message).toMatch(/ingest\.allowedSchemes/);
  });
  it('defaults: the five usual schemes, files anywhere', () => {
    const c = loadConfig({ env: {} });
    expect(c.ingest.allowedSchemes).toEqual(['rtsp', 'rtsps', 'http', 'https', 'file']);
    expect(c.ingest.fileRoots).toEqual([]);
    expect(c.notify.allowPrivateTargets).toBe(false);
  });
});

describe('ingest: the check before ffmpeg starts', () => {
  const ingestConfig = (extra: Partial<IngestConfig> = {}): IngestConfig => ({ ...loadConfig({ env: {} }).ingest, ...extra });
  const statuses = { publish: async () => {}, remove: async () => {} };
  const manager = (config: IngestConfig, started: string[]) => new IngestManager(config, {
    statuses, openTracks: { count: async () => 0 }, producer: {} as never, logger: pino({ level: 'silent' }),
    createSource: (c) => ({ start: () => { started.push(c.id); }, stop: () => {} }),
  });

  it('addCamera refuses a hostile URL (E_CAMERA_URL) before any source exists', async () => {
    const started: string[] = [];
    const m = manager(ingestConfig({ fileRoots: [root] }), started);
    for (const url of ['concat:a|b', '-f lavfi', `${root}/link-out.mp4`, '/dev/zero', 'pipe:0']) {
      expect(() => m.addCamera({ id: 'x', url, sampleFps: 2, enabled: true, transport: 'tcp' }), url).toThrow(expect.objectContaining({ code: 'E_CAMERA_URL' }));
    }
    m.addCamera({ id: 'good', url: clip, sampleFps: 2, enabled: true, transport: 'tcp' });
    expect(started).toEqual(['good']);
    expect(m.statuses().map((s) => s.cameraId)).toEqual(['good']);
    await m.close();
  });

  it('a boot camera that skipped config validation (--camera) is listed offline with the reason; no source is created for it', async () => {
    const started: string[] = [];
    const boot = manager(ingestConfig({ cameras: [
      { id: 'a', url: clip, sampleFps: 2, enabled: true, transport: 'tcp' },
      { id: 'b', url: 'subfile,,start,0,end,1,,:rtsp://admin:hunter2@cam/x', sampleFps: 2, enabled: true, transport: 'tcp' },
    ] }), started);
    boot.start();
    expect(started).toEqual(['a']);
    const b = boot.statuses().find((s) => s.cameraId === 'b')!;
    expect(b.state).toBe('offline');
    expect(b.lastError).toMatch(/^E_CAMERA_URL: camera URL subfile,,start,0,end,1,,:rtsp:\/\/\*\*\*:\*\*\*@cam\/x refused: scheme "subfile,,start,0,end,1,," is not a camera scheme/);
    expect(JSON.stringify(boot.statuses())).not.toContain('hunter2');
    await boot.close();
  });

  it('FfmpegReader checks again right before spawning: a file swapped for a symlink out of fileRoots never reaches ffmpeg', () => {
    const swapped = path.join(root, 'swapped.mp4');
    writeFileSync(swapped, 'x');
    const camera: CameraConfig = { id: 'c', url: swapped, sampleFps: 2, enabled: true, transport: 'tcp' };
    expect(() => checkCameraUrl(swapped, rooted)).not.toThrow(); // fine at config load
    rmSync(swapped);
    symlinkSync(path.join(outside, 'secret.mp4'), swapped);
    const exits: string[] = [];
    // ffmpegPath points nowhere: if the reader tried to spawn, the reason would be about the binary
    const reader = new FfmpegReader(camera, { frame: () => {}, exit: (r) => exits.push(r) }, { jpegQuality: 5, maxWidth: 0, policy: rooted, ffmpegPath: '/nonexistent/ffmpeg' });
    reader.start();
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatch(/^E_CAMERA_URL: camera URL .*swapped\.mp4 refused: .*secret\.mp4 is outside ingest\.fileRoots/);
    reader.stop();
    const gone = new FfmpegReader({ ...camera, url: `${root}/sub/not-there-yet.mp4` }, { frame: () => {}, exit: (r) => exits.push(r) }, { jpegQuality: 5, maxWidth: 0, policy: rooted, ffmpegPath: '/nonexistent/ffmpeg' });
    gone.start();
    expect(exits[1]).toBe(`no such file: ${root}/sub/not-there-yet.mp4`);
    gone.stop();
  });
});
