import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/data.js';

/** npm run bench:gpu is for a GPU machine; --backend wasm runs the same code here. */
describe('bench:gpu on wasm', () => {
  it('runs the batched vision stage against looped cameras and prints a row per detector and batch size', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/gpu/vision-bench.ts'), 'run', '--backend', 'wasm',
      '--cameras', '2', '--fps', '2', '--seconds', '4', '--batches', '1,2', '--resolutions', '720', '--detectors', 'faceboxes,ssd'], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const detector of ['faceboxes', 'ssd']) {
      const rows = r.stdout.split('\n').filter((l) => l.startsWith(`| wasm | ${detector} | 720p | 2 |`));
      expect(rows, r.stdout).toHaveLength(2);
      for (const row of rows) {
        const cells = row.split('|').map((c) => c.trim());
        // analysed frames/s > 0, faces found
        expect(Number(cells[7]), row).toBeGreaterThan(0);
        expect(Number(cells[9]), row).toBeGreaterThan(0);
      }
    }
  }, 300_000);
});
