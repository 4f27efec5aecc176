import { loadConfig, type Config } from '../../src/config/index.js';
import { FaceEngine } from '../../src/engine/index.js';

/** One engine per test file: model loading takes about a second. Environment overrides are ignored. */
export function testConfig(overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({ env: {}, overrides });
}

export const createTestEngine = (overrides: Record<string, unknown> = {}): Promise<FaceEngine> =>
  FaceEngine.create(testConfig(overrides));
