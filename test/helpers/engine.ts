import { loadConfig, type Config } from '../../src/config/index.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { openFacePipeline } from '../../src/roles/face-pipeline.factory.js';

/** One engine per test file: model loading takes about a second. Environment overrides are ignored. */
export function testConfig(overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({ env: {}, overrides });
}

export const createTestEngine = (overrides: Record<string, unknown> = {}): Promise<FacePipeline> =>
  openFacePipeline(testConfig(overrides));
