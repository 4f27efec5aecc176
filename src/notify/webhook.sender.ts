import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ErrorCode } from '../errors/index.js';
import { checkWebhookTarget, pinnedLookup, WebhookTargetError, type HostResolver } from './target.guard.js';
import { deliveryHeader, signatureHeader, signWebhook, timestampHeader } from './webhook.signer.js';

/**
 * A delivery that retrying will not change: a refused target (code E_WEBHOOK_TARGET), a
 * redirect, or a receiver's 4xx other than 408/429.
 */
export class PermanentWebhookError extends Error {
  constructor(message: string, readonly code?: ErrorCode) { super(message); this.name = 'PermanentWebhookError'; }
}

export interface WebhookRequest {
  url: string; body: string; secret: string; alertId: number; attempt: number; timeoutMs: number; nowMs?: number;
  /** notify.allowPrivateTargets: let loopback/private/CGNAT receivers through (LAN deployments). Default false. */
  allowPrivateTargets?: boolean;
  /** Host resolver (default dns.lookup, all addresses); tests inject one. */
  resolve?: HostResolver;
}

class Timeout extends Error {}

/**
 * One signed POST. The target host is resolved once and every address checked (see
 * target.guard.ts); the socket connects to exactly those addresses while the Host header and
 * TLS SNI/certificate check keep the URL's host name. The timestamp is taken per attempt
 * (receivers reject stale ones); resolving and the request together are aborted after
 * timeoutMs, so a hanging receiver costs one slot for that long. Redirects are never followed
 * (a signed body must not be replayed to another host, nor a checked target bounce into the
 * LAN): a 3xx is a permanent failure.
 */
export async function sendWebhook(r: WebhookRequest): Promise<number> {
  const ts = Math.floor((r.nowMs ?? Date.now()) / 1000);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Timeout()), r.timeoutMs);
  let res: IncomingMessage;
  try {
    const target = await abortable(checkWebhookTarget(r.url, { allowPrivate: r.allowPrivateTargets ?? false, resolve: r.resolve }), controller.signal);
    if (target.url.username || target.url.password) throw new PermanentWebhookError('webhook URLs with credentials (user:password@) are not supported: receivers authenticate deliveries by their signature');
    res = await post(target.url, target.hostname, pinnedLookup(target.addresses), {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(r.body)),
      'user-agent': 'facestream-webhooks/1',
      [timestampHeader]: String(ts),
      [signatureHeader]: signWebhook(r.secret, ts, r.body),
      [deliveryHeader]: String(r.alertId),
      'x-facestream-attempt': String(r.attempt),
    }, r.body, controller.signal);
  } catch (e) {
    if (e instanceof PermanentWebhookError) throw e;
    if (e instanceof WebhookTargetError) throw new PermanentWebhookError(`${e.code}: ${e.message}`, e.code);
    if (controller.signal.aborted) throw new Error(`no answer within ${r.timeoutMs} ms`);
    throw new Error(`request failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  res.destroy();
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return status;
  if (status >= 300 && status < 400) {
    throw new PermanentWebhookError(`receiver answered HTTP ${status} (redirect${redirectTarget(res, r.url)}): redirects are not followed, set the final URL in the rule`);
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentWebhookError(`receiver answered HTTP ${status}`);
  throw new Error(`receiver answered HTTP ${status}`);
}

/** " to https://host" (origin only: a Location may carry tokens), or "". */
function redirectTarget(res: IncomingMessage, base: string): string {
  const loc = res.headers.location;
  if (!loc) return '';
  try { return ` to ${new URL(loc, base).origin.slice(0, 255)}`; } catch { return ''; }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((ok, fail) => {
    if (signal.aborted) { fail(signal.reason as Error); return; }
    const onAbort = () => fail(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); ok(v); }, (e: unknown) => { signal.removeEventListener('abort', onAbort); fail(e); });
  });
}

function post(url: URL, hostname: string, lookup: ReturnType<typeof pinnedLookup>, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  return new Promise((ok, fail) => {
    const req = (https ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      // the original host: virtual hosts route on it; https derives the SNI name from it, and
      // checks the certificate against `hostname` (never against the pinned address)
      headers: { ...headers, host: url.host },
      lookup: lookup as never,
      agent: false,
      signal,
    }, ok);
    req.on('error', fail);
    req.end(body);
  });
}
