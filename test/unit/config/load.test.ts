import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configLeaves, configSchema, envNameOf, loadConfig, renderDefaultYaml } from '../../../src/config/index.js';
import { FaceStreamError } from '../../../src/errors/index.js';
import { scoreThresholdOf } from '../../../src/config/schema.js';
import { repoRoot } from '../../helpers/data.js';

describe('config', () => {
  it('has defaults for everything and freezes the result', () => {
    const c = loadConfig({ env: {} });
    expect(c.detector.model).toBe('faceboxes');
    expect(c.detector.scoreThreshold).toBeUndefined();
    expect(scoreThresholdOf(c.detector)).toBe(0.65);
    expect(scoreThresholdOf({ ...c.detector, model: 'ssd' })).toBe(0.4);
    expect(c.embedder.model).toBe('resnet34');
    expect(Object.isFrozen(c.detector)).toBe(true);
  });

  it('config/default.yaml is the rendering of the schema and parses to the defaults', () => {
    const file = readFileSync(`${repoRoot}/config/default.yaml`, 'utf8');
    expect(file).toBe(renderDefaultYaml());
    expect(configSchema.parse(YAML.parse(file))).toEqual(loadConfig({ env: {} }));
  });

  it('documents every key with a description and an env name', () => {
    const file = readFileSync(`${repoRoot}/config/default.yaml`, 'utf8');
    for (const leaf of configLeaves(configSchema)) {
      expect(leaf.description, leaf.path.join('.')).toBeTruthy();
      expect(file).toContain(envNameOf(leaf.path));
    }
  });

  it('applies env overrides with types', () => {
    const c = loadConfig({ env: { FACESTREAM_DETECTOR_SCORE_THRESHOLD: '0.7', FACESTREAM_EMBEDDER_FLIP: 'true', FACESTREAM_VERIFY_THRESHOLDS_RESNET34: '0.1' } });
    expect(c.detector.scoreThreshold).toBe(0.7);
    expect(c.embedder.flip).toBe(true);
    expect(c.verify.thresholds.resnet34).toBe(0.1);
  });

  it('rejects unknown keys, unknown env names and out-of-bounds values with a clear message', () => {
    const err = (f: () => unknown) => { try { f(); } catch (e) { return e as FaceStreamError; } throw new Error('no error'); };
    const a = err(() => loadConfig({ env: {}, overrides: { detector: { colour: 'red' } } }));
    expect(a.code).toBe('E_CONFIG');
    expect(a.message).toMatch(/detector: unknown key\(s\) "colour"/);
    expect(err(() => loadConfig({ env: {}, overrides: { detectr: {} } })).message).toMatch(/unknown key\(s\) "detectr"/);
    expect(err(() => loadConfig({ env: { FACESTREAM_DETECTOR_COLOUR: 'x' } })).message).toMatch(/unknown environment setting FACESTREAM_DETECTOR_COLOUR/);
    expect(err(() => loadConfig({ env: {}, overrides: { detector: { scoreThreshold: 2 } } })).message).toMatch(/detector\.scoreThreshold/);
    expect(err(() => loadConfig({ env: {}, overrides: { engine: { backend: 'cuda' } } })).message).toMatch(/engine\.backend/);
    expect(err(() => loadConfig({ env: {}, file: '/nonexistent.yaml' })).message).toMatch(/cannot read config file/);
  });
});
