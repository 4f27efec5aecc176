import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaceStreamError } from '../errors/index.js';
import { maskUrl } from './mask-url.js';

/**
 * Which camera URLs ffmpeg may open. ffmpeg understands far more than cameras: concat:, subfile:,
 * pipe:, data:, crypto+..., tcp://...?listen, playlists that point at other files. A camera URL
 * is therefore checked against ingest.allowedSchemes (and plain files against ingest.fileRoots)
 * at config load and again right before each ffmpeg start, and ffmpeg gets a
 * -protocol_whitelist matching the scheme, so a stream cannot reach another protocol either.
 */

/** Schemes a camera may use (ingest.allowedSchemes picks from these). "file" covers plain paths. */
export const cameraSchemes = ['rtsp', 'rtsps', 'http', 'https', 'file', 'udp', 'tcp'] as const;
export type CameraScheme = (typeof cameraSchemes)[number];
export const defaultAllowedSchemes: readonly CameraScheme[] = ['rtsp', 'rtsps', 'http', 'https', 'file'];

/** ffmpeg protocols each scheme needs (and nothing else): -protocol_whitelist. */
export const protocolWhitelists: Readonly<Record<CameraScheme, string>> = {
  rtsp: 'rtsp,rtp,udp,tcp',
  rtsps: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  http: 'http,https,tcp,tls,crypto',
  https: 'http,https,tcp,tls,crypto',
  file: 'file',
  udp: 'udp',
  tcp: 'tcp',
};

/** Longest accepted camera URL or path. */
export const maxCameraUrlLength = 2048;

/** Kernel and device file systems: never a video file, whatever fileRoots says. */
const pseudoRoots = ['/dev', '/proc', '/sys'];

export interface CameraUrlPolicy {
  /** ingest.allowedSchemes (default: rtsp, rtsps, http, https, file). */
  allowedSchemes?: readonly string[];
  /** ingest.fileRoots: plain-file cameras must lie under one of these (after realpath); empty = anywhere. */
  fileRoots?: readonly string[];
}

export interface CheckedCameraUrl {
  scheme: CameraScheme;
  /** What ffmpeg opens: the URL unchanged, or file:<real absolute path> for a local file. */
  input: string;
  /** -protocol_whitelist for this input. */
  protocolWhitelist: string;
}

/** A camera URL the policy refuses (code E_CAMERA_URL). */
export class CameraUrlError extends FaceStreamError {
  constructor(message: string) {
    super('E_CAMERA_URL', message);
    this.name = 'CameraUrlError';
  }
}

/** A URL as it may appear in a message: credentials masked, control characters visible, bounded. */
export function displayCameraUrl(url: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = maskUrl(url).replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
}

// Anything ffmpeg could take for a protocol prefix: scheme characters (and "," of subfile,,...) before a colon.
const schemePrefix = /^([A-Za-z0-9+.,-]*):/;

/** The scheme of a camera URL, lower case ("file" for a plain path), as ffmpeg would see it. */
export function cameraSchemeOf(url: string): string {
  const m = schemePrefix.exec(url);
  return m ? m[1]!.toLowerCase() : 'file';
}

/** The -protocol_whitelist for a camera URL; throws for a scheme that is not a camera scheme. */
export function protocolWhitelistFor(url: string): string {
  const scheme = cameraSchemeOf(url);
  if (!(cameraSchemes as readonly string[]).includes(scheme)) throw new CameraUrlError(`camera URL ${displayCameraUrl(url)} refused: scheme "${scheme.slice(0, 32)}" is not a camera scheme`);
  return protocolWhitelists[scheme as CameraScheme];
}

/** realpath of the longest existing prefix, plus the rest: a file that does not exist yet is still placed correctly. */
function realpathLenient(abs: string): { real: string; exists: boolean } {
  try { return { real: realpathSync(abs), exists: true }; } catch { /* walk up */ }
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    const parent = path.dirname(cur);
    rest.unshift(path.basename(cur));
    if (parent === cur) return { real: abs, exists: false };
    cur = parent;
    try { return { real: path.join(realpathSync(cur), ...rest), exists: false }; } catch { /* keep walking */ }
  }
}

const isInside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

export interface CheckOptions {
  /** Refuse a file camera whose file does not exist (right before ffmpeg starts); default false (config load). */
  requireFile?: boolean;
}

/**
 * Check one camera URL against the policy; returns what ffmpeg should open. Throws
 * CameraUrlError (E_CAMERA_URL) with a one-line reason, credentials masked.
 */
export function checkCameraUrl(url: string, policy: CameraUrlPolicy = {}, options: CheckOptions = {}): CheckedCameraUrl {
  const fail = (why: string): never => { throw new CameraUrlError(`camera URL ${displayCameraUrl(url)} refused: ${why}`); };
  if (typeof url !== 'string' || url.length === 0) fail('empty');
  if (url.length > maxCameraUrlLength) fail(`longer than ${maxCameraUrlLength} characters`);
  if (url.includes('\0')) fail('contains a NUL byte');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url)) fail('contains control characters');
  if (url.startsWith('-')) fail('starts with "-" (would be read as an ffmpeg option)');
  if (url !== url.trim()) fail('has leading or trailing white space');
  const allowed = (policy.allowedSchemes ?? defaultAllowedSchemes).map((s) => s.toLowerCase());
  const scheme = cameraSchemeOf(url);
  const allowedText = allowed.length ? allowed.join(', ') : 'none';
  if (!(cameraSchemes as readonly string[]).includes(scheme)) {
    fail(`scheme "${scheme.slice(0, 32)}" is not a camera scheme (ingest.allowedSchemes allows: ${allowedText})`);
  }
  if (!allowed.includes(scheme)) fail(`scheme "${scheme}" is not allowed (ingest.allowedSchemes: ${allowedText})`);
  const s = scheme as CameraScheme;
  if (s === 'file') return checkFile(url, policy, options, fail);

  if (!new RegExp(`^${s}://`, 'i').test(url)) fail(`must look like ${s}://host/...`);
  if (/\s/.test(url)) fail('contains white space (percent-encode it)');
  let parsed: URL;
  try { parsed = new URL(url); } catch { return fail('is not a valid URL'); }
  if (!parsed.hostname) fail('has no host');
  return { scheme: s, input: url, protocolWhitelist: protocolWhitelists[s] };
}

function checkFile(url: string, policy: CameraUrlPolicy, options: CheckOptions, fail: (why: string) => never): CheckedCameraUrl {
  let p = url;
  if (/^file:/i.test(url)) {
    if (!/^file:\/\//i.test(url)) fail('a file URL must be file:///absolute/path');
    try { p = fileURLToPath(url); } catch (e) { return fail(`is not a local file URL (${(e as Error).message.split('\n')[0]})`); }
    if (p.includes('\0')) fail('contains a NUL byte');
  }
  if (p.includes('|')) fail('a file path must not contain "|"');
  const abs = path.resolve(p);
  const { real, exists } = realpathLenient(abs);
  if (pseudoRoots.some((r) => isInside(r, real))) fail(`${real.slice(0, 200)} is a device or kernel file, not a video file`);
  if (exists) {
    let isFile = false;
    try { isFile = statSync(real).isFile(); } catch { /* gone: treated like a missing file below */ }
    if (!isFile) fail(`${real.slice(0, 200)} is not a regular file`);
  } else if (options.requireFile) {
    throw new Error(`no such file: ${displayCameraUrl(abs)}`);
  }
  const roots = policy.fileRoots ?? [];
  if (roots.length > 0 && !roots.some((r) => isInside(realpathLenient(path.resolve(r)).real, real))) {
    fail(`${real.slice(0, 200)} is outside ingest.fileRoots (${roots.join(', ').slice(0, 200)})`);
  }
  return { scheme: 'file', input: `file:${real}`, protocolWhitelist: protocolWhitelists.file };
}

/** The reason a camera URL is refused, or null (config validation). */
export function cameraUrlProblem(url: string, policy: CameraUrlPolicy): string | null {
  try { checkCameraUrl(url, policy); return null; } catch (e) { return (e as Error).message; }
}
