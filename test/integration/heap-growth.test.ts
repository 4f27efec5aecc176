import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dataPath, repoRoot } from '../helpers/data.js';

const run = promisify(execFile);

interface Count { frames: number; faces: number; majors: number }

/** Each run is its own process: the V8 setting is process-global. */
async function count(percent: number): Promise<Count> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/helpers/gc-count.ts', String(percent), dataPath('video/crowd_walk_1080p.mp4'), '20'], { cwd: repoRoot, timeout: 120_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Count;
}

describe('vision.heapGrowingPercent (V8 heap growth of a vision worker process)', () => {
  it('20 crowd frames analysed as the worker does: V8 takes the setting at run time and runs far fewer full collections', async () => {
    const [v8Default, relaxed] = await Promise.all([count(0), count(100)]);
    expect(v8Default.frames).toBe(20);
    expect(relaxed.faces).toBe(v8Default.faces);
    expect(relaxed.faces).toBeGreaterThan(40);
    // measured here: 10-11 full collections with V8's default growth, 2 with 100 %
    expect(relaxed.majors).toBeLessThanOrEqual(Math.max(2, v8Default.majors / 2));
  }, 180_000);
});
