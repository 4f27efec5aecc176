import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { FaceStreamError } from '../errors/index.js';

/** Options every command accepts (registered on the root program). */
export interface GlobalOptions { config?: string; backend?: string; detector?: string; embedder?: string; flip?: boolean; dataDir?: string }

/** Build the configuration from --config, FACESTREAM_* and the engine flags. */
export function configFrom(cmd: Command): Readonly<Config> {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  const overrides: Record<string, Record<string, unknown>> = {};
  if (o.backend) overrides.engine = { backend: o.backend };
  if (o.detector) overrides.detector = { model: o.detector };
  if (o.embedder || o.flip !== undefined) {
    overrides.embedder = { ...(o.embedder ? { model: o.embedder } : {}), ...(o.flip === true ? { flip: true } : o.flip === false ? { flip: false, photoFlip: false } : {}) };
  }
  if (o.dataDir) overrides.data = { dir: o.dataDir };
  return loadConfig({ file: o.config, overrides });
}

/** Print JSON to stdout (the machine-readable result of a command). */
export const printJson = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, (_k, v) => (v instanceof Float32Array ? Array.from(v, (x) => Math.round(x * 1e6) / 1e6) : v), 2) + '\n');
};

export { runCommand } from '../errors/run-command.js';
export { FaceStreamError };
