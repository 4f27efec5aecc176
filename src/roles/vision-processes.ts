import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../ops/health.server.js';
import type { MetricsJson } from '../ops/ops.runtime.js';
import type { Config } from '../config/schema.js';
import type { Role } from './roles.js';

/** IPC message: the parent asks a child for its metrics; the child answers with the same type and id. */
export const METRICS_MESSAGE = 'facestream:metrics';
interface MetricsReply { type: typeof METRICS_MESSAGE; id: number; metrics: MetricsJson }

/** Environment variable that carries the run process's resolved configuration to its vision children. */
export const CHILD_CONFIG_ENV = 'FACESTREAM_VISION_CHILD_CONFIG';

const here = fileURLToPath(import.meta.url);
/** The child's entry point next to this module (vision-child.ts from source, .js when built). */
const childEntry = path.join(path.dirname(here), `vision-child${path.extname(here)}`);

/** Restart delays of a vision child that died: doubling from 1 s to 30 s; back to 1 s after a minute up. */
const firstDelayMs = 1000, maxDelayMs = 30_000, stableAfterMs = 60_000;
/** How long close() waits for a child to finish its frames after SIGTERM before SIGKILL. */
const stopTimeoutMs = 30_000;

/**
 * The configuration a vision child runs with: the parent's, resolved (file, environment and
 * command line already applied), without cameras (ingest stays in the parent), without an ops
 * server (one port per host; the parent serves health and metrics) and without the sections
 * that hold credentials a vision worker never uses (api, notify, mqtt, frigate: their defaults apply).
 */
export function childConfig(config: Readonly<Config>): Record<string, unknown> {
  const { api: _api, notify: _notify, mqtt: _mqtt, frigate: _frigate, ...rest } = config;
  return { ...rest, ingest: { ...config.ingest, cameras: [] }, ops: { ...config.ops, port: 0 } };
}

/**
 * `facestream run`'s vision role as `vision.processes` child processes (each a full vision worker
 * with its own engine and event loop, so the networks never hold the loop that reads the
 * cameras, and a machine's cores are used). A child that dies is restarted with backoff. Each
 * child runs in its own process group, so a terminal's Ctrl-C reaches only the parent, which
 * stops the children gracefully (SIGTERM: in-flight frames finish); a child whose parent died
 * (IPC channel closed) stops by itself.
 */
export class VisionProcesses implements Role {
  private readonly children = new Map<number, ChildProcess>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;
  private nextRequest = 0;
  /** Every child's environment: this process's plus the resolved configuration (the same for every start). */
  private readonly childEnv: NodeJS.ProcessEnv;

  constructor(private readonly config: Readonly<Config>, private readonly logger: Logger) {
    this.childEnv = { ...process.env, [CHILD_CONFIG_ENV]: JSON.stringify(childConfig(config)) };
    for (let i = 0; i < config.vision.processes; i++) this.start(i, firstDelayMs);
  }

  /** Readiness check of the run process: at least one vision child is running (not all dead and waiting to restart). */
  readonly readiness: ReadinessCheck = {
    name: 'vision',
    check: () => {
      // a child leaves the map when it exits; its IPC channel closes when it dies
      if (![...this.children.values()].some((c) => c.connected)) {
        throw new Error(`none of the ${this.config.vision.processes} vision process(es) is running (restarting after a crash: see the log)`);
      }
    },
  };

  private start(slot: number, delayMs: number): void {
    const args = childEntry.endsWith('.ts') ? ['--import', 'tsx', childEntry] : [childEntry];
    const child = spawn(process.execPath, args, {
      env: this.childEnv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    this.children.set(slot, child);
    const startedAt = Date.now();
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      if (this.children.get(slot) === child) this.children.delete(slot);
      if (this.closing) return;
      // a child that ran a while restarts at once again; one that keeps dying waits longer each time
      const delay = Date.now() - startedAt >= stableAfterMs ? firstDelayMs : delayMs;
      this.logger.error({ slot, pid: child.pid, code, signal, restartInMs: delay }, 'vision process exited; restarting');
      const t = setTimeout(() => { this.timers.delete(t); if (!this.closing) this.start(slot, Math.min(maxDelayMs, delay * 2)); }, delay);
      this.timers.add(t);
    };
    child.once('exit', end);
    // a process that could not be started at all emits no 'exit'
    child.once('error', (err) => {
      this.logger.error({ slot, err: err.message }, 'vision process failed');
      if (child.pid === undefined) end(null, null);
    });
  }

  /**
   * Every running child's metrics (prom-client JSON), asked over IPC; a child that does not answer
   * within `timeoutMs` (busy starting, or dying) is left out of this scrape.
   */
  async metrics(timeoutMs = 2000): Promise<MetricsJson[]> {
    const asks = [...this.children.values()].filter((c) => c.connected).map((child) => new Promise<MetricsJson | undefined>((ok) => {
      const id = ++this.nextRequest;
      const done = (m?: MetricsJson) => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); ok(m); };
      const onMessage = (msg: unknown) => { const r = msg as Partial<MetricsReply>; if (r?.type === METRICS_MESSAGE && r.id === id && Array.isArray(r.metrics)) done(r.metrics); };
      const onExit = () => done();
      const timer = setTimeout(() => done(), timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      try { child.send({ type: METRICS_MESSAGE, id }); } catch { done(); }
    }));
    return (await Promise.all(asks)).filter((m): m is MetricsJson => m !== undefined);
  }

  /** Stop restarting, SIGTERM every child, wait for them (SIGKILL after 30 s). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      await Promise.all([...this.children.values()].map((child) => new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return ok();
        const kill = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        child.once('exit', () => { clearTimeout(kill); ok(); });
        child.kill('SIGTERM');
      })));
      this.children.clear();
    })();
    return this.closing;
  }
}
