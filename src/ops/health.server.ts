import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** One readiness condition: resolves when fine, throws (with a message saying what is wrong) when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void> | void;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  checks: readonly ReadinessCheck[];
  logger: Logger;
  /** A single check taking longer than this fails (a hung Redis must not hang the probe). Default 2000 ms. */
  checkTimeoutMs?: number;
}

export interface ReadinessReport { ready: boolean; checks: Record<string, { ok: boolean; error?: string }> }

export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const entries = await Promise.all(checks.map(async (c) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => c.check()),
        new Promise((_ok, fail) => { timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      return [c.name, { ok: true }] as const;
    } catch (e) {
      return [c.name, { ok: false, error: (e as Error).message }] as const;
    } finally {
      clearTimeout(timer);
    }
  }));
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/**
 * The ops endpoint of a worker process (node:http, no framework: it must answer even when
 * the role is busy or half-broken): GET /health/live (the event loop answers), /health/ready
 * (every check passes; 503 with the failing checks otherwise) and /metrics (Prometheus text).
 */
export class HealthServer {
  private server: Server | undefined;
  private closing: Promise<void> | undefined;
  private draining = false;

  constructor(private readonly options: HealthServerOptions) {}

  /** Resolves with the bound port (options.port 0 = any free port). */
  async start(): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const server = createServer((req, res) => { void this.handle(req, res); });
    this.server = server;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(this.options.port, this.options.host, () => { server.off('error', fail); ok(); });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Report not ready from now on (shutdown started: load balancers and Kubernetes stop routing). */
  drain(): void { this.draining = true; }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ error: { code: 'E_METHOD', message: 'GET only' } }));
      if (url === '/health/live') return send(200, JSON.stringify({ status: 'live' }));
      if (url === '/health/ready') {
        if (this.draining) return send(503, JSON.stringify({ status: 'draining', checks: {} }));
        const r = await runChecks(this.options.checks, this.options.checkTimeoutMs);
        return send(r.ready ? 200 : 503, JSON.stringify({ status: r.ready ? 'ready' : 'not ready', checks: r.checks }));
      }
      if (url === '/metrics') return send(200, await this.options.registry.metrics(), this.options.registry.contentType);
      return send(404, JSON.stringify({ error: { code: 'E_NOT_FOUND', message: 'routes: /health/live, /health/ready, /metrics' } }));
    } catch (e) {
      this.options.logger.error({ err: (e as Error).message }, 'ops request failed');
      if (!res.headersSent) send(500, JSON.stringify({ error: { code: 'E_INTERNAL', message: 'ops endpoint failed' } }));
    }
  }

  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((ok) => {
      const server = this.server;
      if (!server) return ok();
      server.close(() => ok());
      // keep-alive scrapers would hold close() open
      server.closeAllConnections();
    }));
  }
}
