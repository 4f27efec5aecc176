import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The library example (examples/library.ts, the one the docs show) run as written: it imports
 * from 'facestream', which Node resolves through package.json "exports" to the build (dist/,
 * `npm run build`; `npm test` builds before the tests), exactly as in a project that installed
 * the package. No shared test data: the photos are the repository's examples/gallery.
 */
const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const example = 'examples/library.ts';

/** The environment without FACESTREAM_* settings (a config file or overrides of the developer's shell). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FACESTREAM_')) delete env[k];
  return env;
}

describe('the library example', () => {
  it('docs/reference/library.md shows the file unchanged', () => {
    const page = readFileSync(path.join(repoRoot, 'docs/reference/library.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    expect(block).toBe(readFileSync(path.join(repoRoot, example), 'utf8'));
  });

  it('the package entry is built where package.json exports it', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { types: string; exports: { '.': { types: string; default: string } } };
    expect(pkg.exports['.'].types).toBe(pkg.types);
    for (const file of [pkg.exports['.'].default, pkg.exports['.'].types]) {
      expect(existsSync(path.join(repoRoot, file)), `${file} missing: run \`npm run build\` first`).toBe(true);
    }
  });

  it('runs as written: analyses, verifies, enrolls and identifies', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', example], { cwd: repoRoot, env: cleanEnv(), timeout: 110_000 });
    expect(stdout).toMatch(/^faces: 1, embedding: \d+ numbers$/m);
    expect(stdout).toMatch(/^same person: true \(distance 0\.\d{3}\)$/m);
    expect(stdout).toContain('enrolled: accepted\n');
    expect(stdout).toContain('obama/obama2.jpg: Barack Obama\n');
    expect(stdout).toContain('biden/biden.jpg: unknown\n');
  });

  it('type-checks against the published types (dist/src/index.d.ts), as a consumer\'s compiler resolves them', async () => {
    // --ignoreConfig: not the repository's tsconfig (its "paths" point 'facestream' at src/ for the typecheck)
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '--ignoreConfig', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--strict', '--skipLibCheck', '--types', 'node', example], { cwd: repoRoot })).resolves.toBeDefined();
  });

  it('paths under dist/ are not importable by the package name', async () => {
    const probe = "import('facestream/dist/src/roles/index.js').then(() => console.log('imported'), (e) => console.log(e.code))";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: repoRoot });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
