import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { calibrate, confusionAt, seededPairs, writeThreshold } from '../../helpers/evaluation.js';

describe('calibration', () => {
  const scores = seededPairs(400, 7);

  it('meets the FAR target on the pairs it was set on, and reports that TAR', () => {
    for (const far of [0.1, 0.01, 0.005]) {
      const c = calibrate(scores, { kind: 'far', far });
      const check = confusionAt(scores, c.threshold);
      expect(check.far).toBeLessThanOrEqual(far);
      expect(c.tar).toBeCloseTo(check.tar);
      expect(c.far).toBeCloseTo(check.far);
    }
  });

  it('the accuracy objective is at least as accurate as any FAR threshold', () => {
    const acc = calibrate(scores, { kind: 'accuracy' });
    for (const far of [0.1, 0.01]) expect(acc.accuracy).toBeGreaterThanOrEqual(calibrate(scores, { kind: 'far', far }).accuracy);
  });

  it('writes verify.thresholds.<model> into a YAML config that loadConfig accepts, keeping other keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-cal-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'detector:\n  model: tiny\n');
    await writeThreshold(file, 'resnet34', 0.0871, 'test');
    await writeThreshold(file, 'mobileface', 0.5, 'test');
    const cfg = loadConfig({ file, env: {} });
    expect(cfg.verify.thresholds.resnet34).toBe(0.0871);
    expect(cfg.verify.thresholds.mobileface).toBe(0.5);
    expect(cfg.detector.model).toBe('tiny');
    expect(readFileSync(file, 'utf8')).toMatch(/# test/);
    const fresh = join(dir, 'sub', 'new.yaml');
    await writeThreshold(fresh, 'resnet34', 0.1, 'x');
    expect(loadConfig({ file: fresh, env: {} }).verify.thresholds.resnet34).toBe(0.1);
  });
});
