import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dataPath, repoRoot } from '../helpers/data.js';

const run = promisify(execFile);

interface Face { box: { x: number; y: number; width: number; height: number }; score: number; embedding: number[] | null }
interface Output { threads: number; results: Face[][] }

/** Each run is its own process: the thread pool is chosen once, when the backend starts. */
async function analyse(threads: number, images: string[]): Promise<Output> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/helpers/analyse-json.ts', String(threads), ...images], { cwd: repoRoot, timeout: 90_000, maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Output;
}

describe('wasm backend with a thread pool (engine.wasmThreads)', () => {
  it('runs the threaded build with 2 threads, finds the same faces and embeddings as 1 thread, and lets the process end', async () => {
    const images = [dataPath('people/scenes/multiface.jpg'), dataPath('people/scenes/bbt1.jpg'), dataPath('people/gallery/obama/obama.jpg')];
    // execFile's timeout fails the call if a pool worker kept the process alive after the script's end.
    const [one, two] = await Promise.all([analyse(1, images), analyse(2, images)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    let compared = 0;
    for (let i = 0; i < images.length; i++) {
      const a = one.results[i]!;
      const b = two.results[i]!;
      expect(b.length).toBe(a.length);
      expect(a.length).toBeGreaterThan(0);
      for (let j = 0; j < a.length; j++) {
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(a[j]!.box[k] - b[j]!.box[k])).toBeLessThan(1);
        expect(Math.abs(a[j]!.score - b[j]!.score)).toBeLessThan(1e-3);
        expect(b[j]!.embedding === null).toBe(a[j]!.embedding === null);
        if (a[j]!.embedding && b[j]!.embedding) {
          const d = Math.sqrt(a[j]!.embedding!.reduce((s, v, n) => s + (v - b[j]!.embedding![n]!) ** 2, 0));
          expect(d).toBeLessThan(1e-3);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(3);
  }, 180_000);
});
