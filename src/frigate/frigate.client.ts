import type { FrigateConfig } from '../config/schema.js';
import { frigateEventIdPattern } from './frigate-event.schema.js';

/** Why a Frigate request failed: the fetch loop retries `timeout`, `network` and `http` 5xx once. */
export type FrigateFailure = 'timeout' | 'network' | 'http' | 'invalid';

export class FrigateHttpError extends Error {
  constructor(readonly kind: FrigateFailure, message: string, readonly status?: number) {
    super(message);
    this.name = 'FrigateHttpError';
  }

  /** Worth another try later: Frigate busy, restarting or unreachable (not a 4xx or a bad body). */
  get transient(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }
}

export type FrigateClientOptions = Pick<FrigateConfig, 'url' | 'username' | 'password' | 'token' | 'requestTimeoutMs' | 'snapshot'>;

/** The largest snapshot accepted (a 4K PNG is ~25 MB). */
const maxSnapshotBytes = 32 * 1024 * 1024;
/** Frigate's sub_label limit (EventsSubLabelBody.subLabel max_length). */
export const maxSubLabelLength = 100;
/** Frigate's auth cookie (auth.cookie_name default); another name is found by its JWT shape. */
const defaultCookieName = 'frigate_token';
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Frigate's HTTP API as companion mode uses it (documented endpoints only, 0.14-0.17):
 * `GET /api/events/<id>/snapshot.jpg` (crop, bbox, timestamp, quality), `GET
 * /api/events/<id>/snapshot-clean.png`, `POST /api/events/<id>/sub_label` and `GET /api/config`
 * (camera names). Authentication: none (port 5000), a configured bearer token, or a user: `POST
 * /api/login` answers with the JWT in a cookie, sent back as `Authorization: Bearer` (Frigate
 * accepts both); a 401 logs in again once. Every request has a deadline (AbortSignal.timeout);
 * redirects are not followed (a login page is a failure, and credentials never go elsewhere).
 */
export class FrigateClient {
  private readonly base: string;
  private jwt: string | undefined;
  private login: Promise<string> | undefined;

  constructor(private readonly options: FrigateClientOptions, private readonly fetchImpl: typeof fetch = fetch) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** The event's current best snapshot (crop / full frame / clean PNG per frigate.snapshot), as image bytes. */
  async snapshot(eventId: string): Promise<Buffer> {
    const id = checkedId(eventId);
    // boxes and timestamps drawn into the picture would be read as part of the face
    const path = this.options.snapshot === 'clean'
      ? `/api/events/${id}/snapshot-clean.png`
      : `/api/events/${id}/snapshot.jpg?${new URLSearchParams({ crop: this.options.snapshot === 'crop' ? '1' : '0', bbox: '0', timestamp: '0', quality: '95' })}`;
    const res = await this.request('GET', path, { accept: 'image/*' });
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('image/')) throw new FrigateHttpError('invalid', `snapshot of ${eventId}: not an image (${type || 'no content type'})`, res.status);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxSnapshotBytes) throw new FrigateHttpError('invalid', `snapshot of ${eventId}: ${declared} bytes`, res.status);
    const body = Buffer.from(await this.bodyWithin(res));
    if (body.length === 0 || body.length > maxSnapshotBytes) throw new FrigateHttpError('invalid', `snapshot of ${eventId}: ${body.length} bytes`, res.status);
    return body;
  }

  /** Set (or with '' clear) the event's sub_label; `score` in (0, 1] or left out. */
  async setSubLabel(eventId: string, subLabel: string, score?: number): Promise<void> {
    const body: { subLabel: string; subLabelScore?: number } = { subLabel: subLabel.slice(0, maxSubLabelLength) };
    if (score !== undefined && score > 0 && score <= 1) body.subLabelScore = Math.round(score * 1000) / 1000 || 0.001;
    const res = await this.request('POST', `/api/events/${checkedId(eventId)}/sub_label`, { json: body });
    await this.bodyWithin(res);
  }

  /** The camera names of Frigate's configuration (GET /api/config). */
  async cameras(): Promise<string[]> {
    const res = await this.request('GET', '/api/config', {});
    let config: unknown;
    try {
      config = JSON.parse(Buffer.from(await this.bodyWithin(res)).toString('utf8'));
    } catch (e) {
      if (e instanceof FrigateHttpError) throw e;
      throw new FrigateHttpError('invalid', 'GET /api/config: not JSON', res.status);
    }
    const cameras = (config as { cameras?: unknown } | null)?.cameras;
    return cameras && typeof cameras === 'object' ? Object.keys(cameras) : [];
  }

  private async request(method: 'GET' | 'POST', path: string, init: { json?: unknown; accept?: string }, retried = false): Promise<Response> {
    const { json, accept = 'application/json' } = init;
    const headers: Record<string, string> = { accept };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const bearer = this.options.token ?? (this.options.username !== undefined ? await this.ensureLogin() : undefined);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await this.send(method, path, headers, json === undefined ? undefined : JSON.stringify(json));
    if (res.status === 401 && !retried && this.options.username !== undefined) {
      // the JWT expired (auth.session_length) or Frigate restarted with a new secret
      await res.body?.cancel().catch(() => {});
      this.jwt = undefined;
      return this.request(method, path, init, true);
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      throw new FrigateHttpError('http', `${method} ${path.split('?')[0]}: HTTP ${res.status}${text ? ` ${text}` : ''}`, res.status);
    }
    return res;
  }

  private async send(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.base}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
    } catch (e) {
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new FrigateHttpError('timeout', `${method} ${path.split('?')[0]}: no answer within ${this.options.requestTimeoutMs} ms`);
      throw new FrigateHttpError('network', `${method} ${path.split('?')[0]}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    }
  }

  /** The response body, still under the request's deadline (a server that stalls mid-body is a timeout too). */
  private async bodyWithin(res: Response): Promise<ArrayBuffer> {
    try {
      return await res.arrayBuffer();
    } catch (e) {
      const err = e as Error;
      throw new FrigateHttpError(err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : 'network', `reading a Frigate response: ${err.message}`, res.status);
    }
  }

  private ensureLogin(): Promise<string> {
    if (this.jwt) return Promise.resolve(this.jwt);
    this.login ??= this.logIn().finally(() => { this.login = undefined; });
    return this.login;
  }

  private async logIn(): Promise<string> {
    const res = await this.send('POST', '/api/login', { 'content-type': 'application/json', accept: 'application/json' },
      JSON.stringify({ user: this.options.username, password: this.options.password }));
    await res.body?.cancel().catch(() => {});
    if (!res.ok) throw new FrigateHttpError('http', `POST /api/login as ${this.options.username}: HTTP ${res.status}`, res.status);
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!.trim()).map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)] as const);
    const token = (cookies.find(([name]) => name === defaultCookieName) ?? cookies.find(([, value]) => jwtShape.test(value)))?.[1];
    if (!token) throw new FrigateHttpError('invalid', 'POST /api/login: no token cookie in the answer', res.status);
    this.jwt = token;
    return token;
  }
}

function checkedId(eventId: string): string {
  if (!frigateEventIdPattern.test(eventId)) throw new FrigateHttpError('invalid', `not a Frigate event id: ${JSON.stringify(eventId.slice(0, 40))}`);
  return encodeURIComponent(eventId);
}
