import { accessSync, constants, mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ReadinessCheck } from './health.server.js';

/**
 * A Redis probe that fails fast: the roles' own connections queue commands through an outage
 * (maxRetriesPerRequest null), which would hang a readiness probe instead of answering 503.
 */
export class RedisProbe implements ReadinessCheck {
  readonly name = 'redis';
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectionName: 'facestream-ops-probe', retryStrategy: () => 1000 });
    this.redis.on('error', () => { /* reported by check() */ });
  }

  async check(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => {});
    const pong = await this.redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
  }

  close(): void { this.redis.disconnect(); }
}

/** What the models check needs from an engine: its TF.js backend answers. */
export interface ModelsSource { readonly modelId: string; readonly tf: { getBackend(): string | undefined } }

export const modelsCheck = (engines: readonly ModelsSource[]): ReadinessCheck => ({
  name: 'models',
  check() {
    if (!engines.length) throw new Error('no face engine loaded');
    for (const e of engines) if (!e.tf.getBackend()) throw new Error(`no TF.js backend for ${e.modelId}`);
  },
});

/** The data directory is writable and the SQLite store answers. */
export const storeCheck = (dataDir: string, store?: { ping(): boolean }): ReadinessCheck => ({
  name: 'store',
  check() {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    if (store && !store.ping()) throw new Error('store did not answer');
  },
});
