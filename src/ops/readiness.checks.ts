import { accessSync, constants, mkdirSync } from 'node:fs';
import type { ReadinessCheck } from './health.server.js';

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
